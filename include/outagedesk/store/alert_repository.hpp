#pragma once
// Surge alerts and the contacts linked to them, in the store. At most one
// alert per area is open at a time (a unique index guards it). Writer-side
// functions take the write_context of a job queued on the database; reads use
// a pooled reader.
#include "outagedesk/domain/surge_alert.hpp"
#include "outagedesk/store/database.hpp"

#include <optional>
#include <string>
#include <vector>

namespace outagedesk::store {

class alert_repository {
public:
    explicit alert_repository(database& db) : db_(db) {}

    // Writer side.
    static std::int64_t insert(write_context& w, const domain::surge_alert& a);
    static std::optional<domain::surge_alert> find(write_context& w, std::int64_t number);
    static std::optional<domain::surge_alert> find_open(write_context& w, const std::string& prefix);
    static std::vector<domain::surge_alert> open_alerts(write_context& w);
    // Links a contact (ignored when it is linked already or does not exist)
    // and brings the alert's count and last_at up to date.
    static void link_contact(write_context& w, std::int64_t alert, std::int64_t contact, domain::sys_seconds at);
    // Saves status, incident, closing time and actor.
    static void save_status(write_context& w, const domain::surge_alert& a);

    // Reader side, newest first; nullopt status means every status.
    std::optional<domain::surge_alert> find(std::int64_t number);
    std::vector<domain::surge_alert> list(std::optional<domain::alert_status> status, std::size_t limit);

private:
    database& db_;
};

}  // namespace outagedesk::store
