#pragma once
// Contacts, their links to incidents, customer owners and the resolution
// list in the store. Writer-side functions take the write_context of a job
// queued on the database; reads use a pooled reader. Nothing here decides
// anything: matching, ownership and counting rules are the domain's.
#include "outagedesk/domain/contact.hpp"
#include "outagedesk/domain/ownership.hpp"
#include "outagedesk/store/database.hpp"

#include <optional>
#include <string>
#include <vector>

namespace outagedesk::store {

class contact_repository {
public:
    explicit contact_repository(database& db) : db_(db) {}

    // Writer side.
    // Inserts the contact (its incident_ids are not linked here) and returns
    // its number. `feeds_surge` marks an unmatched fault contact, so the
    // surge detector can be rebuilt from the store after a restart.
    static std::int64_t insert(write_context& w, const domain::contact& c, const std::string& created_by,
                               bool feeds_surge);
    // True when the link is new.
    static bool link(write_context& w, std::int64_t contact, const std::string& incident_id);
    static std::optional<domain::contact> find(write_context& w, std::int64_t number);
    // The contacts linked to a surge alert, oldest first, with the services
    // of the caller's customer record (empty: no record, or none listed).
    struct alert_member {
        domain::contact contact;
        domain::service_set services;
    };
    static std::vector<alert_member> of_alert(write_context& w, std::int64_t alert);
    static std::optional<domain::ownership> owner(write_context& w, const std::string& customer_id);
    static void save_owner(write_context& w, const domain::ownership& o);
    // Records every customer who contacted about the incident for its
    // resolution notice, once per customer (by id, else by phone); returns
    // how many were added now.
    static std::int64_t record_resolution_list(write_context& w, const std::string& incident_id,
                                               const std::string& at);
    // The same for every incident resolved at or after `since` (catching up
    // after a crash between a resolve and its list).
    static std::int64_t record_resolution_lists_since(write_context& w, const std::string& since, const std::string& at);

    // Reader side; newest first.
    std::vector<domain::contact> for_incident(const std::string& incident_id, std::size_t limit);
    // A customer's contacts: by customer id, or by phone when given (callers
    // without a record are known by their number).
    std::vector<domain::contact> for_caller(const std::string& customer_id, const std::string& phone, std::size_t limit);
    // The caller's newest IVR contact at or after `since`.
    std::optional<domain::contact> last_ivr(const std::string& customer_id, const std::string& phone,
                                            domain::sys_seconds since);
    std::optional<domain::ownership> owner(const std::string& customer_id);
    // Unmatched fault contacts at or after `since`, oldest first: what the
    // surge detector had seen before a restart.
    struct surge_seed {
        std::int64_t number;
        std::string postcode;
        domain::sys_seconds at;
    };
    std::vector<surge_seed> surge_history(domain::sys_seconds since);
    // Recipients recorded for an incident's resolution notice (customer id or phone).
    std::vector<std::string> resolution_list(const std::string& incident_id);

private:
    // The two statements of a caller lookup, by customer id and by phone,
    // each with the same extra condition (SQL that may use ?3 for `since`).
    struct caller_queries {
        std::string by_customer;
        std::string by_phone;
        static caller_queries with(const std::string& condition);
    };
    // The caller's newest contacts by customer id or phone (either may be empty).
    std::vector<domain::contact> newest_of_caller(const std::string& customer_id, const std::string& phone,
                                                  const caller_queries& sql, const std::optional<std::string>& since,
                                                  std::size_t limit);
    database& db_;
};

}  // namespace outagedesk::store
