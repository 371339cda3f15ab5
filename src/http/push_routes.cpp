#include "outagedesk/http/push_routes.hpp"

#include "outagedesk/domain/errors.hpp"
#include "outagedesk/domain/postcode.hpp"
#include "outagedesk/http/errors.hpp"

#include <boost/beast/websocket/rfc6455.hpp>
#include <nlohmann/json.hpp>

namespace outagedesk::http {

using beast_http::status;
using beast_http::verb;
using domain::role;

namespace {

// Tickets for browsers, bearer tokens for everyone else; the role check
// comes before anything else is looked at.
domain::principal stream_caller(const request_context& request, const push_dependencies& deps) {
    std::optional<domain::principal> caller;
    if (auto ticket = request.query_param("ticket"); ticket && !ticket->empty()) {
        caller = deps.tickets.redeem(*ticket);
        if (!caller) throw http_error(status::unauthorized, "unauthorized", "The ticket is unknown, used or expired.");
    } else {
        auto header = request.header("Authorization");
        if (header.empty())
            throw http_error(status::unauthorized, "unauthorized",
                             "A bearer token or a ticket (POST /v1/events/ticket) is required.");
        caller = deps.authenticate(header);
        if (!caller) throw http_error(status::unauthorized, "unauthorized", "The token is unknown or has been revoked.");
    }
    if (!domain::role_permits(caller->held, role::agent) && !domain::role_permits(caller->held, role::ivr))
        throw http_error(status::forbidden, "forbidden", "This role may not open event streams.");
    return *caller;
}

push::event_filter stream_filter(const request_context& request) {
    push::event_filter filter;
    if (auto types = request.query_param("types"); types && !types->empty()) {
        std::string_view rest = *types;
        while (!rest.empty()) {
            auto comma = rest.find(',');
            auto item = rest.substr(0, comma);
            if (!item.empty()) filter.types.emplace(item);
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        }
    }
    if (auto postcode = request.query_param("postcode"); postcode && !postcode->empty())
        filter.postcode = domain::require_postcode(*postcode, "postcode");
    return filter;
}

std::optional<std::int64_t> resume_position(const request_context& request) {
    std::string text(request.header("Last-Event-ID"));
    if (text.empty()) text = request.query_param("last_event_id").value_or("");
    if (text.empty()) return std::nullopt;
    if (text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
        throw domain::invalid_input("Last-Event-ID", "Last-Event-ID must be an event seq (a whole number)");
    return std::stoll(text);
}

}  // namespace

void add_push_routes(router& routes, push_dependencies deps) {
    auto shared = std::make_shared<push_dependencies>(std::move(deps));

    routes.add(verb::post, "/v1/events/ticket", {role::agent, role::ivr}, [shared](std::shared_ptr<request_context> request, responder respond) {
        auto ticket = shared->tickets.issue(*request->caller);
        nlohmann::json body = {{"ticket", ticket}, {"expires_in", shared->tickets.lifetime().count()}};
        respond(json_response(status::created, body.dump()));
    });

    routes.add(verb::get, "/v1/events", {}, [shared](std::shared_ptr<request_context> request, responder respond) {
        request->caller = stream_caller(*request, *shared);
        auto filter = stream_filter(*request);
        auto resume = resume_position(*request);
        // `stream` is the plain or the TLS connection, whichever the request came on.
        respond.take_over([shared, filter, resume](auto stream, request_message, boost::beast::flat_buffer buffer) {
            push::start_sse_session(std::move(stream), std::move(buffer), shared->hub, shared->events, filter, resume,
                                    shared->settings);
        });
    });

    routes.add(verb::get, "/v1/ws", {}, [shared](std::shared_ptr<request_context> request, responder respond) {
        request->caller = stream_caller(*request, *shared);
        if (!boost::beast::websocket::is_upgrade(request->message))
            throw http_error(status::upgrade_required, "upgrade_required", "This endpoint speaks WebSocket only.");
        auto filter = stream_filter(*request);
        auto resume = resume_position(*request);
        respond.take_over([shared, filter, resume](auto stream, request_message message, boost::beast::flat_buffer buffer) {
            push::start_ws_session(std::move(stream), std::move(message), std::move(buffer), shared->hub, shared->events,
                                   filter, resume, shared->settings);
        });
    });
}

}  // namespace outagedesk::http
