#include "outagedesk/http/request.hpp"

namespace outagedesk::http {

namespace {
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%' && i + 2 < text.size()) {
            int hi = hex_value(text[i + 1]);
            int lo = hex_value(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += (plus_is_space && c == '+') ? ' ' : c;
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        if (eq == std::string_view::npos)
            out.emplace_back(percent_decode(pair, true), std::string());
        else
            out.emplace_back(percent_decode(pair.substr(0, eq), true), percent_decode(pair.substr(eq + 1), true));
    }
    return out;
}

void responder::take_over(stream_starter start) const {
    if (takeover_) return takeover_(std::move(start));
    response res{beast_http::status::not_implemented, 11};
    res.set(beast_http::field::content_type, "application/json");
    res.body() = R"({"error":{"code":"not_implemented","message":"Streaming needs a connection."}})";
    res.prepare_payload();
    send_(std::move(res));
}

std::optional<std::string> request_context::query_param(std::string_view name) const {
    for (const auto& [key, value] : query)
        if (key == name) return value;
    return std::nullopt;
}

std::string_view request_context::header(std::string_view name) const {
    auto it = message.find(boost::beast::string_view(name.data(), name.size()));
    if (it == message.end()) return {};
    auto value = it->value();
    return {value.data(), value.size()};
}

}  // namespace outagedesk::http
