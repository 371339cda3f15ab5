#pragma once
// Per-caller request budgets (token buckets), so one runaway client or
// script cannot starve the IVR and the agents. Keys are token names.
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace outagedesk::http {

class rate_limiter {
public:
    // `rate` requests per second on average, up to `burst` at once; rate 0 disables.
    rate_limiter(double rate, double burst) : rate_(rate), burst_(burst) {}

    // True when the request may go ahead; otherwise `retry_after` says how
    // many whole seconds until one would.
    bool allow(const std::string& key, std::chrono::steady_clock::time_point now, int& retry_after);
    bool enabled() const noexcept { return rate_ > 0; }

private:
    struct bucket {
        double tokens;
        std::chrono::steady_clock::time_point refreshed;
    };
    double rate_;
    double burst_;
    std::mutex mutex_;
    std::unordered_map<std::string, bucket> buckets_;
};

}  // namespace outagedesk::http
