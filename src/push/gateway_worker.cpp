#include "outagedesk/push/gateway_worker.hpp"

#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/platform/thread_name.hpp"
#include "outagedesk/push/http_client.hpp"
#include "outagedesk/push/webhook_worker.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace outagedesk::push {

namespace {
using wall_clock = std::chrono::system_clock;

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(wall_clock::now().time_since_epoch()).count();
}

std::string now_text() {
    return domain::format_rfc3339_utc(std::chrono::time_point_cast<std::chrono::seconds>(wall_clock::now()));
}
}  // namespace

std::string gateway_body(const store::outbox_message& message) {
    return nlohmann::json{{"to", message.recipient},
                          {"channel", message.channel},
                          {"body", message.body},
                          {"idempotency_key", message.key}}
        .dump();
}

bool retryable_status(int status) noexcept { return status == 0 || status == 408 || status == 429 || status >= 500; }

gateway_worker::gateway_worker(store::database& db, const config::notify_settings& settings, domain::time_zone zone,
                               service::clock_fn clock, metrics::registry& metrics)
    : db_(db),
      outbox_(db),
      settings_(settings),
      zone_(std::move(zone)),
      clock_(std::move(clock)),
      interval_(std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(1e9 / settings.rate_per_second)))),
      // About two seconds of sending in hand, at least a message per sender.
      queue_target_(std::clamp<std::size_t>(static_cast<std::size_t>(settings.rate_per_second * 2), settings.concurrency,
                                            1000)),
      sent_(metrics.get_counter("outagedesk_notifications_sent_total", "Notifications the gateway accepted")),
      retried_(metrics.get_counter("outagedesk_notification_retries_total", "Gateway attempts that will be retried")),
      failed_(metrics.get_counter("outagedesk_notifications_failed_total", "Notifications given up on")) {
    if (settings_.quiet) quiet_ = domain::parse_quiet_window(settings_.quiet->from, settings_.quiet->to);
    if (!settings_.gateway_url.empty()) {
        url_ = domain::parse_http_url(settings_.gateway_url);
        if (!url_) spdlog::error("notify.gateway_url is not a valid URL; notifications stay queued");
    }
}

gateway_worker::~gateway_worker() { stop(); }

void gateway_worker::start() {
    if (url_)
        spdlog::info("notification gateway: {}://{}:{}{} at most {} message(s)/s", url_->tls ? "https" : "http", url_->host,
                     url_->port, url_->target, settings_.rate_per_second);
    else
        spdlog::info("notification sending is off (notify.gateway_url is empty); messages stay queued");
    dispatcher_thread_ = platform::named_thread("od-gateway", [this] { dispatch(); });
    if (url_)
        for (unsigned i = 0; i < settings_.concurrency; ++i)
            senders_.push_back(platform::named_thread("od-send-" + std::to_string(i), [this] { send_loop(); }));
}

void gateway_worker::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    dispatcher_.notify_one();
}

void gateway_worker::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !dispatcher_thread_.joinable()) return;
        stopping_ = true;
    }
    work_ready_.notify_all();
    dispatcher_.notify_all();
    for (auto& t : senders_)
        if (t.joinable()) t.join();
    senders_.clear();
    if (dispatcher_thread_.joinable()) dispatcher_thread_.join();
    // What was sent but not yet recorded is recorded now; the rest is still
    // queued in the store: the next start sends it.
    try {
        flush_outcomes();
    } catch (const std::exception& e) {
        spdlog::warn("notification outcomes not recorded at stop: {}", e.what());
    }
}

bool gateway_worker::quiet_now() const { return quiet_ && domain::in_quiet_hours(*quiet_, zone_.to_local(clock_())); }

void gateway_worker::dispatch() {
    for (;;) {
        try {
            apply_quiet_hours();
            flush_outcomes();
            if (url_) refill();
        } catch (const std::exception& e) {
            spdlog::warn("notification delivery paused: {}", e.what());
        }
        std::unique_lock lock(mutex_);
        const auto tick = outcomes_.empty() && queue_.empty() ? std::chrono::milliseconds(500) : std::chrono::milliseconds(100);
        dispatcher_.wait_for(lock, tick, [this] { return stopping_ || woken_ || outcomes_.size() >= 64; });
        if (stopping_) return;
        woken_ = false;
    }
}

