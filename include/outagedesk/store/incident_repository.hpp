#pragma once
// Incidents and their timelines in the store. Writer-side functions take the
// write_context of a job queued on the database; reads use a pooled reader.
#include "outagedesk/domain/incident.hpp"
#include "outagedesk/store/database.hpp"

#include <optional>
#include <string>
#include <vector>

namespace outagedesk::store {

enum class incident_state_filter { active, resolved, all };

class incident_repository {
public:
    explicit incident_repository(database& db) : db_(db) {}

    // Writer side.
    static std::string next_id(write_context& w);
    static std::optional<domain::incident> find(write_context& w, const std::string& id);
    static void insert(write_context& w, const domain::incident& created);
    // Saves the fields and version of an existing incident and appends its
    // newest timeline entry.
    static void update(write_context& w, const domain::incident& changed);
    static void add_stats(write_context& w, const std::string& id, std::int64_t contacts, std::int64_t deflected);
    // Open surge alerts are linked to an incident after each declare or update
    // commits; these record which version was linked, so a start re-links only
    // what a crash left unlinked instead of re-reading every alert's contacts.
    static void mark_alerts_linked(write_context& w, const std::string& id, std::int64_t version);
    static std::vector<std::string> active_unlinked(write_context& w);

    // Reader side.
    std::optional<domain::incident> find(const std::string& id);
    std::vector<domain::incident> list(incident_state_filter state, std::size_t limit);
    std::vector<domain::incident> load_active();

private:
    database& db_;
};

// The durable event log: appended in the same transaction as the change.
class event_log {
public:
    // Returns the new event's seq.
    static std::int64_t append(write_context& w, const std::string& type, const std::string& payload,
                               const std::string& at);
};

class audit_log {
public:
    static void append(write_context& w, const std::string& at, const std::string& actor, const std::string& action,
                       const std::string& subject, const std::string& detail = "{}");
};

// Idempotency-Key records: the first answer's resource, per caller and route.
class idempotency_keys {
public:
    struct record {
        std::string request_hash;
        std::string resource_id;
        std::string response;  // the first answer's body, when the caller kept it
    };
    static std::optional<record> find(write_context& w, const std::string& actor, const std::string& key,
                                      const std::string& route);
    static void save(write_context& w, const std::string& actor, const std::string& key, const std::string& route,
                     const std::string& request_hash, const std::string& resource_id, const std::string& at,
                     const std::string& response = "");
};

}  // namespace outagedesk::store
