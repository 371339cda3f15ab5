#pragma once
// Proactive notices and compensation, driven by the durable event log: on a
// declare (severity at least notify.min_severity), on an ETA change and on
// resolve it queues one message per affected customer and kind into the
// outbox, rendered from the incident's sms/email text in the customer's
// language; at resolve it also computes every affected customer's
// compensation and stores it, and sends the resolution notice to customers
// who contacted about the incident from outside its area. The work runs on
// its own thread, in writer jobs of a bounded size, so the API keeps
// answering while a million messages are queued. Its cursor over the event
// log is stored, and every step is idempotent, so a restart resumes without
// duplicates. It never sends anything itself (the gateway worker does).
#include "outagedesk/config/config.hpp"
#include "outagedesk/domain/compensation.hpp"
#include "outagedesk/domain/incident.hpp"
#include "outagedesk/domain/notification.hpp"
#include "outagedesk/service/events.hpp"
#include "outagedesk/service/incident_service.hpp"
#include "outagedesk/store/customer_repository.hpp"
#include "outagedesk/store/event_repository.hpp"
#include "outagedesk/store/notification_repository.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace outagedesk::metrics {
class registry;
}

namespace outagedesk::service {

// Compensation parameters from config.
domain::compensation_parameters compensation_parameters_of(const config::compensation_settings& settings);

// {incident_id, customer_id, rule, service, duration_seconds, amount_cents, payable, explanation}
nlohmann::json compensation_json(const domain::compensation_row& row, const std::string& incident_id = "");

class notification_service {
public:
    // Rows per writer job: small enough that another write waits at most
    // tens of milliseconds behind one.
    static constexpr std::size_t chunk_rows = 2000;
    // Declared and ETA notices are built inside SQLite (one INSERT ... SELECT
    // per language), about 4 µs a row, so a larger chunk still holds the
    // writer for tens of milliseconds; each chunk is a commit with its fsync,
    // and under a busy disk those syncs, not the rows, set the pace.
    static constexpr std::size_t notice_chunk_rows = 10000;

    notification_service(store::database& db, const config::settings& settings, incident_service& incidents,
                         clock_fn clock, metrics::registry& metrics);
    ~notification_service();
    notification_service(const notification_service&) = delete;
    notification_service& operator=(const notification_service&) = delete;

    // Subscribes to the incident events and starts the thread. On the first
    // start ever, the cursor begins at the newest event: history is not
    // notified.
    void start();
    void wake();
    // Stops between chunks; what is left resumes at the next start.
    void stop();

    // Handles the events after the cursor on the calling thread (benchmarks, tests).
    void process_pending();

    std::optional<store::notification_counts> counts(const std::string& incident_id,
                                                     std::map<std::string, store::notification_counts>* by_kind = nullptr);
    // Whether the compensation of a resolved incident is stored in full.
    bool compensations_complete(const std::string& incident_id);
    std::vector<domain::compensation_row> compensations(const std::string& incident_id,
                                                        const store::compensation_page_key& after, std::size_t limit);
    // The agent context's `compensation`: the customer's rows, newest incidents first.
    nlohmann::json customer_compensation(const std::string& customer_id);

private:
    void run();
    // True when the event was handled fully (false: stopping midway).
    bool handle(const store::stored_event& event);
    // Streams the incident's customers; queues `kind` (when `notify`) and, at
    // resolve, their compensation. Returns how many customers it reached, or
    // nullopt when stopped midway.
    std::optional<std::int64_t> sweep(const domain::incident& incident, domain::notice_kind kind, bool notify,
                                      bool compensate);
    // The same notice for everyone, in their language: the outbox rows are
    // built inside the store from the registry, a chunk per writer job.
    // Round n > 1 (the n-th ETA change) keys its messages "<key>.n".
    std::optional<std::int64_t> sweep_refs(const domain::incident& incident, domain::notice_kind kind,
                                           std::int64_t round = 1);
    // Customer by customer, for what depends on each one's own row (the
    // compensation and the resolution notice that states it).
    std::optional<std::int64_t> sweep_rows(const domain::incident& incident, domain::notice_kind kind, bool notify,
                                           bool compensate);
    void notify_contacted(const domain::incident& incident);
    bool wants(domain::notice_kind kind) const;
    bool quiet_now() const;
    bool stopping() const;

    store::database& db_;
    const config::settings& settings_;
    incident_service& incidents_;
    clock_fn clock_;
    metrics::registry& metrics_;
    store::notification_repository notes_;
    store::customer_repository customers_;
    store::event_repository events_;
    domain::compensation_parameters params_;
    std::vector<domain::compensation_rule> rules_;
    std::optional<domain::quiet_window> quiet_;
    std::int64_t cursor_ = 0;

    mutable std::mutex mutex_;
    std::condition_variable wakeup_;
    bool woken_ = false;
    bool stopping_ = false;
    std::mutex processing_;  // one handler at a time (thread or process_pending)
    std::thread thread_;
};

}  // namespace outagedesk::service
