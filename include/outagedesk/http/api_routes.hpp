#pragma once
// Registration of the /v1 endpoints. Each handler parses the request, calls
// one service function and serialises the answer; nothing else.
#include "outagedesk/http/router.hpp"

namespace outagedesk::service {
class incident_service;
class customer_service;
class contact_service;
class callback_service;
class notification_service;
}  // namespace outagedesk::service

namespace outagedesk::http {

struct api_services {
    service::incident_service& incidents;
    service::customer_service& customers;
    // The caller's history in the agent context; without them it stays empty.
    service::contact_service* contacts = nullptr;
    service::callback_service* callbacks = nullptr;
    // The compensation in the agent context; without it the list stays empty.
    service::notification_service* notifications = nullptr;
};

void add_incident_routes(router& routes, api_services services);
void add_customer_routes(router& routes, api_services services);
// IVR announcement, agent context and the public status answer.
void add_lookup_routes(router& routes, api_services services);

// Shared helpers of the handlers.
std::optional<std::int64_t> parse_if_match(std::string_view header);
std::string quoted_etag(std::string_view value);

}  // namespace outagedesk::http
