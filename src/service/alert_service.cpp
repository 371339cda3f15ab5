#include "outagedesk/service/alert_service.hpp"

#include "outagedesk/domain/area.hpp"
#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/service/contact_json.hpp"
#include "outagedesk/service/errors.hpp"
#include "outagedesk/store/contact_repository.hpp"
#include "outagedesk/store/incident_repository.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace outagedesk::service {

namespace {
constexpr const char* declare_route = "POST /v1/alerts/{id}/declare";
// How far back a restart replays contacts into the detector: 36 windows, by
// which time a window's weight in the baseline has decayed below 5%.
constexpr int replay_windows = 36;

domain::surge_rules rules_of(const config::surge_settings& s) {
    domain::surge_rules rules;
    rules.prefix_length = s.prefix_length;
    rules.window = s.window;
    rules.threshold = s.threshold;
    rules.baseline_multiple = s.baseline_multiple;
    return rules;
}

std::int64_t require_alert_number(const std::string& id) {
    auto number = domain::parse_alert_id(id);
    if (!number) throw not_found("No alert " + id + ".");
    return *number;
}

std::string last_actor(const domain::incident& target) {
    return target.timeline.empty() ? std::string("system") : target.timeline.back().actor;
}
}  // namespace

alert_service::alert_service(store::database& db, const config::settings& settings, incident_service& incidents,
                             clock_fn clock)
    : db_(db),
      alerts_(db),
      incidents_(incidents),
      clock_(std::move(clock)),
      rules_(rules_of(settings.surge)),
      detector_(rules_) {}

void alert_service::start() {
    store::contact_repository contacts(db_);
    const auto since = clock_() - rules_.window * replay_windows;
    std::size_t replayed = 0;
    {
        std::lock_guard lock(detector_mutex_);
        for (const auto& seed : contacts.surge_history(since)) {
            detector_.observe(seed.number, seed.postcode, seed.at);
            ++replayed;
        }
    }
    // Linking follows each declare and update in a job of its own; a crash
    // between the two leaves the incident's version unlinked.
    db_.write_sync([this](store::write_context& w) {
        for (const auto& id : store::incident_repository::active_unlinked(w)) link_current(w, id);
    });
    incidents_.add_event_sink([this](const published_event& event) { on_incident_event(event); });
    spdlog::info("surge detector rebuilt from {} recent contact(s)", replayed);
}

void alert_service::publish(const published_event& event) const {
    for (const auto& sink : sinks_) sink(event);
}

void alert_service::observe(store::write_context& w, const domain::contact& c, domain::sys_seconds at) {
    domain::surge_observation seen;
    {
        std::lock_guard lock(detector_mutex_);
        seen = detector_.observe(c.number, c.postcode, at);
    }
    // One open alert per area: while it is open, every further contact of the
    // area joins it, whatever the detector's episode says.
    if (auto open = store::alert_repository::find_open(w, seen.prefix)) {
        store::alert_repository::link_contact(w, open->number, c.number, at);
        return;
    }
    if (!seen.raise) return;
    domain::surge_alert raised;
    raised.prefix = seen.prefix;
    raised.window_seconds = rules_.window.count();
    raised.baseline = seen.baseline;
    raised.first_at = seen.first_at;
    raised.last_at = at;
    raised.raised_at = at;
    raised.number = store::alert_repository::insert(w, raised);
    for (auto contact : seen.window_contacts) store::alert_repository::link_contact(w, raised.number, contact, at);
    auto stored = store::alert_repository::find(w, raised.number).value_or(raised);
    const auto when = domain::format_rfc3339_utc(at);
    const auto subject = alert_json(stored);
    auto seq = store::event_log::append(w, "alert.raised", subject.dump(), when);
    store::audit_log::append(w, when, "surge", "alert.raise", stored.id(),
                             nlohmann::json{{"area", stored.area()}, {"count", stored.count}}.dump());
    published_event event{seq, "alert.raised", when, event_json(seq, "alert.raised", when, "alert", subject)};
    w.after_commit([this, event] { publish(event); });
}

