#include "outagedesk/service/callback_service.hpp"

#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/service/contact_json.hpp"
#include "outagedesk/service/errors.hpp"
#include "outagedesk/store/incident_repository.hpp"

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace outagedesk::service {

namespace {
constexpr const char* create_route = "POST /v1/callbacks";
// Callbacks handled per pass; more wait for the next pass a second later.
constexpr std::size_t due_batch = 500;
}  // namespace

callback_service::callback_service(store::database& db, clock_fn clock, boost::asio::io_context& io,
                                   metrics::registry& metrics)
    : db_(db),
      callbacks_(db),
      clock_(std::move(clock)),
      io_(io),
      kept_(metrics.get_counter("outagedesk_callbacks_total",
                                "Promised callbacks by outcome: kept (completed by the due time) or missed",
                                "outcome=\"kept\"")),
      missed_(metrics.get_counter("outagedesk_callbacks_total",
                                  "Promised callbacks by outcome: kept (completed by the due time) or missed",
                                  "outcome=\"missed\"")),
      timer_(io) {}

void callback_service::publish(const published_event& event) const {
    for (const auto& sink : sinks_) sink(event);
}

void callback_service::create(const domain::callback_fields& fields, const domain::principal& caller,
                              std::optional<idempotency> key, callback_done done) {
    auto made = domain::make_callback(fields, caller.name, caller.name, clock_());
    auto result = std::make_shared<callback_result>();
    db_.submit(
        [this, made, actor = caller.name, key, result](store::write_context& w) mutable {
            if (key) {
                if (auto earlier = store::idempotency_keys::find(w, actor, key->key, create_route)) {
                    if (earlier->request_hash != key->request_hash)
                        throw conflict("idempotency_key_reused",
                                       "This Idempotency-Key was used with a different request body.");
                    auto number = domain::parse_callback_id(earlier->resource_id);
                    auto existing = number ? store::callback_repository::find(w, *number) : std::nullopt;
                    if (!existing) throw not_found("The callback of this Idempotency-Key no longer exists.");
                    result->callback = std::move(*existing);
                    result->replayed = true;
                    return;
                }
            }
            const auto at = domain::format_rfc3339_utc(clock_());
            made.number = store::callback_repository::insert(w, made);
            store::audit_log::append(w, at, actor, "callback.create", made.id(),
                                     nlohmann::json{{"customer_id", made.customer_id},
                                                    {"due_at", domain::format_rfc3339_utc(made.due_at)}}
                                         .dump());
            if (key) store::idempotency_keys::save(w, actor, key->key, create_route, key->request_hash, made.id(), at);
            result->callback = std::move(made);
        },
        [result, done](std::exception_ptr error) { done(error, *result); });
}

void callback_service::complete(const std::string& id, const std::string& actor, callback_done done) {
    auto number = domain::parse_callback_id(id);
    if (!number) throw not_found("No callback " + id + ".");
    auto result = std::make_shared<callback_result>();
    db_.submit(
        [this, number = *number, id, actor, result](store::write_context& w) {
            auto current = store::callback_repository::find(w, number);
            if (!current) throw not_found("No callback " + id + ".");
            const auto now = clock_();
            if (!domain::complete(*current, actor, now))
                throw conflict("already_done", "The callback " + id + " is done already.");
            store::callback_repository::save_completion(w, *current);
            store::audit_log::append(w, domain::format_rfc3339_utc(now), actor, "callback.complete", id,
                                     nlohmann::json{{"on_time", domain::kept_on_time(*current)}}.dump());
            // A late one the overdue check has not reached yet counts as missed now.
            const bool kept = domain::kept_on_time(*current);
            const bool counted = kept || !current->due_notified;
            w.after_commit([this, kept, counted] {
                if (!counted) return;
                (kept ? kept_ : missed_).add();
            });
            result->callback = std::move(*current);
        },
        [result, done](std::exception_ptr error) { done(error, *result); });
}

std::vector<domain::callback> callback_service::list(domain::callback_filter filter, const std::string& agent,
                                                     const std::string& customer_id, std::size_t limit) {
    return callbacks_.list(filter, agent, customer_id, clock_(), limit);
}

void callback_service::check_due(std::function<void()> done) {
    auto finished = [done](std::exception_ptr error) {
        if (error) {
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                spdlog::error("the overdue callback check failed: {}", e.what());
            }
        }
        if (done) done();
    };
    db_.submit(
        [this](store::write_context& w) {
            const auto now = clock_();
            const auto at = domain::format_rfc3339_utc(now);
            std::vector<published_event> events;
            for (auto& due : store::callback_repository::due_unnotified(w, now, due_batch)) {
                store::callback_repository::mark_notified(w, due.number);
                due.due_notified = true;
                const auto subject = callback_json(due, now);
                auto seq = store::event_log::append(w, "callback.due", subject.dump(), at);
                events.push_back({seq, "callback.due", at, event_json(seq, "callback.due", at, "callback", subject)});
            }
            if (events.empty()) return;
            w.after_commit([this, events] {
                missed_.add(events.size());
                for (const auto& event : events) publish(event);
            });
        },
        std::move(finished));
}

void callback_service::start(std::chrono::milliseconds period) {
    period_ = period;
    stopped_ = false;
    schedule();
}

void callback_service::stop() {
    stopped_ = true;
    std::lock_guard lock(timer_mutex_);
    timer_.cancel();
}

void callback_service::schedule() {
    if (stopped_) return;
    std::lock_guard lock(timer_mutex_);
    timer_.expires_after(period_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopped_) return;
        try {
            // The next pass is armed from the io_context, not the writer thread.
            check_due([this] { boost::asio::post(io_, [this] { schedule(); }); });
        } catch (const std::exception& e) {
            spdlog::warn("the overdue callback check was not queued: {}", e.what());
            schedule();
        }
    });
}

}  // namespace outagedesk::service
