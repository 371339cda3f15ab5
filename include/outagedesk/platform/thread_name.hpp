#pragma once
// Names the calling thread, as `top -H`, `ps -L`, perf and gdb show it
// ("od-writer", "od-io-1", …). Linux keeps 15 characters; longer names are cut.
#include <string>

namespace outagedesk::platform {

void name_this_thread(const std::string& name) noexcept;

}  // namespace outagedesk::platform