void alert_service::link_alerts(store::write_context& w, const domain::incident& target, const std::string& actor,
                                std::optional<std::int64_t> only) {
    std::vector<domain::surge_alert> candidates;
    if (only) {
        if (auto one = store::alert_repository::find(w, *only); one && one->status == domain::alert_status::open)
            candidates.push_back(std::move(*one));
    } else {
        candidates = store::alert_repository::open_alerts(w);
        // An alert being declared from is linked by its own declare, contacts and all.
        std::lock_guard lock(declaring_mutex_);
        std::erase_if(candidates, [this](const domain::surge_alert& a) { return declaring_.count(a.number) > 0; });
    }
    if (candidates.empty()) return;
    const auto now = clock_();
    const auto at = domain::format_rfc3339_utc(now);
    std::int64_t linked = 0;
    std::int64_t deflected = 0;
    for (auto& alert : candidates) {
        // Reading an alert's contacts is the cost here (hundreds of alerts with
        // thousands of contacts make every declare and update, and each restart,
        // read them all); an area the incident cannot reach is skipped unread.
        if (!only && !target.may_cover_under(alert.prefix)) continue;
        auto members = store::contact_repository::of_alert(w, alert.number);
        // Covered as a new contact would be matched: by postcode and the customer's
        // services, except that ops declaring from this very alert vouch for its contacts.
        std::vector<const domain::contact*> covered;
        for (const auto& m : members)
            if (!m.contact.postcode.empty() && target.covers(m.contact.postcode) &&
                (only || domain::customer_affected(m.services, target.services)))
                covered.push_back(&m.contact);
        if (covered.empty() && !only) continue;
        for (const auto* c : covered) {
            if (!store::contact_repository::link(w, c->number, target.id)) continue;
            ++linked;
            if (domain::counts_as_deflected(*c)) ++deflected;
        }
        alert.status = domain::alert_status::declared;
        alert.incident_id = target.id;
        alert.closed_at = now;
        alert.closed_by = actor;
        store::alert_repository::save_status(w, alert);
        store::audit_log::append(w, at, actor, "alert.declare", alert.id(),
                                 nlohmann::json{{"incident_id", target.id}, {"contacts", covered.size()}}.dump());
    }
    if (linked > 0) store::incident_repository::add_stats(w, target.id, linked, deflected);
}

void alert_service::link_current(store::write_context& w, const std::string& incident_id) {
    auto target = store::incident_repository::find(w, incident_id);
    if (!target || !target->active()) return;
    link_alerts(w, *target, last_actor(*target), std::nullopt);
    store::incident_repository::mark_alerts_linked(w, target->id, target->version);
}

void alert_service::on_incident_event(const published_event& event) {
    if (event.type != "incident.declared" && event.type != "incident.updated") return;
    std::string id;
    try {
        id = nlohmann::json::parse(event.json).at("incident").at("id").get<std::string>();
    } catch (const std::exception& e) {
        spdlog::error("alert linking: unreadable {} event {}: {}", event.type, event.seq, e.what());
        return;
    }
    try {
        db_.submit(
            [this, id](store::write_context& w) { link_current(w, id); },
            [id](std::exception_ptr error) {
                if (!error) return;
                try {
                    std::rethrow_exception(error);
                } catch (const std::exception& e) {
                    spdlog::error("linking surge alerts to {} failed: {}", id, e.what());
                }
            });
    } catch (const std::exception& e) {
        // Called on the writer thread after a commit: never throw back into it.
        spdlog::error("linking surge alerts to {} not queued: {}", id, e.what());
    }
}

std::vector<domain::surge_alert> alert_service::list(std::optional<domain::alert_status> status, std::size_t limit) {
    return alerts_.list(status, limit);
}

std::optional<domain::surge_alert> alert_service::find(const std::string& id) {
    auto number = domain::parse_alert_id(id);
    if (!number) return std::nullopt;
    return alerts_.find(*number);
}

