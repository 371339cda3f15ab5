#include "outagedesk/http/json_body.hpp"

#include "outagedesk/http/errors.hpp"

#include <algorithm>
#include <cctype>

namespace outagedesk::http {

namespace {
bool is_json_media_type(std::string_view content_type) {
    auto semicolon = content_type.find(';');
    std::string_view type = content_type.substr(0, semicolon);
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    std::string lowered(type);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) { return std::tolower(c); });
    return lowered == "application/json";
}
}  // namespace

nlohmann::json parse_json_body(const request_context& request) {
    if (!is_json_media_type(request.header("Content-Type")))
        throw http_error(beast_http::status::unsupported_media_type, "unsupported_media_type",
                         "The body must be sent as Content-Type: application/json.");
    bool too_deep = false;
    bool too_long = false;
    nlohmann::json::parser_callback_t limit_depth = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& value) {
        if (depth > max_json_depth) too_deep = true;
        if ((event == nlohmann::json::parse_event_t::value || event == nlohmann::json::parse_event_t::key) &&
            value.is_string() && value.get_ref<const std::string&>().size() > max_json_string_bytes)
            too_long = true;
        return !too_deep && !too_long;
    };
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(request.message.body(), limit_depth);
    } catch (const nlohmann::json::parse_error& e) {
        throw http_error(beast_http::status::bad_request, "malformed_json",
                         "The body is not valid JSON (byte " + std::to_string(e.byte) + ").");
    } catch (const nlohmann::json::exception&) {
        // e.g. a number too large for a double (found by fuzzing).
        throw http_error(beast_http::status::bad_request, "malformed_json",
                         "The body is not valid JSON (a number is out of range).");
    }
    if (too_long)
        throw http_error(beast_http::status::bad_request, "malformed_json",
                         "A string in the body is longer than " + std::to_string(max_json_string_bytes) + " bytes.");
    if (too_deep)
        throw http_error(beast_http::status::bad_request, "malformed_json",
                         "The body nests deeper than " + std::to_string(max_json_depth) + " levels.");
    return doc;
}

nlohmann::json parse_json_object(const request_context& request) {
    auto doc = parse_json_body(request);
    if (!doc.is_object())
        throw http_error(beast_http::status::bad_request, "malformed_json", "The body must be a JSON object.");
    return doc;
}

}  // namespace outagedesk::http
