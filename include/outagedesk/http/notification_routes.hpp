#pragma once
// Registration of the customer import and of the per-incident notification
// and compensation endpoints. Each handler parses the request, calls one
// service function and serialises the answer; nothing else.
#include "outagedesk/http/router.hpp"

namespace outagedesk::service {
class incident_service;
class notification_service;
class customer_import;
}  // namespace outagedesk::service

namespace outagedesk::http {

struct notification_api {
    service::incident_service& incidents;
    service::notification_service& notifications;
    service::customer_import& imports;
};

// POST /v1/customers/import (text/csv), GET /v1/incidents/{id}/notifications,
// GET /v1/incidents/{id}/compensations (JSON, or CSV with Accept: text/csv).
// The two reports read a whole outbox (hundreds of thousands of rows in a
// national outage) and run on the router's report thread.
void add_notification_routes(router& routes, notification_api services);

}  // namespace outagedesk::http
