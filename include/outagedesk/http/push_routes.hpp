#pragma once
// The event streams: GET /v1/events (SSE), GET /v1/ws (WebSocket) and
// POST /v1/events/ticket. The handlers authenticate (a bearer token, or a
// single-use ticket for browsers), parse the resume position and filters, and
// hand the connection to a push session.
#include "outagedesk/http/router.hpp"
#include "outagedesk/push/event_hub.hpp"
#include "outagedesk/push/push_session.hpp"
#include "outagedesk/push/stream_tickets.hpp"

namespace outagedesk::http {

struct push_dependencies {
    push::event_hub& hub;
    store::event_repository& events;
    push::stream_tickets& tickets;
    authenticate_fn authenticate;
    push::stream_settings settings;
};

void add_push_routes(router& routes, push_dependencies deps);

}  // namespace outagedesk::http
