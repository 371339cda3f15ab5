#pragma once
// /v1/webhooks: subscriptions and their delivery history (admin only).
#include "outagedesk/http/router.hpp"

namespace outagedesk::service {
class webhook_service;
}

namespace outagedesk::http {

void add_webhook_routes(router& routes, service::webhook_service& webhooks);

}  // namespace outagedesk::http
