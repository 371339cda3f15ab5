#include "outagedesk/push/stream_tickets.hpp"

#include "outagedesk/service/auth.hpp"

namespace outagedesk::push {

std::string stream_tickets::issue(const domain::principal& holder) {
    auto ticket = "tkt_" + service::generate_token().substr(4);
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    std::erase_if(tickets_, [now](const auto& item) { return item.second.expires <= now; });
    tickets_.emplace(ticket, entry{holder, now + lifetime_});
    return ticket;
}

std::optional<domain::principal> stream_tickets::redeem(const std::string& ticket) {
    std::lock_guard lock(mutex_);
    auto it = tickets_.find(ticket);
    if (it == tickets_.end()) return std::nullopt;
    auto found = it->second;
    tickets_.erase(it);
    if (found.expires <= std::chrono::steady_clock::now()) return std::nullopt;
    return found.holder;
}

}  // namespace outagedesk::push
