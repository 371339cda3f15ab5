#include "outagedesk/http/operations_routes.hpp"

#include "outagedesk/http/errors.hpp"
#include "outagedesk/metrics/registry.hpp"

namespace outagedesk::http {

void add_operations_routes(router& routes, std::function<bool()> store_ready, metrics::registry& metrics) {
    using beast_http::verb;
    routes.add(verb::get, "/healthz", {}, [](auto, responder respond) {
        respond(json_response(beast_http::status::ok, R"({"status":"ok"})"));
    });
    routes.add(verb::get, "/readyz", {}, [store_ready](auto, responder respond) {
        if (store_ready())
            respond(json_response(beast_http::status::ok, R"({"status":"ready"})"));
        else
            respond(error_response(beast_http::status::service_unavailable, "store_unavailable",
                                   "The store does not answer."));
    });
    routes.add(verb::get, "/metrics", {}, [&metrics](auto, responder respond) {
        respond(text_response(beast_http::status::ok, "text/plain; version=0.0.4; charset=utf-8", metrics.render()));
    });
}

}  // namespace outagedesk::http
