#include "outagedesk/http/webhook_routes.hpp"

#include "outagedesk/domain/errors.hpp"
#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/http/errors.hpp"
#include "outagedesk/http/incident_codec.hpp"
#include "outagedesk/http/json_body.hpp"
#include "outagedesk/service/errors.hpp"
#include "outagedesk/service/webhook_service.hpp"

namespace outagedesk::http {

using beast_http::status;
using beast_http::verb;
using domain::role;
using nlohmann::json;

namespace {

// The secret is write-only: it is never shown again.
json webhook_json(const store::webhook& h) {
    return {{"id", h.id}, {"url", h.url}, {"events", h.events}, {"created_at", h.created_at},
            {"created_by", h.created_by}, {"cursor", h.cursor}, {"deleted", h.deleted}};
}

json delivery_json(const store::webhook_delivery& d) {
    json next = nullptr;
    if (d.next_attempt_ms)
        next = domain::format_rfc3339_utc(std::chrono::sys_seconds(std::chrono::seconds(*d.next_attempt_ms / 1000)));
    return {{"id", d.id},
            {"event_seq", d.event_seq},
            {"event_type", d.event_type},
            {"state", d.state},
            {"attempts", d.attempts},
            {"next_attempt_at", next},
            {"last_status", d.last_status ? json(*d.last_status) : json(nullptr)},
            {"last_error", d.last_error.empty() ? json(nullptr) : json(d.last_error)},
            {"created_at", d.created_at},
            {"updated_at", d.updated_at}};
}

std::int64_t id_param(const request_context& request) {
    const auto& text = request.path_param("id");
    if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
        throw service::not_found("No webhook " + text + ".");
    return std::stoll(text);
}

}  // namespace

void add_webhook_routes(router& routes, service::webhook_service& webhooks) {
    routes.add(verb::post, "/v1/webhooks", {role::admin}, [&webhooks](std::shared_ptr<request_context> request, responder respond) {
        auto body = parse_json_object(*request);
        reject_unknown_fields(body, {"url", "events", "secret"});
        auto url = optional_string(body, "url", 2048);
        if (!url) throw domain::invalid_input("url", "url is required");
        auto events = optional_strings(body, "events").value_or(std::vector<std::string>{});
        auto secret = optional_string(body, "secret", 256).value_or("");
        webhooks.create(*url, events, secret, request->actor(),
                        [respond, request_id = request->request_id](std::exception_ptr error, store::webhook created) {
                            if (error) return respond(response_for_exception(error, request_id));
                            auto res = json_response(status::created, webhook_json(created).dump());
                            res.set(beast_http::field::location, "/v1/webhooks/" + std::to_string(created.id));
                            respond(std::move(res));
                        });
    });
    routes.add(verb::get, "/v1/webhooks", {role::admin}, [&webhooks](std::shared_ptr<request_context>, responder respond) {
        json items = json::array();
        for (const auto& h : webhooks.list()) items.push_back(webhook_json(h));
        respond(json_response(status::ok, json{{"items", items}}.dump()));
    });
    routes.add(verb::delete_, "/v1/webhooks/{id}", {role::admin}, [&webhooks](std::shared_ptr<request_context> request, responder respond) {
        auto id = id_param(*request);
        // Read before the write, on this thread: the answer is the
        // subscription as it now is, and the writer thread stays free of reads.
        auto existing = webhooks.find(id);
        if (!existing || existing->deleted) throw service::not_found("No webhook " + std::to_string(id) + ".");
        existing->deleted = true;
        webhooks.remove(id, request->actor(), [respond, request_id = request->request_id, gone = *existing](std::exception_ptr error) {
            if (error) return respond(response_for_exception(error, request_id));
            respond(json_response(status::ok, webhook_json(gone).dump()));
        });
    });
    routes.add(verb::get, "/v1/webhooks/{id}/deliveries", {role::admin}, [&webhooks](std::shared_ptr<request_context> request, responder respond) {
        auto id = id_param(*request);
        if (!webhooks.find(id)) throw service::not_found("No webhook " + std::to_string(id) + ".");
        json items = json::array();
        for (const auto& d : webhooks.deliveries(id, 200)) items.push_back(delivery_json(d));
        respond(json_response(status::ok, json{{"items", items}}.dump()));
    });
}

}  // namespace outagedesk::http