void gateway_worker::apply_quiet_hours() {
    if (!quiet_) return;
    const auto at = now_text();
    if (quiet_now()) {
        if (outbox_.any_quiet_candidate()) {
            std::int64_t held = 0;
            db_.write_sync([&](store::write_context& w) { held = store::notification_repository::hold_quiet_sms(w, at); });
            if (held > 0) spdlog::info("quiet hours: {} SMS held until they end", held);
        }
    } else if (outbox_.any_held()) {
        std::int64_t released = 0;
        db_.write_sync([&](store::write_context& w) { released = store::notification_repository::release_held(w, at); });
        if (released > 0) spdlog::info("quiet hours over: {} held message(s) released", released);
    }
}

void gateway_worker::refill() {
    std::size_t room, in_hand;
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() * 2 > queue_target_) return;
        room = queue_target_ - queue_.size();
        in_hand = in_hand_.size();
    }
    const auto now = wall_ms();
    auto due = outbox_.due(now, room + in_hand);
    std::vector<store::outbox_message> fresh;
    {
        std::lock_guard lock(mutex_);
        for (auto& m : due)
            if (!in_hand_.count(m.id) && fresh.size() < room) fresh.push_back(std::move(m));
    }
    if (fresh.empty()) return;
    {
        std::lock_guard lock(mutex_);
        for (auto& m : fresh) {
            in_hand_.insert(m.id);
            queue_.push_back(std::move(m));
        }
    }
    work_ready_.notify_all();
}

void gateway_worker::flush_outcomes() {
    std::vector<store::delivery_outcome> batch;
    {
        std::lock_guard lock(mutex_);
        batch.swap(outcomes_);
    }
    if (batch.empty()) return;
    const auto at = now_text();
    try {
        db_.write_sync([&](store::write_context& w) {
            for (const auto& o : batch) store::notification_repository::record(w, o, at);
        });
    } catch (...) {
        std::lock_guard lock(mutex_);
        outcomes_.insert(outcomes_.begin(), batch.begin(), batch.end());
        throw;
    }
    std::lock_guard lock(mutex_);
    for (const auto& o : batch) in_hand_.erase(o.id);
}

bool gateway_worker::wait_for_slot() {
    std::unique_lock lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    const auto slot = std::max(now, next_slot_);
    next_slot_ = slot + interval_;
    return !work_ready_.wait_until(lock, slot, [this] { return stopping_; });
}

void gateway_worker::send_loop() {
    for (;;) {
        store::outbox_message message;
        {
            std::unique_lock lock(mutex_);
            work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            message = std::move(queue_.front());
            queue_.pop_front();
        }
        store::delivery_outcome outcome;
        if (message.channel == "sms" && !message.critical && quiet_now()) {
            outcome.id = message.id;
            outcome.what = store::delivery_outcome::result::hold;
        } else {
            if (!wait_for_slot()) return;
            outcome = attempt(message);
        }
        bool wake_dispatcher;
        {
            std::lock_guard lock(mutex_);
            outcomes_.push_back(std::move(outcome));
            wake_dispatcher = outcomes_.size() >= 64 || queue_.size() * 2 <= queue_target_;
        }
        if (wake_dispatcher) dispatcher_.notify_one();
    }
}

store::delivery_outcome gateway_worker::attempt(const store::outbox_message& message) {
    outbound_request request{*url_, {}, gateway_body(message)};
    request.headers.emplace_back("Idempotency-Key", message.key);
    if (!settings_.gateway_token.empty()) request.headers.emplace_back("Authorization", "Bearer " + settings_.gateway_token);
    const auto result = post(request, {settings_.timeout, "", true});

    store::delivery_outcome outcome;
    outcome.id = message.id;
    outcome.incident_id = message.incident_id;
    outcome.customer_id = message.customer_id;
    outcome.recipient = message.recipient;
    if (result.status) outcome.status = result.status;
    if (result.ok()) {
        outcome.what = store::delivery_outcome::result::sent;
        sent_.add();
        return outcome;
    }
    outcome.error = result.error.empty() ? "status " + std::to_string(result.status) : result.error;
    const auto attempts = message.attempts + 1;
    if (!retryable_status(result.status) || attempts >= settings_.max_attempts) {
        outcome.what = store::delivery_outcome::result::failed;
        failed_.add();
        spdlog::warn("notification {} ({}) failed after {} attempt(s): {}", message.id, message.key, attempts, outcome.error);
        return outcome;
    }
    outcome.what = store::delivery_outcome::result::retry;
    outcome.next_attempt_ms =
        wall_ms() + retry_delay(static_cast<int>(attempts), settings_.retry_base,
                                std::chrono::duration_cast<std::chrono::milliseconds>(settings_.retry_max))
                        .count();
    retried_.add();
    return outcome;
}

}  // namespace outagedesk::push
