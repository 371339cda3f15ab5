#pragma once
// Registration of the customer import and of the per-incident notification
// and compensation endpoints. Each handler parses the request, calls one
// service function and serialises the answer; nothing else.
#include "outagedesk/http/router.hpp"

#include <functional>

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
    // Runs a report off the I/O threads. Counting an outbox of a national
    // outage or exporting its compensations reads hundreds of thousands of
    // rows; on an I/O thread that would stall every connection it serves
    // (the IVR's among them) for as long. Empty: run in place (unit tests).
    std::function<void(std::function<void()>)> run_report;
};

// POST /v1/customers/import (text/csv), GET /v1/incidents/{id}/notifications,
// GET /v1/incidents/{id}/compensations (JSON, or CSV with Accept: text/csv).
void add_notification_routes(router& routes, notification_api services);

}  // namespace outagedesk::http
