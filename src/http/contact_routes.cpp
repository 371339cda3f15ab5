#include "outagedesk/http/contact_routes.hpp"

#include "outagedesk/domain/errors.hpp"
#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/http/contact_codec.hpp"
#include "outagedesk/http/errors.hpp"
#include "outagedesk/http/incident_codec.hpp"
#include "outagedesk/http/json_body.hpp"
#include "outagedesk/service/alert_service.hpp"
#include "outagedesk/service/auth.hpp"
#include "outagedesk/service/callback_service.hpp"
#include "outagedesk/service/contact_json.hpp"
#include "outagedesk/service/contact_service.hpp"
#include "outagedesk/service/errors.hpp"
#include "outagedesk/service/incident_json.hpp"
#include "outagedesk/service/incident_service.hpp"

#include <nlohmann/json.hpp>

namespace outagedesk::http {

using beast_http::status;
using beast_http::verb;
using domain::role;
using nlohmann::json;

namespace {

// Contacts shown in the agent context.
constexpr std::size_t history_length = 10;

std::optional<service::idempotency> idempotency_of(const request_context& request) {
    auto header = request.header("Idempotency-Key");
    if (header.empty()) return std::nullopt;
    if (header.size() > 200) throw domain::invalid_input("Idempotency-Key", "Idempotency-Key is longer than 200 characters");
    return service::idempotency{std::string(header), service::sha256_hex(request.message.body())};
}

std::size_t limit_of(const request_context& request, std::size_t fallback, std::size_t max) {
    auto text = request.query_param("limit");
    if (!text) return fallback;
    if (text->empty() || text->size() > 6 || text->find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(*text) == 0 || std::stoul(*text) > max)
        throw domain::invalid_input("limit", "limit must be between 1 and " + std::to_string(max));
    return std::stoul(*text);
}

std::string param(const request_context& request, std::string_view name) {
    return request.query_param(name).value_or("");
}

response created(const json& body, bool replayed) {
    auto res = json_response(status::created, body.dump());
    if (replayed) res.set("Idempotent-Replayed", "true");
    return res;
}

json items_of(json items) { return json{{"items", std::move(items)}}; }

void add_contact_endpoints(router& routes, contact_api services) {
    auto& contacts = services.contacts;
    auto& incidents = services.incidents;

    routes.add(verb::post, "/v1/contacts", {role::agent, role::ivr},
               [&contacts](std::shared_ptr<request_context> request, responder respond) {
        auto body = parse_json_object(*request);
        auto fields = parse_contact_fields(body);
        auto lang = optional_string(body, "lang", 8);
        contacts.record(fields, *request->caller, lang, idempotency_of(*request),
                        [respond = std::move(respond), request_id = request->request_id](std::exception_ptr error,
                                                                                           service::contact_result result) {
            // Called on the store's flushing thread, which mostly waits on the
            // disk: the answer is built here, not in the I/O thread's turn.
            if (error) return respond(response_for_exception(error, request_id));
            if (!result.first_answer.empty()) return respond(created(json::parse(result.first_answer), true));
            respond(created(service::contact_answer_json(result.contact), result.replayed));
        });
    });

    routes.add(verb::get, "/v1/contacts", {role::agent},
               [&contacts, &incidents](std::shared_ptr<request_context> request, responder respond) {
        const auto incident = param(*request, "incident");
        const auto customer_id = param(*request, "customer_id");
        const auto limit = limit_of(*request, 100, 1000);
        std::vector<domain::contact> found;
        if (!incident.empty()) {
            if (!incidents.find(incident)) throw service::not_found("No incident " + incident + ".");
            found = contacts.for_incident(incident, limit);
        } else if (!customer_id.empty()) {
            found = contacts.for_customer(customer_id, limit);
        } else {
            throw domain::invalid_input("incident", "give incident or customer_id");
        }
        json items = json::array();
        for (const auto& c : found) items.push_back(service::contact_json(c));
        respond(json_response(status::ok, items_of(std::move(items)).dump()));
    }, runs_on::lookup_threads);

    routes.add(verb::get, "/v1/routing/hint", {role::agent, role::ivr},
               [&contacts](std::shared_ptr<request_context> request, responder respond) {
        auto hint = contacts.hint(param(*request, "phone"));
        json out = {{"customer_id", hint.customer_id ? json(*hint.customer_id) : json(nullptr)},
                    {"owner", hint.owner ? json(*hint.owner) : json(nullptr)}};
        respond(json_response(status::ok, out.dump()));
    }, runs_on::lookup_threads);
}

void add_callback_endpoints(router& routes, contact_api services) {
    auto& callbacks = services.callbacks;

    routes.add(verb::post, "/v1/callbacks", {role::agent},
               [&callbacks](std::shared_ptr<request_context> request, responder respond) {
        auto fields = parse_callback_fields(parse_json_object(*request));
        callbacks.create(fields, *request->caller, idempotency_of(*request),
                         [&callbacks, respond = std::move(respond), request_id = request->request_id](
                             std::exception_ptr error, service::callback_result result) {
                             if (error) return respond(response_for_exception(error, request_id));
                             auto res = created(service::callback_json(result.callback, callbacks.now()), result.replayed);
                             res.set(beast_http::field::location, "/v1/callbacks/" + result.callback.id());
                             respond(std::move(res));
                         });
    });

    routes.add(verb::get, "/v1/callbacks", {role::agent},
               [&callbacks](std::shared_ptr<request_context> request, responder respond) {
        auto state = request->query_param("state").value_or("open");
        auto filter = domain::parse_callback_filter(state);
        if (!filter) throw domain::invalid_input("state", "state must be open, overdue or done");
        auto found = callbacks.list(*filter, param(*request, "agent"), param(*request, "customer_id"),
                                    limit_of(*request, 100, 1000));
        const auto now = callbacks.now();
        json items = json::array();
        for (const auto& c : found) items.push_back(service::callback_json(c, now));
        respond(json_response(status::ok, items_of(std::move(items)).dump()));
    }, runs_on::lookup_threads);

    routes.add(verb::post, "/v1/callbacks/{id}/complete", {role::agent},
               [&callbacks](std::shared_ptr<request_context> request, responder respond) {
        callbacks.complete(request->path_param("id"), request->actor(),
                           [&callbacks, respond = std::move(respond), request_id = request->request_id](
                               std::exception_ptr error, service::callback_result result) {
                               if (error) return respond(response_for_exception(error, request_id));
                               respond(json_response(status::ok,
                                                     service::callback_json(result.callback, callbacks.now()).dump()));
                           });
    });
}

void add_alert_endpoints(router& routes, contact_api services) {
    auto& alerts = services.alerts;
    auto& incidents = services.incidents;

    routes.add(verb::get, "/v1/alerts", {role::ops}, [&alerts](std::shared_ptr<request_context> request, responder respond) {
        std::optional<domain::alert_status> status_filter;
        if (auto text = request->query_param("status"); text && !text->empty() && *text != "all") {
            status_filter = domain::parse_alert_status(*text);
            if (!status_filter) throw domain::invalid_input("status", "status must be open, dismissed, declared or all");
        }
        json items = json::array();
        for (const auto& a : alerts.list(status_filter, limit_of(*request, 100, 1000))) items.push_back(service::alert_json(a));
        respond(json_response(status::ok, items_of(std::move(items)).dump()));
    }, runs_on::lookup_threads);

    routes.add(verb::post, "/v1/alerts/{id}/dismiss", {role::ops},
               [&alerts](std::shared_ptr<request_context> request, responder respond) {
        alerts.dismiss(request->path_param("id"), request->actor(),
                       [respond = std::move(respond), request_id = request->request_id](std::exception_ptr error,
                                                                                          domain::surge_alert alert) {
                           if (error) return respond(response_for_exception(error, request_id));
                           respond(json_response(status::ok, service::alert_json(alert).dump()));
                       });
    });

    routes.add(verb::post, "/v1/alerts/{id}/declare", {role::ops},
               [&alerts, &incidents](std::shared_ptr<request_context> request, responder respond) {
        json body = json::object();
        if (!request->message.body().empty()) body = parse_json_object(*request);
        if (body.contains("areas"))
            throw domain::invalid_input("areas", "areas cannot be given: the incident covers the alert's area");
        auto draft = parse_incident_draft(body);
        incidents.fill_from_template(draft);
        alerts.declare(request->path_param("id"), std::move(draft), request->actor(), idempotency_of(*request),
                       [respond = std::move(respond), request_id = request->request_id](std::exception_ptr error,
                                                                                          service::alert_declared result) {
                           if (error) return respond(response_for_exception(error, request_id));
                           auto out = service::incident_json(result.incident);
                           out["alert"] = service::alert_json(result.alert);
                           auto res = created(out, result.replayed);
                           res.set(beast_http::field::location, "/v1/incidents/" + result.incident.id);
                           res.set(beast_http::field::etag, quoted_etag(std::to_string(result.incident.version)));
                           respond(std::move(res));
                       });
    });
}

}  // namespace

void add_contact_routes(router& routes, contact_api services) {
    add_contact_endpoints(routes, services);
    add_callback_endpoints(routes, services);
    add_alert_endpoints(routes, services);
}

void add_caller_history(json& context, api_services services, const std::optional<domain::customer>& customer,
                        const std::string& raw_phone) {
    json contacts = json::array();
    json handoff = nullptr;
    json callbacks = json::array();
    json owner = nullptr;
    json owner_until = nullptr;
    std::string phone;
    if (!customer && !raw_phone.empty()) phone = services.customers.normalise_phone(raw_phone).value_or("");
    if (services.contacts && (customer || !phone.empty())) {
        auto history = services.contacts->history(customer, phone, history_length);
        for (const auto& c : history.contacts) contacts.push_back(service::contact_json(c));
        if (history.ivr_handoff) handoff = service::ivr_handoff_json(*history.ivr_handoff);
        if (history.owner) {
            owner = history.owner->agent;
            owner_until = domain::format_rfc3339_utc(history.owner->until);
        }
    }
    if (services.callbacks && customer) {
        const auto now = services.callbacks->now();
        for (const auto& c : services.callbacks->list(domain::callback_filter::open, "", customer->id, 100))
            callbacks.push_back(service::callback_json(c, now));
    }
    context["contacts"] = std::move(contacts);
    context["ivr_handoff"] = std::move(handoff);
    context["callbacks"] = std::move(callbacks);
    context["owner"] = std::move(owner);
    context["owner_until"] = std::move(owner_until);
}

}  // namespace outagedesk::http
