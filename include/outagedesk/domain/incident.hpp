#pragma once
// An outage as ops declare it: what is down, where, until when, and the one
// message set every channel renders. Also the rules of its lifecycle (what a
// change does to version, status and timeline). Pure: ids, times and actors
// are passed in; nothing here stores, sends or reads the clock.
#include "outagedesk/domain/area.hpp"
#include "outagedesk/domain/message.hpp"
#include "outagedesk/domain/service.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace outagedesk::domain {

using std::chrono::sys_seconds;

enum class severity { minor = 1, major = 2, critical = 3 };
enum class incident_status { investigating, identified, monitoring, resolved };

std::string_view severity_name(severity s) noexcept;
std::optional<severity> parse_severity(std::string_view name) noexcept;
std::string_view status_name(incident_status s) noexcept;
std::optional<incident_status> parse_status(std::string_view name) noexcept;

struct timeline_entry {
    sys_seconds at;
    std::string actor;
    incident_status status;
    std::string note;
    std::int64_t version;
};

struct incident_stats {
    std::int64_t contacts = 0;
    std::int64_t deflected = 0;
    std::int64_t notified = 0;
    std::int64_t affected_customers = 0;
};

struct incident {
    std::string id;  // "INC-<number>"
    std::string title;
    severity level = severity::major;
    incident_status status = incident_status::investigating;
    service_set services;                // empty: every service
    std::vector<area_expression> areas;  // at least one
    sys_seconds started_at{};
    sys_seconds declared_at{};
    std::optional<sys_seconds> eta;
    std::optional<sys_seconds> resolved_at;
    message_set messages;
    std::string template_name;
    std::int64_t version = 1;
    sys_seconds updated_at{};
    std::vector<timeline_entry> timeline;
    incident_stats stats;

    bool active() const noexcept { return status != incident_status::resolved; }
    std::vector<std::string> area_texts() const;
    bool covers(std::string_view normalised_postcode) const;
    // Whether it may cover some postcode under `prefix` (area_expression::may_match_under).
    bool may_cover_under(std::string_view prefix) const;
};

// What a declare asks for, after parsing; optional fields may come from a template.
struct incident_draft {
    std::optional<std::string> title;
    std::optional<severity> level;
    std::optional<incident_status> status;
    std::optional<service_set> services;
    std::optional<std::vector<area_expression>> areas;
    std::optional<sys_seconds> started_at;
    std::optional<sys_seconds> eta;
    message_set messages;
    std::string template_name;
    std::string note;
};

// What an update asks for; absent fields stay as they are. `clear_eta` sets
// the ETA back to "no estimate".
struct incident_patch {
    std::optional<std::string> title;
    std::optional<severity> level;
    std::optional<incident_status> status;
    std::optional<service_set> services;
    std::optional<std::vector<area_expression>> areas;
    std::optional<sys_seconds> eta;
    bool clear_eta = false;
    std::optional<message_set> messages;
    std::string note;
    bool empty() const noexcept;
};

// A reusable starting point for a common outage (fibre cut, national ...).
struct incident_template {
    std::string name;
    std::string title;
    severity level = severity::major;
    service_set services;
    message_set messages;
};

// Fills what the draft leaves out from the template (messages per language
// and channel; title, severity, services).
void apply_template(incident_draft& draft, const incident_template& base);

// Builds a new incident from a complete draft; throws invalid_input naming the
// missing field (title, areas, messages) or a resolved status at declare.
incident make_incident(const incident_draft& draft, std::string id, const std::string& actor, sys_seconds now,
                       std::string_view default_language);

// Applies an update: bumps the version and appends a timeline entry. Throws
// invalid_input when the incident is resolved already, or when the patch sets
// status "resolved" (resolving goes through resolve()).
void apply_patch(incident& target, const incident_patch& patch, const std::string& actor, sys_seconds now);

// Resolves: status, resolved_at (given or now; not before started_at),
// version, timeline. Throws invalid_input when already resolved.
void resolve(incident& target, std::optional<sys_seconds> resolved_at, const std::string& note,
             const std::string& actor, sys_seconds now);

// The placeholder values of an incident, for the message renderer.
render_values render_values_of(const incident& source);

}  // namespace outagedesk::domain
