#pragma once
// Reading a JSON request body: the media type must be application/json (415),
// the text must parse (400) and stay within the nesting limit (400). Field
// checks belong to the services; this only yields a document.
#include "outagedesk/http/request.hpp"

#include <nlohmann/json.hpp>

namespace outagedesk::http {

constexpr int max_json_depth = 32;
constexpr std::size_t max_json_string_bytes = 64 * 1024;

nlohmann::json parse_json_body(const request_context& request);
// The body must be a JSON object (400 otherwise).
nlohmann::json parse_json_object(const request_context& request);

}  // namespace outagedesk::http
