#pragma once
// What a handler sees of one HTTP request, and how it answers. A handler
// answers exactly once through its responder, at once or later (after a
// write commits, or when a long-poll wakes); the responder may be called from
// any thread.
#include "outagedesk/domain/role.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace outagedesk::http {

namespace beast_http = boost::beast::http;

using request_message = beast_http::request<beast_http::string_body>;
using response = beast_http::response<beast_http::string_body>;

struct request_context {
    request_message message;
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
    std::map<std::string, std::string> path_params;
    std::string request_id;
    std::string route;  // the matched pattern, for logs and metrics
    std::optional<domain::principal> caller;
    std::string remote_address;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

    std::optional<std::string> query_param(std::string_view name) const;
    std::string_view header(std::string_view name) const;
    const std::string& path_param(const std::string& name) const { return path_params.at(name); }
    // The caller's name, for timelines and the audit log ("anonymous" on public routes).
    std::string actor() const { return caller ? caller->name : "anonymous"; }
};

using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// A handler that keeps the connection open (SSE, WebSocket) takes the
// connection, the request and any bytes already read past it. It is built
// from one generic callable that accepts either a plain or a TLS stream, so
// a handler never needs to know which one its connection is.
class stream_starter {
public:
    template <typename F,
              typename = std::enable_if_t<
                  std::is_invocable_v<F&, boost::beast::tcp_stream, request_message, boost::beast::flat_buffer> &&
                  std::is_invocable_v<F&, tls_stream, request_message, boost::beast::flat_buffer>>>
    stream_starter(F start) : plain_(start), tls_(std::move(start)) {}

    void operator()(boost::beast::tcp_stream stream, request_message message, boost::beast::flat_buffer buffer) {
        plain_(std::move(stream), std::move(message), std::move(buffer));
    }
    void operator()(tls_stream stream, request_message message, boost::beast::flat_buffer buffer) {
        tls_(std::move(stream), std::move(message), std::move(buffer));
    }

private:
    std::function<void(boost::beast::tcp_stream, request_message, boost::beast::flat_buffer)> plain_;
    std::function<void(tls_stream, request_message, boost::beast::flat_buffer)> tls_;
};

// How a handler answers: with one response, or by taking the connection over.
// Copyable; exactly one of the two may be used, once.
class responder {
public:
    using send_fn = std::function<void(response)>;
    using takeover_fn = std::function<void(stream_starter)>;

    template <typename F, typename = std::enable_if_t<std::is_invocable_v<F&, response>>>
    responder(F send) : send_(std::move(send)) {}
    responder(send_fn send, takeover_fn takeover) : send_(std::move(send)), takeover_(std::move(takeover)) {}

    void operator()(response res) const { send_(std::move(res)); }
    // Only sessions over a real socket can hand it over; elsewhere (unit
    // tests of the router) the request is answered 501.
    void take_over(stream_starter start) const;
    const takeover_fn& takeover() const noexcept { return takeover_; }

private:
    send_fn send_;
    takeover_fn takeover_;
};

using handler = std::function<void(std::shared_ptr<request_context>, responder)>;

// Splits "a=1&b=x%20y" into decoded pairs; '+' is a space. Malformed escapes
// are kept literally rather than rejected.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);
std::string percent_decode(std::string_view text, bool plus_is_space);

}  // namespace outagedesk::http
