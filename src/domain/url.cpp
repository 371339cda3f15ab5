#include "outagedesk/domain/url.hpp"

#include <cctype>

namespace outagedesk::domain {

std::string http_url::host_header() const {
    std::string name = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if ((tls && port == 443) || (!tls && port == 80)) return name;
    return name + ":" + std::to_string(port);
}

std::optional<http_url> parse_http_url(std::string_view text) {
    http_url url;
    if (text.size() > 2048) return std::nullopt;
    if (text.starts_with("https://")) {
        url.tls = true;
        url.port = 443;
        text.remove_prefix(8);
    } else if (text.starts_with("http://")) {
        text.remove_prefix(7);
    } else {
        return std::nullopt;
    }
    auto slash = text.find_first_of("/?#");
    std::string_view authority = text.substr(0, slash);
    std::string_view rest = slash == std::string_view::npos ? std::string_view() : text.substr(slash);
    if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no credentials in URLs
    std::string_view port_text;
    if (authority.starts_with("[")) {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        url.host = std::string(authority.substr(1, close - 1));
        auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port_text = after.substr(1);
        }
    } else {
        auto colon = authority.rfind(':');
        url.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (url.host.empty()) return std::nullopt;
    for (char c : url.host)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_')) return std::nullopt;
    if (!port_text.empty() || authority.ends_with(":")) {
        if (port_text.empty() || port_text.size() > 5) return std::nullopt;
        unsigned port = 0;
        for (char c : port_text) {
            if (c < '0' || c > '9') return std::nullopt;
            port = port * 10 + static_cast<unsigned>(c - '0');
        }
        if (port == 0 || port > 65535) return std::nullopt;
        url.port = static_cast<std::uint16_t>(port);
    }
    auto hash = rest.find('#');
    rest = rest.substr(0, hash);
    url.target = rest.empty() ? "/" : (rest.front() == '?' ? "/" + std::string(rest) : std::string(rest));
    return url;
}

}  // namespace outagedesk::domain
