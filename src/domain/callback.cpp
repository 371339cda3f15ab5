#include "outagedesk/domain/callback.hpp"

#include "outagedesk/domain/customer.hpp"
#include "outagedesk/domain/errors.hpp"

namespace outagedesk::domain {

namespace {
// A promise already broken when it is made is a typo, not a plan; a minute of
// slack absorbs clocks that differ between desk and server.
constexpr std::chrono::seconds past_slack{60};
constexpr std::chrono::hours furthest_ahead{24 * 366};
}  // namespace

std::string_view callback_state_name(callback_state s) noexcept { return s == callback_state::done ? "done" : "open"; }

std::optional<std::int64_t> parse_callback_id(std::string_view id) noexcept {
    constexpr std::string_view prefix = "CB-";
    if (!id.starts_with(prefix) || id.size() == prefix.size() || id.size() > prefix.size() + 18) return std::nullopt;
    std::int64_t n = 0;
    for (char c : id.substr(prefix.size())) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    return n;
}

bool is_overdue(const callback& c, sys_seconds now) noexcept {
    return c.state == callback_state::open && now > c.due_at;
}

bool kept_on_time(const callback& c) noexcept {
    return c.state == callback_state::done && c.completed_at && *c.completed_at <= c.due_at;
}

bool due_event_wanted(const callback& c, sys_seconds now) noexcept { return is_overdue(c, now) && !c.due_notified; }

std::optional<callback_filter> parse_callback_filter(std::string_view name) noexcept {
    if (name == "open") return callback_filter::open;
    if (name == "overdue") return callback_filter::overdue;
    if (name == "done") return callback_filter::done;
    return std::nullopt;
}

callback make_callback(const callback_fields& fields, const std::string& default_agent, const std::string& actor,
                       sys_seconds now) {
    callback made;
    if (!fields.customer_id || fields.customer_id->empty())
        throw invalid_input("customer_id", "customer_id is required");
    if (!valid_customer_id(*fields.customer_id))
        throw invalid_input("customer_id", "customer_id must be 1 to 64 letters, digits, '-', '_' or '.'");
    made.customer_id = *fields.customer_id;
    if (!fields.due_at) throw invalid_input("due_at", "due_at is required (an RFC 3339 time)");
    if (*fields.due_at < now - past_slack) throw invalid_input("due_at", "due_at is in the past");
    if (*fields.due_at > now + furthest_ahead) throw invalid_input("due_at", "due_at is more than a year ahead");
    made.due_at = *fields.due_at;
    made.agent = fields.agent && !fields.agent->empty() ? *fields.agent : default_agent;
    if (made.agent.empty()) throw invalid_input("agent", "agent is required");
    made.note = fields.note.value_or("");
    made.created_at = now;
    made.created_by = actor;
    return made;
}

bool complete(callback& c, const std::string& actor, sys_seconds now) {
    if (c.state == callback_state::done) return false;
    c.state = callback_state::done;
    c.completed_at = now;
    c.completed_by = actor;
    return true;
}

}  // namespace outagedesk::domain
