#pragma once
// Single-use tickets for browsers: EventSource and WebSocket cannot send an
// Authorization header, and long-lived tokens must never travel in URLs. A
// ticket is valid once, for 60 seconds, and lives only in memory.
#include "outagedesk/domain/role.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace outagedesk::push {

class stream_tickets {
public:
    explicit stream_tickets(std::chrono::seconds lifetime = std::chrono::seconds(60)) : lifetime_(lifetime) {}

    std::string issue(const domain::principal& holder);
    // The holder, once; nullopt when unknown, used or expired.
    std::optional<domain::principal> redeem(const std::string& ticket);
    std::chrono::seconds lifetime() const noexcept { return lifetime_; }

private:
    struct entry {
        domain::principal holder;
        std::chrono::steady_clock::time_point expires;
    };
    std::chrono::seconds lifetime_;
    std::mutex mutex_;
    std::map<std::string, entry> tickets_;
};

}  // namespace outagedesk::push
