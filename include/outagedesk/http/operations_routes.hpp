#pragma once
// Liveness, readiness and metrics: the endpoints load balancers and
// Prometheus poll. Public, cheap, and never touching the write path.
#include "outagedesk/http/router.hpp"

#include <functional>

namespace outagedesk::http {

void add_operations_routes(router& routes, std::function<bool()> store_ready, metrics::registry& metrics);

}  // namespace outagedesk::http
