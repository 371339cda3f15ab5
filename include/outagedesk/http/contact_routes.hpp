#pragma once
// Registration of the contact, callback, routing-hint and surge-alert
// endpoints, and the caller-history part of the agent context. Each handler
// parses the request, calls one service function and serialises the answer;
// nothing else.
#include "outagedesk/domain/customer.hpp"
#include "outagedesk/http/api_routes.hpp"
#include "outagedesk/http/router.hpp"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>

namespace outagedesk::service {
class alert_service;
}  // namespace outagedesk::service

namespace outagedesk::http {

struct contact_api {
    service::incident_service& incidents;
    service::contact_service& contacts;
    service::callback_service& callbacks;
    service::alert_service& alerts;
};

// POST/GET /v1/contacts, GET /v1/routing/hint, POST/GET /v1/callbacks,
// POST /v1/callbacks/{id}/complete, GET /v1/alerts, POST /v1/alerts/{id}/dismiss|declare.
void add_contact_routes(router& routes, contact_api services);

// Fills `contacts`, `ivr_handoff`, `callbacks` (open ones) and `owner` of an
// agent context answer for the customer, or for the phone a caller without
// a record rang from (as typed; normalised here).
void add_caller_history(nlohmann::json& context, api_services services, const std::optional<domain::customer>& customer,
                        const std::string& raw_phone);

}  // namespace outagedesk::http
