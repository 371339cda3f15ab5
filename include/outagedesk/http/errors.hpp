#pragma once
// The contract's error body, {"error":{"code","message"}}, built in one place.
// Handlers throw http_error for expected refusals; the router maps every
// exception to a response here, and clients never see internal text.
#include "outagedesk/http/request.hpp"

#include <exception>
#include <stdexcept>
#include <string>

namespace outagedesk::http {

class http_error : public std::runtime_error {
public:
    http_error(beast_http::status status, std::string code, const std::string& message)
        : std::runtime_error(message), status_(status), code_(std::move(code)) {}
    beast_http::status status() const noexcept { return status_; }
    const std::string& code() const noexcept { return code_; }

private:
    beast_http::status status_;
    std::string code_;
};

response error_response(beast_http::status status, const std::string& code, const std::string& message,
                        const std::string& field = "");
// Maps an exception to its response; unexpected ones are logged with the
// request id and answered 500 with a generic sentence.
response response_for_exception(std::exception_ptr error, const std::string& request_id);

response json_response(beast_http::status status, const std::string& body);
response text_response(beast_http::status status, const std::string& content_type, std::string body);

}  // namespace outagedesk::http
