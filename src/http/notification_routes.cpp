#include "outagedesk/http/notification_routes.hpp"

#include "outagedesk/domain/csv.hpp"
#include "outagedesk/domain/errors.hpp"
#include "outagedesk/http/errors.hpp"
#include "outagedesk/service/customer_import.hpp"
#include "outagedesk/service/errors.hpp"
#include "outagedesk/service/incident_service.hpp"
#include "outagedesk/service/notification_service.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

namespace outagedesk::http {

using beast_http::status;
using beast_http::verb;
using domain::role;
using nlohmann::json;

namespace {

std::string media_type(std::string_view header) {
    std::string type(header.substr(0, header.find(';')));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return type;
}

bool wants_csv(const request_context& request) {
    if (auto format = request.query_param("format")) return *format == "csv";
    return request.header("Accept").find("text/csv") != std::string_view::npos;
}

json counts_json(const store::notification_counts& c) {
    return {{"queued", c.queued}, {"sent", c.sent}, {"failed", c.failed}, {"held", c.held}};
}

std::size_t page_limit(const request_context& request) {
    auto text = request.query_param("limit");
    if (!text) return 1000;
    if (text->empty() || text->size() > 5 || text->find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(*text) == 0 || std::stoul(*text) > 10000)
        throw domain::invalid_input("limit", "limit must be between 1 and 10000");
    return std::stoul(*text);
}

// "customer:rule:service" (customer ids never hold ':').
store::compensation_page_key page_key(const std::optional<std::string>& after) {
    store::compensation_page_key key;
    if (!after || after->empty()) return key;
    auto first = after->find(':');
    auto second = first == std::string::npos ? std::string::npos : after->find(':', first + 1);
    if (second == std::string::npos) throw domain::invalid_input("after", "after must be the next cursor of a previous page");
    key.customer_id = after->substr(0, first);
    key.rule = after->substr(first + 1, second - first - 1);
    key.service = after->substr(second + 1);
    return key;
}

}  // namespace

void add_notification_routes(router& routes, notification_api services) {
    auto& incidents = services.incidents;
    auto& notifications = services.notifications;
    auto& imports = services.imports;
    routes.add(verb::post, "/v1/customers/import", {role::ops}, [&imports](std::shared_ptr<request_context> request, responder respond) {
        if (media_type(request->header("Content-Type")) != "text/csv")
            throw http_error(status::unsupported_media_type, "unsupported_media_type",
                             "The import must be sent as Content-Type: text/csv.");
        auto body = std::make_shared<const std::string>(std::move(request->message.body()));
        imports.run_async(body, request->actor(),
                          [respond = std::move(respond), request_id = request->request_id](std::exception_ptr error,
                                                                                            service::import_summary summary) {
                              if (error) return respond(response_for_exception(error, request_id));
                              respond(json_response(status::ok, service::import_summary_json(summary).dump()));
                          });
    });

    routes.add(verb::get, "/v1/incidents/{id}/notifications", {role::ops},
               [&incidents, &notifications](std::shared_ptr<request_context> request, responder respond) {
        const auto& id = request->path_param("id");
        auto incident = incidents.find(id);
        if (!incident) throw service::not_found("No incident " + id + ".");
        std::map<std::string, store::notification_counts> by_kind;
        auto total = notifications.counts(id, &by_kind).value_or(store::notification_counts{});
        json out = counts_json(total);
        out["incident_id"] = id;
        out["affected_customers"] = incident->stats.affected_customers;
        out["notified"] = incident->stats.notified;
        out["by_kind"] = json::object();
        for (const auto& [kind, c] : by_kind) out["by_kind"][kind] = counts_json(c);
        respond(json_response(status::ok, out.dump()));
    }, runs_on::report_thread);

    routes.add(verb::get, "/v1/incidents/{id}/compensations", {role::ops},
               [&incidents, &notifications](std::shared_ptr<request_context> request, responder respond) {
        const auto& id = request->path_param("id");
        if (!incidents.find(id)) throw service::not_found("No incident " + id + ".");
        const bool complete = notifications.compensations_complete(id);
        if (wants_csv(*request)) {
            // The whole list, for billing; read in pages so the store is never asked for all at once.
            std::string body = "incident_id,customer_id,rule,service,duration_seconds,amount_cents,currency,payable,explanation\r\n";
            store::compensation_page_key after;
            for (;;) {
                auto page = notifications.compensations(id, after, 10000);
                for (const auto& row : page) {
                    body += domain::csv_escape(id) + ',' + domain::csv_escape(row.customer_id) + ',' +
                            std::string(domain::compensation_rule_name(row.rule)) + ',' + domain::csv_escape(row.service) +
                            ',' + std::to_string(row.duration_seconds) + ',' + std::to_string(row.amount_cents) + ',' +
                            std::string(domain::compensation_currency(row.rule)) + ',' + (row.payable ? "true" : "false") +
                            ',' + domain::csv_escape(row.explanation) + "\r\n";
                }
                if (page.size() < 10000) break;
                after = {page.back().customer_id, std::string(domain::compensation_rule_name(page.back().rule)),
                         page.back().service};
            }
            auto res = text_response(status::ok, "text/csv; charset=utf-8", std::move(body));
            res.set(beast_http::field::content_disposition, "attachment; filename=\"" + id + "-compensations.csv\"");
            res.set("X-Compensation-Complete", complete ? "true" : "false");
            return respond(std::move(res));
        }
        const auto limit = page_limit(*request);
        auto page = notifications.compensations(id, page_key(request->query_param("after")), limit);
        json items = json::array();
        for (const auto& row : page) items.push_back(service::compensation_json(row));
        json out = {{"incident_id", id}, {"complete", complete}, {"items", items}};
        if (page.size() == limit) {
            const auto& last = page.back();
            out["next"] = last.customer_id + ":" + std::string(domain::compensation_rule_name(last.rule)) + ":" + last.service;
        }
        auto res = json_response(status::ok, out.dump());
        res.set("X-Compensation-Complete", complete ? "true" : "false");
        respond(std::move(res));
    }, runs_on::report_thread);
}

}  // namespace outagedesk::http
