#pragma once
// What a handler sees of one HTTP request, and how it answers. A handler
// answers exactly once through its responder, at once or later (after a
// write commits, or when a long-poll wakes); the responder may be called from
// any thread.
#include "outagedesk/domain/role.hpp"

#include <boost/beast/http.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

using responder = std::function<void(response)>;
using handler = std::function<void(std::shared_ptr<request_context>, responder)>;

// Splits "a=1&b=x%20y" into decoded pairs; '+' is a space. Malformed escapes
// are kept literally rather than rejected.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);
std::string percent_decode(std::string_view text, bool plus_is_space);

}  // namespace outagedesk::http
