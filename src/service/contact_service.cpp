#include "outagedesk/service/contact_service.hpp"

#include "outagedesk/domain/errors.hpp"
#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/service/contact_json.hpp"
#include "outagedesk/service/errors.hpp"
#include "outagedesk/store/customer_repository.hpp"
#include "outagedesk/store/incident_repository.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace outagedesk::service {

namespace {
constexpr const char* record_route = "POST /v1/contacts";

void log_failure(const std::string& what, std::exception_ptr error) {
    if (!error) return;
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        spdlog::error("{} failed: {}", what, e.what());
    }
}
}  // namespace

contact_service::contact_service(store::database& db, const config::settings& settings, incident_service& incidents,
                                 customer_service& customers, alert_service& alerts, clock_fn clock,
                                 metrics::registry& metrics)
    : db_(db),
      contacts_(db),
      settings_(settings),
      incidents_(incidents),
      customers_(customers),
      alerts_(alerts),
      clock_(std::move(clock)) {
    for (auto channel : {domain::contact_channel::voice, domain::contact_channel::ivr, domain::contact_channel::chat,
                         domain::contact_channel::email, domain::contact_channel::social, domain::contact_channel::sms,
                         domain::contact_channel::web})
        logged_.at(static_cast<std::size_t>(channel)) =
            &metrics.get_counter("outagedesk_contacts_total", "Contacts logged, by channel",
                                 "channel=\"" + std::string(domain::contact_channel_name(channel)) + "\"");
}

void contact_service::start() {
    const auto now = clock_();
    db_.write_sync([this, now](store::write_context& w) {
        auto added = store::contact_repository::record_resolution_lists_since(
            w, domain::format_rfc3339_utc(now - settings_.event_retention), domain::format_rfc3339_utc(now));
        if (added > 0) spdlog::info("{} resolution notice recipient(s) recorded on start", added);
    });
    incidents_.add_event_sink([this](const published_event& event) { on_incident_event(event); });
}

void contact_service::on_incident_event(const published_event& event) {
    if (event.type != "incident.resolved") return;
    std::string id;
    try {
        id = nlohmann::json::parse(event.json).at("incident").at("id").get<std::string>();
    } catch (const std::exception& e) {
        spdlog::error("resolution list: unreadable event {}: {}", event.seq, e.what());
        return;
    }
    try {
        db_.submit(
            [id, at = event.at](store::write_context& w) {
                store::contact_repository::record_resolution_list(w, id, at);
            },
            [id](std::exception_ptr error) { log_failure("the resolution list of " + id, error); });
    } catch (const std::exception& e) {
        // Called on the writer thread after a commit: never throw back into it.
        spdlog::error("the resolution list of {} was not queued: {}", id, e.what());
    }
}

