#include "outagedesk/service/incident_service.hpp"

#include "outagedesk/domain/errors.hpp"
#include "outagedesk/domain/postcode.hpp"
#include "outagedesk/service/errors.hpp"
#include "outagedesk/service/incident_json.hpp"

#include <spdlog/spdlog.h>

namespace outagedesk::service {

namespace {
constexpr const char* declare_route = "POST /v1/incidents";

void check_version(const domain::incident& current, std::optional<std::int64_t> if_match) {
    if (if_match && *if_match != current.version) throw version_mismatch(current.version);
}
}  // namespace

incident_service::incident_service(store::database& db, const config::settings& settings, domain::time_zone zone,
                                   std::map<std::string, domain::incident_template> templates, clock_fn clock,
                                   boost::asio::io_context& io)
    : db_(db),
      incidents_(db),
      settings_(settings),
      zone_(std::move(zone)),
      templates_(std::move(templates)),
      clock_(std::move(clock)),
      waiters_(io),
      snapshot_(std::make_shared<const domain::active_set>()) {}

void incident_service::start() {
    std::lock_guard lock(active_mutex_);
    active_.clear();
    for (auto& item : incidents_.load_active()) active_.emplace(item.id, std::move(item));
    rebuild_locked();
    spdlog::info("{} active incident(s) loaded", active_.size());
}

void incident_service::rebuild_locked() {
    std::vector<domain::incident> items;
    items.reserve(active_.size());
    for (const auto& [id, item] : active_) items.push_back(item);
    snapshot_.store(std::make_shared<const domain::active_set>(std::move(items), zone_, clock_(), settings_.default_language));
}

void incident_service::refresh() {
    {
        std::lock_guard lock(active_mutex_);
        rebuild_locked();
    }
    waiters_.notify();
}

void incident_service::changed(const domain::incident& after, const std::string& event_type, std::int64_t seq,
                               const std::string& at) {
    {
        std::lock_guard lock(active_mutex_);
        if (after.active())
            active_[after.id] = after;
        else
            active_.erase(after.id);
        rebuild_locked();
    }
    waiters_.notify();
    if (!sinks_.empty()) {
        published_event event{seq, event_type, at, event_json(seq, event_type, at, "incident", incident_json(after, false))};
        for (const auto& sink : sinks_) sink(event);
    }
}

void incident_service::declare(domain::incident_draft draft, const std::string& actor,
                               std::optional<idempotency> key, incident_done done) {
    auto result = std::make_shared<incident_result>();
    db_.submit(
        [this, draft = std::move(draft), actor, key, result](store::write_context& w) {
            if (key) {
                if (auto earlier = store::idempotency_keys::find(w, actor, key->key, declare_route)) {
                    if (earlier->request_hash != key->request_hash)
                        throw conflict("idempotency_key_reused",
                                       "This Idempotency-Key was used with a different request body.");
                    auto existing = store::incident_repository::find(w, earlier->resource_id);
                    if (!existing) throw not_found("The incident of this Idempotency-Key no longer exists.");
                    result->incident = std::move(*existing);
                    result->replayed = true;
                    result->first_answer = earlier->response;
                    return;
                }
            }
            const auto now = clock_();
            const auto at = domain::format_rfc3339_utc(now);
            auto made = domain::make_incident(draft, store::incident_repository::next_id(w), actor, now,
                                              settings_.default_language);
            store::incident_repository::insert(w, made);
            store::audit_log::append(w, at, actor, "incident.declare", made.id,
                                     nlohmann::json{{"version", made.version}}.dump());
            if (key)
                store::idempotency_keys::save(w, actor, key->key, declare_route, key->request_hash, made.id, at,
                                              incident_json(made).dump());
            auto payload = incident_json(made, false).dump();
            auto seq = store::event_log::append(w, "incident.declared", payload, at);
            w.after_commit([this, made, seq, at] { changed(made, "incident.declared", seq, at); });
            result->incident = std::move(made);
        },
        [result, done](std::exception_ptr error) { done(error, *result); });
}

void incident_service::update(const std::string& id, domain::incident_patch patch, std::optional<std::int64_t> if_match,
                              const std::string& actor, incident_done done) {
    auto result = std::make_shared<incident_result>();
    db_.submit(
        [this, id, patch = std::move(patch), if_match, actor, result](store::write_context& w) {
            auto current = store::incident_repository::find(w, id);
            if (!current) throw not_found("No incident " + id + ".");
            check_version(*current, if_match);
            if (!current->active())
                throw conflict("already_resolved", "The incident " + id + " is resolved and can no longer change.");
            const auto now = clock_();
            const auto at = domain::format_rfc3339_utc(now);
            const bool eta_changed = patch.clear_eta || (patch.eta && patch.eta != current->eta);
            domain::apply_patch(*current, patch, actor, now);
            store::incident_repository::update(w, *current);
            store::audit_log::append(w, at, actor, "incident.update", id,
                                     nlohmann::json{{"version", current->version}, {"eta_changed", eta_changed}}.dump());
            auto seq = store::event_log::append(w, "incident.updated", incident_json(*current, false).dump(), at);
            w.after_commit([this, after = *current, seq, at] { changed(after, "incident.updated", seq, at); });
            result->incident = std::move(*current);
        },
        [result, done](std::exception_ptr error) { done(error, *result); });
}

void incident_service::resolve(const std::string& id, std::optional<domain::sys_seconds> resolved_at,
                               const std::string& note, std::optional<std::int64_t> if_match, const std::string& actor,
                               incident_done done) {
    auto result = std::make_shared<incident_result>();
    db_.submit(
        [this, id, resolved_at, note, if_match, actor, result](store::write_context& w) {
            auto current = store::incident_repository::find(w, id);
            if (!current) throw not_found("No incident " + id + ".");
            check_version(*current, if_match);
            if (!current->active()) throw conflict("already_resolved", "The incident " + id + " is resolved already.");
            const auto now = clock_();
            const auto at = domain::format_rfc3339_utc(now);
            domain::resolve(*current, resolved_at, note, actor, now);
            store::incident_repository::update(w, *current);
            store::audit_log::append(w, at, actor, "incident.resolve", id,
                                     nlohmann::json{{"version", current->version}}.dump());
            auto seq = store::event_log::append(w, "incident.resolved", incident_json(*current, false).dump(), at);
            w.after_commit([this, after = *current, seq, at] { changed(after, "incident.resolved", seq, at); });
            result->incident = std::move(*current);
        },
        [result, done](std::exception_ptr error) { done(error, *result); });
}

std::optional<domain::incident> incident_service::find(const std::string& id) { return incidents_.find(id); }

std::vector<domain::incident> incident_service::list(store::incident_state_filter state,
                                                     const std::optional<std::string>& postcode, std::size_t limit) {
    auto items = incidents_.list(state, postcode ? 100000 : limit);
    if (postcode) {
        auto code = domain::require_postcode(*postcode, "postcode");
        std::erase_if(items, [&](const domain::incident& i) { return !i.covers(code); });
        if (items.size() > limit) items.resize(limit);
    }
    return items;
}

void incident_service::fill_from_template(domain::incident_draft& draft) const {
    if (draft.template_name.empty()) return;
    const auto* base = find_template(draft.template_name);
    if (!base) {
        std::string known;
        for (const auto& [name, t] : templates_) known += (known.empty() ? "" : ", ") + name;
        throw domain::invalid_input("template", "unknown template '" + draft.template_name + "'; known: " + known);
    }
    domain::apply_template(draft, *base);
}

const domain::incident_template* incident_service::find_template(const std::string& name) const {
    auto it = templates_.find(name);
    return it == templates_.end() ? nullptr : &it->second;
}

}  // namespace outagedesk::service
