#pragma once
// A surge alert as ops see it: an area whose unmatched fault contacts passed
// the surge bar, how many, over what time, and what ops made of it (open,
// dismissed, or declared as an incident). The counting itself is
// surge_detector's; this is the record. Pure.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace outagedesk::domain {

using std::chrono::sys_seconds;

enum class alert_status { open, dismissed, declared };
std::string_view alert_status_name(alert_status s) noexcept;
std::optional<alert_status> parse_alert_status(std::string_view name) noexcept;

struct surge_alert {
    std::int64_t number = 0;  // store key; the id is "ALR-<number>"
    std::string prefix;       // the area, e.g. "460"; shown as "460*"
    std::int64_t count = 0;   // contacts linked to the alert
    std::int64_t window_seconds = 0;
    double baseline = 0;      // the area's baseline when it was raised
    sys_seconds first_at{};   // the oldest contact of the alert
    sys_seconds last_at{};    // the newest
    alert_status status = alert_status::open;
    std::optional<std::string> incident_id;
    sys_seconds raised_at{};
    std::optional<sys_seconds> closed_at;
    std::string closed_by;

    std::string id() const { return "ALR-" + std::to_string(number); }
    std::string area() const { return prefix + "*"; }
};

// "ALR-3" → 3; nullopt for anything else.
std::optional<std::int64_t> parse_alert_id(std::string_view id) noexcept;

}  // namespace outagedesk::domain
