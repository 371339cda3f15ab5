#include "outagedesk/platform/thread_name.hpp"

#include <pthread.h>

namespace outagedesk::platform {

void name_this_thread(const std::string& name) noexcept {
    constexpr std::size_t linux_limit = 15;
    // Only fails for a name over the limit, which the cut rules out.
    (void)pthread_setname_np(pthread_self(), name.substr(0, linux_limit).c_str());
}

}  // namespace outagedesk::platform
