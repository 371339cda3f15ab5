#include "outagedesk/domain/errors.hpp"
#include "outagedesk/http/api_routes.hpp"
#include "outagedesk/http/errors.hpp"
#include "outagedesk/http/incident_codec.hpp"
#include "outagedesk/http/json_body.hpp"
#include "outagedesk/service/auth.hpp"
#include "outagedesk/service/customer_service.hpp"
#include "outagedesk/service/errors.hpp"
#include "outagedesk/service/incident_json.hpp"
#include "outagedesk/service/incident_service.hpp"

namespace outagedesk::http {

using beast_http::status;
using beast_http::verb;
using domain::role;

std::optional<std::int64_t> parse_if_match(std::string_view header) {
    while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
    while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
    if (header.empty() || header == "*") return std::nullopt;
    if (header.starts_with("W/")) header.remove_prefix(2);
    if (header.size() >= 2 && header.front() == '"' && header.back() == '"') header = header.substr(1, header.size() - 2);
    std::int64_t version = 0;
    if (header.empty() || header.size() > 18) throw http_error(status::bad_request, "bad_if_match", "If-Match must be an incident version such as 3 or \"3\".");
    for (char c : header) {
        if (c < '0' || c > '9')
            throw http_error(status::bad_request, "bad_if_match", "If-Match must be an incident version such as 3 or \"3\".");
        version = version * 10 + (c - '0');
    }
    return version;
}

std::string quoted_etag(std::string_view value) { return "\"" + std::string(value) + "\""; }

namespace {

response incident_response(status code, const domain::incident& item) {
    auto res = json_response(code, service::incident_json(item).dump());
    res.set(beast_http::field::etag, quoted_etag(std::to_string(item.version)));
    return res;
}

// Completes a write: the error mapped at the boundary, or the incident.
service::incident_done answer_with(responder respond, std::string request_id, status success) {
    return [respond = std::move(respond), request_id = std::move(request_id), success](std::exception_ptr error,
                                                                                      service::incident_result result) {
        if (error) return respond(response_for_exception(error, request_id));
        if (result.replayed && !result.first_answer.empty()) {
            auto res = json_response(success, result.first_answer);
            auto first = nlohmann::json::parse(result.first_answer);
            res.set(beast_http::field::etag, quoted_etag(std::to_string(first.value("version", 1))));
            res.set(beast_http::field::location, "/v1/incidents/" + result.incident.id);
            res.set("Idempotent-Replayed", "true");
            return respond(std::move(res));
        }
        auto res = incident_response(success, result.incident);
        if (success == status::created) res.set(beast_http::field::location, "/v1/incidents/" + result.incident.id);
        if (result.replayed) res.set("Idempotent-Replayed", "true");
        respond(std::move(res));
    };
}

store::incident_state_filter state_filter(const std::optional<std::string>& text) {
    if (!text || *text == "all") return store::incident_state_filter::all;
    if (*text == "active") return store::incident_state_filter::active;
    if (*text == "resolved") return store::incident_state_filter::resolved;
    throw domain::invalid_input("state", "state must be active, resolved or all");
}

std::size_t limit_param(const request_context& request, std::size_t fallback, std::size_t max) {
    auto text = request.query_param("limit");
    if (!text) return fallback;
    if (text->empty() || text->size() > 6 || text->find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(*text) == 0 || std::stoul(*text) > max)
        throw domain::invalid_input("limit", "limit must be between 1 and " + std::to_string(max));
    return std::stoul(*text);
}

}  // namespace

void add_incident_routes(router& routes, api_services services) {
    auto& incidents = services.incidents;

    routes.add(verb::post, "/v1/incidents", {role::ops}, [&incidents](std::shared_ptr<request_context> request, responder respond) {
        auto body = parse_json_object(*request);
        auto draft = parse_incident_draft(body);
        incidents.fill_from_template(draft);
        std::optional<service::idempotency> key;
        if (auto header = request->header("Idempotency-Key"); !header.empty()) {
            if (header.size() > 200) throw domain::invalid_input("Idempotency-Key", "Idempotency-Key is longer than 200 characters");
            key = service::idempotency{std::string(header), service::sha256_hex(request->message.body())};
        }
        incidents.declare(std::move(draft), request->actor(), key, answer_with(std::move(respond), request->request_id, status::created));
    });

    routes.add(verb::get, "/v1/incidents", {role::agent}, [&incidents](std::shared_ptr<request_context> request, responder respond) {
        auto items = incidents.list(state_filter(request->query_param("state")), request->query_param("postcode"),
                                    limit_param(*request, 100, 1000));
        nlohmann::json out = {{"items", nlohmann::json::array()}};
        for (const auto& item : items) out["items"].push_back(service::incident_json(item, false));
        respond(json_response(status::ok, out.dump()));
    }, runs_on::lookup_threads);

    routes.add(verb::get, "/v1/incidents/{id}", {role::agent}, [&incidents](std::shared_ptr<request_context> request, responder respond) {
        auto item = incidents.find(request->path_param("id"));
        if (!item) throw service::not_found("No incident " + request->path_param("id") + ".");
        auto etag = quoted_etag(std::to_string(item->version));
        if (request->header("If-None-Match") == etag) {
            response res{status::not_modified, 11};
            res.set(beast_http::field::etag, etag);
            return respond(std::move(res));
        }
        respond(incident_response(status::ok, *item));
    }, runs_on::lookup_threads);

    routes.add(verb::patch, "/v1/incidents/{id}", {role::ops}, [&incidents](std::shared_ptr<request_context> request, responder respond) {
        auto patch = parse_incident_patch(parse_json_object(*request));
        auto if_match = parse_if_match(request->header("If-Match"));
        incidents.update(request->path_param("id"), std::move(patch), if_match, request->actor(),
                         answer_with(std::move(respond), request->request_id, status::ok));
    });

    routes.add(verb::post, "/v1/incidents/{id}/resolve", {role::ops}, [&incidents](std::shared_ptr<request_context> request, responder respond) {
        std::optional<domain::sys_seconds> resolved_at;
        std::string note;
        if (!request->message.body().empty()) {
            auto body = parse_json_object(*request);
            reject_unknown_fields(body, {"resolved_at", "note"});
            resolved_at = parse_time_field(body, "resolved_at");
            note = optional_string(body, "note", 2000).value_or("");
        }
        auto if_match = parse_if_match(request->header("If-Match"));
        incidents.resolve(request->path_param("id"), resolved_at, note, if_match, request->actor(),
                          answer_with(std::move(respond), request->request_id, status::ok));
    });
}

void add_customer_routes(router& routes, api_services services) {
    auto& customers = services.customers;
    routes.add(verb::put, "/v1/customers/{id}", {role::ops}, [&customers](std::shared_ptr<request_context> request, responder respond) {
        auto fields = parse_customer_fields(parse_json_object(*request), request->path_param("id"));
        customers.put(fields, request->actor(),
                      [respond = std::move(respond), request_id = request->request_id](std::exception_ptr error,
                                                                                         domain::customer saved, bool created) {
                          if (error) return respond(response_for_exception(error, request_id));
                          respond(json_response(created ? status::created : status::ok, customer_json(saved).dump()));
                      });
    });
    routes.add(verb::get, "/v1/customers/{id}", {role::ops}, [&customers](std::shared_ptr<request_context> request, responder respond) {
        auto found = customers.find(request->path_param("id"));
        if (!found) throw service::not_found("No customer " + request->path_param("id") + ".");
        respond(json_response(status::ok, customer_json(*found).dump()));
    }, runs_on::lookup_threads);
}

}  // namespace outagedesk::http
