#pragma once
// Who owns a customer: the first agent who handles them owns them for a fixed
// period, so the ACD can route the customer's next call to the same person.
// The period runs from that first handling and is not renewed by later
// contacts; once it has run out, the next agent who handles the customer
// takes over. Pure: "now" and the period are passed in.
#include <chrono>
#include <optional>
#include <string>

namespace outagedesk::domain {

using std::chrono::sys_seconds;

struct ownership {
    std::string customer_id;
    std::string agent;
    sys_seconds since{};
    sys_seconds until{};  // exclusive: at `until` the ownership has run out

    bool current(sys_seconds now) const noexcept { return now < until; }
};

// The ownership to store after `agent` handled the customer at `now`, or
// nullopt when the stored one stands (held by anyone and not yet run out).
std::optional<ownership> claim(const std::optional<ownership>& stored, const std::string& customer_id,
                               const std::string& agent, sys_seconds now, std::chrono::seconds period);

// The owner to show: the stored ownership while it is current, else nobody.
std::optional<ownership> owner_at(const std::optional<ownership>& stored, sys_seconds now);

}  // namespace outagedesk::domain
