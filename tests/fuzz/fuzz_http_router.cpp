// libFuzzer target: raw HTTP bytes through Beast's parser and the router,
// with path parameters, auth and the error mapping. Every parsed request gets
// exactly one response, and no exception escapes.
#include "outagedesk/http/errors.hpp"
#include "outagedesk/http/router.hpp"
#include "outagedesk/metrics/registry.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstdint>
#include <cstdlib>

using namespace outagedesk;
namespace beast_http = boost::beast::http;

namespace {
metrics::registry& fuzz_metrics() {
    static metrics::registry registry;
    return registry;
}

http::router& fuzz_router() {
    static http::router routes(
        [](std::string_view header) -> std::optional<domain::principal> {
            if (header == "Bearer ops") return domain::principal{"ops", domain::role::ops};
            return std::nullopt;
        },
        fuzz_metrics());
    static bool ready = false;
    if (!ready) {
        ready = true;
        routes.add(beast_http::verb::get, "/v1/incidents/{id}", {domain::role::agent},
                   [](auto request, http::responder respond) {
                       respond(http::json_response(beast_http::status::ok, request->path_param("id")));
                   });
        routes.add(beast_http::verb::post, "/v1/things/{a}/{b}", {}, [](auto request, http::responder respond) {
            (void)request->query_param("x");
            respond(http::json_response(beast_http::status::created, "{}"));
        });
        routes.add(beast_http::verb::get, "/boom", {}, [](auto, http::responder) -> void { throw std::runtime_error("x"); });
    }
    return routes;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(64 * 1024);
    parser.eager(true);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(data, size), ec);
    if (ec || !parser.is_done()) return 0;
    auto request = std::make_shared<http::request_context>();
    request->message = parser.release();
    auto target = request->message.target();
    std::string_view full(target.data(), target.size());
    auto question = full.find('?');
    request->path = std::string(full.substr(0, question));
    if (question != std::string_view::npos) request->query = http::parse_query(full.substr(question + 1));
    int answers = 0;
    fuzz_router().dispatch(request, [&answers](http::response) { ++answers; });
    if (answers != 1) std::abort();
    return 0;
}
