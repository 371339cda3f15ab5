#include "outagedesk/domain/ownership.hpp"

namespace outagedesk::domain {

std::optional<ownership> claim(const std::optional<ownership>& stored, const std::string& customer_id,
                               const std::string& agent, sys_seconds now, std::chrono::seconds period) {
    if (agent.empty() || customer_id.empty()) return std::nullopt;
    if (stored && stored->current(now)) return std::nullopt;
    return ownership{customer_id, agent, now, now + period};
}

std::optional<ownership> owner_at(const std::optional<ownership>& stored, sys_seconds now) {
    if (stored && stored->current(now)) return stored;
    return std::nullopt;
}

}  // namespace outagedesk::domain
