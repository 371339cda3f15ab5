#pragma once
// Surge alerts: feeds unmatched fault contacts to the surge detector (inside
// the contact's own write job, so an alert and the contact that raised it
// commit together), raises at most one open alert per area with its
// alert.raised event, and lets ops dismiss an alert or declare an incident
// from it. Any incident declared or widened over an alert's contacts later
// links the alert and those contacts, whoever declared it. It never reads a
// request or renders HTTP; the detector's rules stay in domain/.
#include "outagedesk/config/config.hpp"
#include "outagedesk/domain/contact.hpp"
#include "outagedesk/domain/incident.hpp"
#include "outagedesk/domain/surge_alert.hpp"
#include "outagedesk/domain/surge_detector.hpp"
#include "outagedesk/service/events.hpp"
#include "outagedesk/service/incident_service.hpp"
#include "outagedesk/store/alert_repository.hpp"

#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace outagedesk::service {

struct alert_declared {
    domain::incident incident;
    domain::surge_alert alert;
    bool replayed = false;
};

using alert_done = std::function<void(std::exception_ptr, domain::surge_alert)>;
using alert_declare_done = std::function<void(std::exception_ptr, alert_declared)>;

class alert_service {
public:
    alert_service(store::database& db, const config::settings& settings, incident_service& incidents, clock_fn clock);

    // Rebuilds the detector from the unmatched fault contacts of the recent
    // past, links open alerts that active incidents already cover (a crash
    // may have come between), and starts listening to incident changes.
    // Call before serving.
    void start();
    void add_event_sink(event_sink sink) { sinks_.push_back(std::move(sink)); }

    // Writer side: called from the write job of an unmatched fault contact
    // (with its number and postcode set), on the writer thread.
    void observe(store::write_context& w, const domain::contact& c, domain::sys_seconds at);

    std::vector<domain::surge_alert> list(std::optional<domain::alert_status> status, std::size_t limit);
    std::optional<domain::surge_alert> find(const std::string& id);
    // 404 for an unknown id, 409 when the alert is not open.
    void dismiss(const std::string& id, const std::string& actor, alert_done done);
    // Declares an incident over the alert's area ("460*") from the draft
    // (title defaults to one naming the area; messages from the draft or its
    // template) and links the alert and its contacts to it.
    void declare(const std::string& id, domain::incident_draft draft, const std::string& actor,
                 std::optional<idempotency> key, alert_declare_done done);

    const domain::surge_rules& rules() const noexcept { return rules_; }

private:
    // Links every open alert with contacts the incident covers (by postcode
    // and the customer's services) to the incident, except alerts with a
    // declare in flight; or only `only`, by postcode alone and even when none
    // is covered.
    // Links the open alerts to the incident as it now stands and records its version.
    void link_current(store::write_context& w, const std::string& incident_id);
    void link_alerts(store::write_context& w, const domain::incident& target, const std::string& actor,
                     std::optional<std::int64_t> only);
    void on_incident_event(const published_event& event);
    void publish(const published_event& event) const;

    store::database& db_;
    store::alert_repository alerts_;
    incident_service& incidents_;
    clock_fn clock_;
    domain::surge_rules rules_;
    std::vector<event_sink> sinks_;

    std::mutex detector_mutex_;  // the writer thread owns it in practice; start() runs before it does
    domain::surge_detector detector_;

    std::mutex declaring_mutex_;
    std::set<std::int64_t> declaring_;  // alerts with a declare in flight
};

}  // namespace outagedesk::service
