#pragma once
// Sends the notification outbox to the SMS/email gateway: POST {to, channel,
// body, idempotency_key} with the gateway token as a bearer token, at most
// notify.rate_per_second (evenly spaced, across all sender threads), with a
// timeout per request, retries with exponential backoff, and each message's
// state recorded in the store. Delivery is at least once: a message is
// leased before it is sent and recorded after, so a crash in between sends
// it again with the same idempotency key for the gateway to drop. During
// quiet hours non-critical SMS are held, and released when they end.
// With notify.gateway_url empty nothing is sent (messages stay queued).
// Runs on its own threads; never on the API's. Never logs the token.
#include "outagedesk/config/config.hpp"
#include "outagedesk/domain/notification.hpp"
#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/domain/url.hpp"
#include "outagedesk/service/events.hpp"
#include "outagedesk/store/notification_repository.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

namespace outagedesk::metrics {
class registry;
class counter;
}  // namespace outagedesk::metrics

namespace outagedesk::push {

// The gateway's request body: {"to", "channel", "body", "idempotency_key"}.
std::string gateway_body(const store::outbox_message& message);

// Whether a failed attempt is worth repeating: no answer, 408, 429 and 5xx are.
bool retryable_status(int status) noexcept;

class gateway_worker {
public:
    gateway_worker(store::database& db, const config::notify_settings& settings, domain::time_zone zone,
                   service::clock_fn clock, metrics::registry& metrics);
    ~gateway_worker();
    gateway_worker(const gateway_worker&) = delete;
    gateway_worker& operator=(const gateway_worker&) = delete;

    void start();
    // Something was queued: look now rather than at the next tick.
    void wake();
    void stop();

private:
    void dispatch();
    void send_loop();
    bool quiet_now() const;
    void apply_quiet_hours();
    void refill();
    void flush_outcomes();
    store::delivery_outcome attempt(const store::outbox_message& message);
    // Waits for the message's turn under the rate; false when stopping.
    bool wait_for_slot();

    store::database& db_;
    store::notification_repository outbox_;
    config::notify_settings settings_;
    domain::time_zone zone_;
    service::clock_fn clock_;
    std::optional<domain::quiet_window> quiet_;
    std::optional<domain::http_url> url_;
    std::chrono::nanoseconds interval_;
    std::size_t queue_target_;
    metrics::counter& sent_;
    metrics::counter& retried_;
    metrics::counter& failed_;

    std::mutex mutex_;
    std::condition_variable work_ready_;   // senders wait for messages
    std::condition_variable dispatcher_;   // the dispatcher waits for outcomes or a wake
    std::deque<store::outbox_message> queue_;
    std::set<std::int64_t> in_hand_;  // taken and not yet recorded: never taken twice
    std::vector<store::delivery_outcome> outcomes_;
    std::chrono::steady_clock::time_point next_slot_{};
    bool woken_ = false;
    bool stopping_ = false;
    std::thread dispatcher_thread_;
    std::vector<std::thread> senders_;
};

}  // namespace outagedesk::push
