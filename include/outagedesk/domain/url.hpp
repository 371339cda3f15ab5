#pragma once
// http(s) URLs of outside systems (webhook receivers, the SMS/email gateway),
// split into what a client needs to connect. Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace outagedesk::domain {

struct http_url {
    bool tls = false;
    std::string host;  // without brackets for IPv6
    std::uint16_t port = 80;
    std::string target = "/";  // path and query
    std::string host_header() const;
};

// nullopt unless scheme is http or https, the host is non-empty and the port valid.
std::optional<http_url> parse_http_url(std::string_view text);

}  // namespace outagedesk::domain
