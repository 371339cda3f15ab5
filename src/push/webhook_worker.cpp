#include "outagedesk/push/webhook_worker.hpp"

#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/domain/url.hpp"
#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/platform/thread_name.hpp"
#include "outagedesk/push/event_hub.hpp"
#include "outagedesk/push/http_client.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace outagedesk::push {

namespace {
using wall_clock = std::chrono::system_clock;

std::int64_t unix_ms(wall_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string now_text() {
    return domain::format_rfc3339_utc(std::chrono::time_point_cast<std::chrono::seconds>(wall_clock::now()));
}

bool wants(const store::webhook& h, const std::string& type) {
    return std::any_of(h.events.begin(), h.events.end(), [&](const std::string& e) { return e == "*" || e == type; });
}
}  // namespace

std::chrono::milliseconds retry_delay(int failed_attempts, std::chrono::milliseconds base, std::chrono::milliseconds cap) {
    auto delay = base;
    for (int i = 1; i < failed_attempts && delay < cap; ++i) delay *= 2;
    return std::min(delay, cap);
}

webhook_worker::webhook_worker(store::database& db, const config::webhook_settings& settings, metrics::registry& metrics)
    : db_(db), hooks_(db), events_(db), settings_(settings), metrics_(metrics) {}

webhook_worker::~webhook_worker() { stop(); }

void webhook_worker::start() { thread_ = platform::named_thread("od-webhooks", [this] { run(); }); }

void webhook_worker::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wakeup_.notify_one();
}

void webhook_worker::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wakeup_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void webhook_worker::run() {
    for (;;) {
        auto next = wall_clock::now() + std::chrono::seconds(1);
        try {
            for (auto& subscription : hooks_.list_active()) {
                {
                    std::lock_guard lock(mutex_);
                    if (stopping_) return;
                }
                next = std::min(next, serve(std::move(subscription)));
            }
        } catch (const std::exception& e) {
            spdlog::warn("webhook delivery paused: {}", e.what());
        }
        std::unique_lock lock(mutex_);
        wakeup_.wait_until(lock, next, [this] { return stopping_ || woken_; });
        if (stopping_) return;
        woken_ = false;
    }
}

wall_clock::time_point webhook_worker::serve(store::webhook subscription) {
    const auto idle = wall_clock::now() + std::chrono::seconds(1);
    for (int round = 0; round < 1000; ++round) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return idle;
        }
        auto pending = hooks_.pending(subscription.id);
        if (!pending) {
            // Skip past events of other types, then open a delivery for the next one.
            auto batch = events_.after(subscription.cursor, 200);
            if (batch.empty()) return idle;
            auto wanted = std::find_if(batch.begin(), batch.end(), [&](const auto& e) { return wants(subscription, e.type); });
            const auto at = now_text();
            if (wanted == batch.end()) {
                db_.write_sync([&](store::write_context& w) { store::webhook_repository::advance(w, subscription.id, batch.back().seq); });
                subscription.cursor = batch.back().seq;
                continue;
            }
            db_.write_sync([&](store::write_context& w) {
                store::webhook_repository::advance(w, subscription.id, wanted->seq - 1);
                store::webhook_repository::start_delivery(w, subscription.id, wanted->seq, wanted->type, at);
            });
            subscription.cursor = wanted->seq - 1;
            continue;
        }
        if (pending->next_attempt_ms && *pending->next_attempt_ms > unix_ms(wall_clock::now()))
            return wall_clock::time_point(std::chrono::milliseconds(*pending->next_attempt_ms));
        if (!attempt(subscription, *pending)) {
            auto again = hooks_.pending(subscription.id);
            if (again && again->next_attempt_ms) return wall_clock::time_point(std::chrono::milliseconds(*again->next_attempt_ms));
            continue;  // marked dead: go on with the next event
        }
        subscription.cursor = pending->event_seq;
    }
    return wall_clock::now();
}

bool webhook_worker::attempt(const store::webhook& subscription, store::webhook_delivery delivery) {
    const auto event = events_.find(delivery.event_seq);
    outbound_result result;
    std::string body;
    if (!event) {
        result.error = "the event is no longer in the log (retention)";
    } else if (auto url = domain::parse_http_url(subscription.url); !url) {
        result.error = "the subscription's URL is not valid";
    } else {
        body = stored_event_json(event->seq, event->type, event->at, event->payload);
        const auto timestamp = std::to_string(unix_ms(wall_clock::now()) / 1000);
        outbound_request request{*url,
                                 {{"X-Outagedesk-Event", event->type},
                                  {"X-Outagedesk-Delivery", std::to_string(subscription.id) + "-" + std::to_string(event->seq)},
                                  {"X-Outagedesk-Timestamp", timestamp},
                                  {"X-Outagedesk-Signature", "sha256=" + hmac_sha256_hex(subscription.secret, timestamp + "." + body)}},
                                 body};
        result = post(request, {settings_.timeout, settings_.ca_file, settings_.allow_private_targets});
    }
    delivery.attempts += 1;
    delivery.last_status = result.status ? std::optional<std::int64_t>(result.status) : std::nullopt;
    delivery.last_error = result.ok() ? "" : (result.error.empty() ? "status " + std::to_string(result.status) : result.error);
    std::string outcome;
    if (result.ok()) {
        delivery.state = "delivered";
        delivery.next_attempt_ms.reset();
        outcome = "delivered";
    } else if (!event || delivery.attempts >= settings_.max_attempts) {
        delivery.state = "dead";
        delivery.next_attempt_ms.reset();
        outcome = "dead";
        spdlog::warn("webhook {} gave up on event {} after {} attempt(s): {}", subscription.id, delivery.event_seq,
                     delivery.attempts, delivery.last_error);
    } else {
        auto delay = retry_delay(static_cast<int>(delivery.attempts), settings_.retry_base,
                                 std::chrono::duration_cast<std::chrono::milliseconds>(settings_.retry_max));
        delivery.next_attempt_ms = unix_ms(wall_clock::now() + delay);
        outcome = "failed";
    }
    metrics_.get_counter("outagedesk_webhook_deliveries_total", "Webhook delivery attempts by outcome",
                         "outcome=\"" + outcome + "\"").add();
    const auto at = now_text();
    db_.write_sync([&](store::write_context& w) {
        store::webhook_repository::record_attempt(w, delivery, at);
        if (delivery.state != "pending") store::webhook_repository::advance(w, subscription.id, delivery.event_seq);
    });
    return result.ok();
}

}  // namespace outagedesk::push
