#pragma once
// The notification outbox, the compensations owed per incident, and the
// notification service's own progress (its cursor over the event log and
// what it has done per incident). One message per (incident, recipient,
// kind): its idempotency key is UNIQUE and inserts ignore a second one, so
// replaying an event after a crash never queues a message twice.
#include "outagedesk/domain/compensation.hpp"
#include "outagedesk/domain/notification.hpp"
#include "outagedesk/store/database.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace outagedesk::store {

// A message to queue.
struct outbox_entry {
    std::string incident_id;
    std::string customer_id;  // empty for a caller without a record
    domain::notice_kind kind = domain::notice_kind::declared;
    std::string channel;  // sms | email
    std::string recipient;
    std::string body;
    bool critical = false;
    bool held = false;  // queued during quiet hours: held until they end
    std::string key;
};

// A notice that every customer it reaches gets in their own language, with
// one body per (language, channel) stored once (save_text) and referred to.
struct customer_notice {
    std::string incident_id;
    domain::notice_kind kind = domain::notice_kind::declared;
    // A message's key is key_prefix + customer id + key_suffix (domain::notice_key).
    std::string key_prefix;
    std::string key_suffix;
    bool critical = false;
    bool hold_sms = false;  // quiet hours: the SMS are queued held
};

// A message due for the gateway.
struct outbox_message {
    std::int64_t id = 0;
    std::string incident_id;
    std::string customer_id;
    std::string channel;
    std::string recipient;
    std::string body;
    bool critical = false;
    std::int64_t attempts = 0;
    std::string key;
};

struct delivery_outcome {
    enum class result { sent, retry, failed, hold };
    std::int64_t id = 0;
    result what = result::sent;
    std::optional<std::int64_t> status;
    std::string error;
    std::int64_t next_attempt_ms = 0;  // for retry
    std::string incident_id;
    std::string customer_id;
    std::string recipient;
};

struct notification_counts {
    std::int64_t queued = 0;
    std::int64_t sent = 0;
    std::int64_t failed = 0;
    std::int64_t held = 0;
};

// What the notification service did for one incident.
struct notification_run {
    std::string incident_id;
    std::string scope;  // severity, services and areas the declared notice last went to
    std::optional<std::string> eta;
    std::optional<std::string> declared_at;
    std::optional<std::string> resolved_at;
    std::optional<std::string> compensated_at;
    std::int64_t eta_round = 0;  // ETA changes notified so far
};

// Somebody who contacted about an incident.
struct contacted_caller {
    std::string customer_id;  // empty when the caller has no record
    std::string phone;
};

// Where a page of an incident's compensations ends; all empty: the start.
struct compensation_page_key {
    std::string customer_id;
    std::string rule;
    std::string service;
};

struct stored_compensation {
    std::string incident_id;
    domain::compensation_row row;
};

class notification_repository {
public:
    explicit notification_repository(database& db) : db_(db) {}

    // Writer side.
    // INSERT OR IGNORE each entry; returns how many were new.
    static std::int64_t enqueue(write_context& w, const std::vector<outbox_entry>& entries, const std::string& at);
    // A body shared by many messages of one incident; returns its id (the
    // same id for the same text).
    static std::int64_t save_text(write_context& w, const std::string& incident_id, const std::string& body);
    // Queues `notice` to each customer in `customer_refs` (references from
    // customer_repository::affected, in the order given) on their preferred
    // channel with the text of that channel (nullopt: nothing on it), reading
    // the recipient from the registry in the same statement; skips `none`
    // and withdrawn consent, and ignores keys already queued. Returns how
    // many were new.
    static std::int64_t enqueue_customers(write_context& w, const customer_notice& notice,
                                          std::optional<std::int64_t> sms_text, std::optional<std::int64_t> email_text,
                                          const std::vector<std::int64_t>& customer_refs, const std::string& at);
    // Records one attempt; a first sent message to a recipient counts in the
    // incident's stats.notified.
    static void record(write_context& w, const delivery_outcome& outcome, const std::string& at);
    // Quiet hours: queued non-critical SMS → held, and back.
    static std::int64_t hold_quiet_sms(write_context& w, const std::string& at);
    static std::int64_t release_held(write_context& w, const std::string& at);
    static void save_compensations(write_context& w, const std::string& incident_id,
                                   const std::vector<domain::compensation_row>& rows, const std::string& at);
    static void set_affected(write_context& w, const std::string& incident_id, std::int64_t count);
    static void save_run(write_context& w, const notification_run& run);
    static void save_cursor(write_context& w, std::int64_t seq);

    // Reader side.
    notification_counts counts(const std::string& incident_id);
    std::map<std::string, notification_counts> counts_by_kind(const std::string& incident_id);
    // Queued messages due by `now_ms`, oldest first.
    std::vector<outbox_message> due(std::int64_t now_ms, std::size_t limit);
    bool any_held();
    bool any_quiet_candidate();
    std::optional<notification_run> run(const std::string& incident_id);
    std::optional<std::int64_t> cursor();
    // Hook for the resolution notice: who contacted about the incident (the
    // contacts engineer's contact_incidents links), once per customer or phone.
    std::vector<contacted_caller> contacted(const std::string& incident_id);
    // A page of an incident's compensations in (customer_id, rule, service) order.
    std::vector<domain::compensation_row> compensations(const std::string& incident_id,
                                                        const compensation_page_key& after, std::size_t limit);
    std::vector<stored_compensation> compensations_for_customer(const std::string& customer_id, std::size_t limit);

private:
    database& db_;
};

}  // namespace outagedesk::store