void contact_service::record(const domain::contact_fields& fields, const domain::principal& caller,
                             std::optional<std::string> lang, std::optional<idempotency> key, contact_done done) {
    const std::string default_agent = caller.held == domain::role::ivr ? std::string() : caller.name;
    auto made = domain::make_contact(fields, settings_.default_country_code, default_agent);
    std::optional<std::string> caller_phone;
    if (made.customer_id.empty() && !made.phone.empty()) caller_phone = customers_.normalise_phone(made.phone);
    std::string language = lang ? *lang : std::string();
    auto& logged = *logged_.at(static_cast<std::size_t>(made.channel));
    auto result = std::make_shared<contact_result>();
    db_.submit(
        [this, made, caller_phone, language, actor = caller.name, key, result, &logged](store::write_context& w) mutable {
            if (key) {
                if (auto earlier = store::idempotency_keys::find(w, actor, key->key, record_route)) {
                    if (earlier->request_hash != key->request_hash)
                        throw conflict("idempotency_key_reused",
                                       "This Idempotency-Key was used with a different request body.");
                    auto number = domain::parse_contact_id(earlier->resource_id);
                    auto existing = number ? store::contact_repository::find(w, *number) : std::nullopt;
                    if (!existing) throw not_found("The contact of this Idempotency-Key no longer exists.");
                    result->contact = std::move(*existing);
                    result->replayed = true;
                    result->first_answer = earlier->response;
                    return;
                }
            }
            // Looked up here rather than before the write: the writer's page
            // cache is warm, a reader's is dropped after each of its commits.
            std::optional<domain::customer> customer;
            if (!made.customer_id.empty()) {
                customer = store::customer_repository::find(w, made.customer_id);
            } else if (caller_phone) {
                customer = store::customer_repository::find_by_phone(w, *caller_phone);
                if (customer) made.customer_id = customer->id;
            }
            // The registry knows where a customer lives; a caller without a
            // record is matched by the postcode they gave.
            made.postcode = customer ? customer->postcode : domain::stated_postcode(made);
            const auto services = customer ? customer->services : domain::service_set{};
            if (language.empty() && customer) language = customer->language;
            const auto now = clock_();
            made.created_at = now;
            // The snapshot the writer swapped in after its last commit: exactly
            // the incidents this transaction sees as active.
            auto snapshot = incidents_.snapshot();
            const std::string& script_language = language.empty() ? snapshot->default_language() : language;
            if (!made.postcode.empty()) {
                for (const auto* item : snapshot->covering(made.postcode, services)) {
                    made.incident_ids.push_back(item->data.id);
                    const auto& text = snapshot->text(*item, script_language, domain::channel::agent_script);
                    if (!text.empty()) made.script += (made.script.empty() ? "" : "\n\n") + text;
                }
            }
            const bool feeds_surge = made.incident_ids.empty() && domain::reports_fault(made) && !made.postcode.empty();
            made.number = store::contact_repository::insert(w, made, actor, feeds_surge);
            const std::int64_t deflected = domain::counts_as_deflected(made) ? 1 : 0;
            for (const auto& id : made.incident_ids) {
                store::contact_repository::link(w, made.number, id);
                store::incident_repository::add_stats(w, id, 1, deflected);
            }
            if (domain::handled_by_agent(made)) {
                auto stored = store::contact_repository::owner(w, made.customer_id);
                if (auto claimed = domain::claim(stored, made.customer_id, made.agent, now, settings_.owner_period))
                    store::contact_repository::save_owner(w, *claimed);
            }
            if (feeds_surge) alerts_.observe(w, made, now);
            if (key)
                store::idempotency_keys::save(w, actor, key->key, record_route, key->request_hash, made.id(),
                                              domain::format_rfc3339_utc(now), contact_answer_json(made).dump());
            w.after_commit([&logged] { logged.add(); });
            result->contact = std::move(made);
        },
        [result, done](std::exception_ptr error) { done(error, *result); });
}

std::vector<domain::contact> contact_service::for_incident(const std::string& incident_id, std::size_t limit) {
    return contacts_.for_incident(incident_id, limit);
}

std::vector<domain::contact> contact_service::for_customer(const std::string& customer_id, std::size_t limit) {
    return contacts_.for_caller(customer_id, "", limit);
}

caller_history contact_service::history(const std::optional<domain::customer>& customer, const std::string& phone,
                                        std::size_t limit) {
    caller_history out;
    const std::string customer_id = customer ? customer->id : std::string();
    const std::string caller_phone = customer ? customer->phone : phone;
    if (customer_id.empty() && caller_phone.empty()) return out;
    const auto now = clock_();
    out.contacts = contacts_.for_caller(customer_id, caller_phone, limit);
    // The hand-off is the newest IVR contact in the window. A history shorter
    // than `limit` holds every contact of the caller, so it is found there
    // without two more queries; only a full history may have missed it.
    const auto since = now - handoff_window;
    auto in_history = std::find_if(out.contacts.begin(), out.contacts.end(), [since](const domain::contact& c) {
        return c.channel == domain::contact_channel::ivr && c.created_at >= since;
    });
    if (in_history != out.contacts.end()) out.ivr_handoff = *in_history;
    else if (out.contacts.size() >= limit) out.ivr_handoff = contacts_.last_ivr(customer_id, caller_phone, since);
    if (!customer_id.empty()) out.owner = domain::owner_at(contacts_.owner(customer_id), now);
    return out;
}

routing_hint contact_service::hint(const std::string& raw_phone) {
    if (raw_phone.empty()) throw domain::invalid_input("phone", "phone is required");
    if (!customers_.normalise_phone(raw_phone)) throw domain::invalid_input("phone", "phone is not a valid phone number");
    routing_hint out;
    auto customer = customers_.find_by_phone(raw_phone);
    if (!customer) return out;
    out.customer_id = customer->id;
    if (auto owner = domain::owner_at(contacts_.owner(customer->id), clock_())) out.owner = owner->agent;
    return out;
}

}  // namespace outagedesk::service