void alert_service::dismiss(const std::string& id, const std::string& actor, alert_done done) {
    const auto number = require_alert_number(id);
    auto result = std::make_shared<domain::surge_alert>();
    db_.submit(
        [this, number, id, actor, result](store::write_context& w) {
            auto alert = store::alert_repository::find(w, number);
            if (!alert) throw not_found("No alert " + id + ".");
            if (alert->status != domain::alert_status::open)
                throw conflict("alert_closed", "The alert " + id + " is " +
                                                   std::string(domain::alert_status_name(alert->status)) + " already.");
            const auto now = clock_();
            alert->status = domain::alert_status::dismissed;
            alert->closed_at = now;
            alert->closed_by = actor;
            store::alert_repository::save_status(w, *alert);
            store::audit_log::append(w, domain::format_rfc3339_utc(now), actor, "alert.dismiss", alert->id());
            *result = std::move(*alert);
        },
        [result, done](std::exception_ptr error) { done(error, *result); });
}

void alert_service::declare(const std::string& id, domain::incident_draft draft, const std::string& actor,
                            std::optional<idempotency> key, alert_declare_done done) {
    const auto number = require_alert_number(id);
    {
        std::lock_guard lock(declaring_mutex_);
        if (!declaring_.insert(number).second)
            throw conflict("declare_in_progress", "The alert " + id + " is being declared already.");
    }
    // Every way out of here must release the alert.
    auto finish = [this, number, done](std::exception_ptr error, alert_declared result) {
        {
            std::lock_guard lock(declaring_mutex_);
            declaring_.erase(number);
        }
        done(error, std::move(result));
    };
    auto prefix = std::make_shared<std::string>();
    auto replay = std::make_shared<std::optional<alert_declared>>();
    auto check = [this, number, id, actor, key, prefix, replay](store::write_context& w) {
        auto alert = store::alert_repository::find(w, number);
        if (!alert) throw not_found("No alert " + id + ".");
        if (key) {
            if (auto earlier = store::idempotency_keys::find(w, actor, key->key, declare_route)) {
                if (earlier->request_hash != key->request_hash)
                    throw conflict("idempotency_key_reused", "This Idempotency-Key was used with a different request body.");
                auto incident = store::incident_repository::find(w, earlier->resource_id);
                if (!incident) throw not_found("The incident of this Idempotency-Key no longer exists.");
                *replay = alert_declared{std::move(*incident), std::move(*alert), true};
                return;
            }
        }
        if (alert->status != domain::alert_status::open)
            throw conflict("alert_closed", "The alert " + id + " is " +
                                               std::string(domain::alert_status_name(alert->status)) + " already.");
        *prefix = alert->prefix;
    };
    auto link = [this, number, actor, key](const domain::incident& made, std::shared_ptr<alert_declared> result) {
        return [this, number, actor, key, made, result](store::write_context& w) {
            link_alerts(w, made, actor, number);
            if (key)
                store::idempotency_keys::save(w, actor, key->key, declare_route, key->request_hash, made.id,
                                              domain::format_rfc3339_utc(clock_()));
            result->incident = store::incident_repository::find(w, made.id).value_or(made);
            if (auto alert = store::alert_repository::find(w, number)) result->alert = std::move(*alert);
        };
    };
    auto declared = [this, link, finish](std::exception_ptr error, incident_result made) {
        if (error) return finish(error, {});
        auto result = std::make_shared<alert_declared>();
        try {
            db_.submit(link(made.incident, result),
                       [result, finish](std::exception_ptr linked) { finish(linked, *result); });
        } catch (...) {
            finish(std::current_exception(), {});
        }
    };
    auto checked = [this, draft = std::move(draft), id, actor, prefix, replay, declared,
                    finish](std::exception_ptr error) mutable {
        if (error) return finish(error, {});
        if (*replay) return finish(nullptr, std::move(**replay));
        // A prefix as long as a whole postcode can only be written as that postcode.
        const auto area = prefix->size() > domain::max_prefix_length ? *prefix : *prefix + "*";
        if (!draft.title || draft.title->empty()) draft.title = "Reported outage in " + area;
        if (draft.note.empty()) draft.note = "Declared from surge alert " + id + ".";
        try {
            draft.areas = std::vector<domain::area_expression>{domain::parse_area(area)};
            incidents_.declare(std::move(draft), actor, std::nullopt, declared);
        } catch (...) {
            finish(std::current_exception(), {});
        }
    };
    try {
        db_.submit(std::move(check), std::move(checked));
    } catch (...) {
        std::lock_guard lock(declaring_mutex_);
        declaring_.erase(number);
        throw;
    }
}

}  // namespace outagedesk::service
