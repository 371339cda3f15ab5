#include "outagedesk/http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace outagedesk::http {

bool rate_limiter::allow(const std::string& key, std::chrono::steady_clock::time_point now, int& retry_after) {
    if (rate_ <= 0) return true;
    std::lock_guard lock(mutex_);
    auto [it, fresh] = buckets_.try_emplace(key, bucket{burst_, now});
    auto& b = it->second;
    if (!fresh) {
        const double elapsed = std::chrono::duration<double>(now - b.refreshed).count();
        b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
        b.refreshed = now;
    }
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return true;
    }
    retry_after = std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / rate_)));
    return false;
}

}  // namespace outagedesk::http
