// libFuzzer target: every JSON request decoder. Whatever the bytes, a decoder
// either yields a value or refuses with invalid_input / http_error — never a
// crash or another exception.
#include "outagedesk/domain/errors.hpp"
#include "outagedesk/http/contact_codec.hpp"
#include "outagedesk/http/errors.hpp"
#include "outagedesk/http/incident_codec.hpp"
#include "outagedesk/http/json_body.hpp"

#include <cstdint>
#include <string>

using namespace outagedesk;

namespace {
template <typename F>
void refuse_cleanly(F decode) {
    try {
        decode();
    } catch (const domain::invalid_input&) {
    } catch (const http::http_error&) {
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    http::request_context request;
    request.message.set("Content-Type", "application/json");
    request.message.body().assign(reinterpret_cast<const char*>(data), size);
    nlohmann::json body;
    try {
        body = http::parse_json_object(request);
    } catch (const http::http_error&) {
        return 0;
    }
    refuse_cleanly([&] { http::parse_incident_draft(body); });
    refuse_cleanly([&] { http::parse_incident_patch(body); });
    refuse_cleanly([&] { http::parse_customer_fields(body, "C1"); });
    refuse_cleanly([&] { http::parse_contact_fields(body); });
    refuse_cleanly([&] { http::parse_callback_fields(body); });
    return 0;
}
