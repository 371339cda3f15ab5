#include "outagedesk/http/errors.hpp"

#include "outagedesk/domain/errors.hpp"
#include "outagedesk/service/errors.hpp"
#include "outagedesk/store/errors.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace outagedesk::http {

response json_response(beast_http::status status, const std::string& body) {
    return text_response(status, "application/json", body);
}

response text_response(beast_http::status status, const std::string& content_type, std::string body) {
    response res{status, 11};
    res.set(beast_http::field::content_type, content_type);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

response error_response(beast_http::status status, const std::string& code, const std::string& message,
                        const std::string& field) {
    nlohmann::json error = {{"code", code}, {"message", message}};
    if (!field.empty()) error["field"] = field;
    // Messages may quote client bytes (a path, a field name) that are not
    // valid UTF-8; replace those rather than fail to answer.
    return json_response(status, nlohmann::json{{"error", error}}.dump(-1, ' ', false,
                                                                        nlohmann::json::error_handler_t::replace));
}

response response_for_exception(std::exception_ptr error, const std::string& request_id) {
    using s = beast_http::status;
    try {
        std::rethrow_exception(error);
    } catch (const http_error& e) {
        return error_response(e.status(), e.code(), e.what());
    } catch (const domain::invalid_input& e) {
        std::string message = e.what();
        // Domain messages may already start with the field ("areas[2]: …").
        if (!e.field().empty() && message.rfind(e.field(), 0) != 0) message = e.field() + ": " + message;
        return error_response(s::unprocessable_entity, "invalid_field", message, e.field());
    } catch (const service::not_found& e) {
        return error_response(s::not_found, "not_found", e.what());
    } catch (const service::version_mismatch& e) {
        auto res = error_response(s::precondition_failed, "version_mismatch", e.what());
        res.set(beast_http::field::etag, "\"" + std::to_string(e.current()) + "\"");
        return res;
    } catch (const service::conflict& e) {
        return error_response(s::conflict, e.code(), e.what());
    } catch (const store::store_overloaded& e) {
        spdlog::warn("[{}] write refused: {}", request_id, e.what());
        auto res = error_response(s::service_unavailable, "overloaded", "The server is busy; try again shortly.");
        res.set(beast_http::field::retry_after, "1");
        return res;
    } catch (const store::store_error& e) {
        spdlog::error("[{}] store failure: {}", request_id, e.what());
        // Busy passes within busy_timeout_ms of the other writer letting go, so
        // a client may retry sooner than after a full disk or an I/O failure.
        std::string message = e.busy()        ? "The store is busy (locked by another writer); the write was not saved."
                              : e.disk_full() ? "The store is out of space; the write was not saved."
                                              : "The store is unavailable; the write was not saved.";
        auto res = error_response(s::service_unavailable, "store_unavailable", message);
        res.set(beast_http::field::retry_after, e.busy() ? "1" : "5");
        return res;
    } catch (const std::exception& e) {
        spdlog::error("[{}] unexpected failure: {}", request_id, e.what());
    } catch (...) {
        spdlog::error("[{}] unexpected failure of unknown type", request_id);
    }
    return error_response(s::internal_server_error, "internal", "An internal error occurred; it has been logged.");
}

}  // namespace outagedesk::http
