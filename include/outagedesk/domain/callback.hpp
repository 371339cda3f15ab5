#pragma once
// A callback: an agent's promise to call a customer back by a due time. It is
// open until someone completes it; an open one past its due time is overdue,
// and whether a completed one was kept or missed is decided by its due time.
// Overdue is derived, never stored, so it can never go stale. Pure: "now" is
// always passed in.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace outagedesk::domain {

using std::chrono::sys_seconds;

enum class callback_state { open, done };
std::string_view callback_state_name(callback_state s) noexcept;

struct callback {
    std::int64_t number = 0;  // store key; the id is "CB-<number>"
    std::string customer_id;
    sys_seconds due_at{};
    std::string agent;
    std::string note;
    callback_state state = callback_state::open;
    sys_seconds created_at{};
    std::string created_by;
    std::optional<sys_seconds> completed_at;
    std::string completed_by;
    bool due_notified = false;  // the one callback.due event has been emitted

    std::string id() const { return "CB-" + std::to_string(number); }
};

// "CB-7" → 7; nullopt for anything else.
std::optional<std::int64_t> parse_callback_id(std::string_view id) noexcept;

// Open and past its due time (a callback due at 18:00 is overdue from 18:00:01).
bool is_overdue(const callback& c, sys_seconds now) noexcept;
// Completed no later than its due time.
bool kept_on_time(const callback& c) noexcept;
// The overdue check should emit callback.due for this one now (once each).
bool due_event_wanted(const callback& c, sys_seconds now) noexcept;

// The filters of GET /v1/callbacks: open (every one not done, overdue ones
// included), overdue (open and past due), done.
enum class callback_filter { open, overdue, done };
std::optional<callback_filter> parse_callback_filter(std::string_view name) noexcept;

// Fields as a client sent them; throws invalid_input naming the field.
struct callback_fields {
    std::optional<std::string> customer_id;
    std::optional<sys_seconds> due_at;
    std::optional<std::string> agent;
    std::optional<std::string> note;
};
callback make_callback(const callback_fields& fields, const std::string& default_agent, const std::string& actor,
                       sys_seconds now);

// Marks it done at `now`; false (and unchanged) when it was done already.
bool complete(callback& c, const std::string& actor, sys_seconds now);

}  // namespace outagedesk::domain
