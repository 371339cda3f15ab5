#pragma once
// Logging contacts and reading a caller's history. One contact is one write
// job: the contact, its links to the active incidents covering the caller,
// the incidents' exact counts, the customer's owner, the surge detector's
// view and the Idempotency-Key record commit together, and the caller is
// answered only after that commit. Matching runs inside the job against the
// snapshot the writer has just committed, so a contact can never be counted
// against an incident state it did not see. Also keeps the resolution list:
// who contacted about an incident, recorded once per customer when it
// resolves. It never reads a request or renders HTTP.
#include "outagedesk/config/config.hpp"
#include "outagedesk/domain/contact.hpp"
#include "outagedesk/domain/customer.hpp"
#include "outagedesk/domain/ownership.hpp"
#include "outagedesk/domain/role.hpp"
#include "outagedesk/service/alert_service.hpp"
#include "outagedesk/service/customer_service.hpp"
#include "outagedesk/service/events.hpp"
#include "outagedesk/service/incident_service.hpp"
#include "outagedesk/store/contact_repository.hpp"

#include <array>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace outagedesk::metrics {
class registry;
class counter;
}  // namespace outagedesk::metrics

namespace outagedesk::service {

struct contact_result {
    domain::contact contact;
    bool replayed = false;      // an idempotent replay of an earlier POST
    std::string first_answer;  // on a replay: the body the first POST answered
};

using contact_done = std::function<void(std::exception_ptr, contact_result)>;

// What an agent should know of a caller before saying a word.
struct caller_history {
    std::vector<domain::contact> contacts;       // newest first
    std::optional<domain::contact> ivr_handoff;  // their IVR contact of the past 30 minutes
    std::optional<domain::ownership> owner;      // while current
};

struct routing_hint {
    std::optional<std::string> customer_id;
    std::optional<std::string> owner;
};

class contact_service {
public:
    // How far back the agent context looks for what the IVR collected.
    static constexpr std::chrono::minutes handoff_window{30};

    contact_service(store::database& db, const config::settings& settings, incident_service& incidents,
                    customer_service& customers, alert_service& alerts, clock_fn clock, metrics::registry& metrics);

    // Records the resolution lists a crash may have missed and starts
    // listening for resolved incidents. Call before serving.
    void start();

    // Validates (throws invalid_input naming the field) and queues the write,
    // which finds the customer by id or phone. `lang` picks the script's
    // language (default: the customer's, else the server's). `done` runs on
    // the store's flushing thread once the contact is on disk.
    void record(const domain::contact_fields& fields, const domain::principal& caller, std::optional<std::string> lang,
                std::optional<idempotency> key, contact_done done);

    std::vector<domain::contact> for_incident(const std::string& incident_id, std::size_t limit);
    std::vector<domain::contact> for_customer(const std::string& customer_id, std::size_t limit);
    // By the customer when known (their id and phone), else by the phone the caller rang from.
    caller_history history(const std::optional<domain::customer>& customer, const std::string& phone, std::size_t limit);
    // Throws invalid_input when the phone is not a phone number.
    routing_hint hint(const std::string& raw_phone);
    // Recipients of an incident's resolution notice (customer ids, or phones of callers without a record).
    std::vector<std::string> resolution_list(const std::string& incident_id) { return contacts_.resolution_list(incident_id); }

private:
    void on_incident_event(const published_event& event);

    store::database& db_;
    store::contact_repository contacts_;
    const config::settings& settings_;
    incident_service& incidents_;
    customer_service& customers_;
    alert_service& alerts_;
    clock_fn clock_;
    std::array<metrics::counter*, 7> logged_{};  // contacts committed, by channel
};

}  // namespace outagedesk::service
