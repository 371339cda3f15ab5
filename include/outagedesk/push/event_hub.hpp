#pragma once
// Fan-out of committed events to every live stream (SSE, WebSocket). Each
// event is serialised once and the same bytes are shared by all sessions;
// publishing only posts to the sessions' strands (one post per I/O context,
// not per session), so a slow client never slows the publisher or the
// others. Never touches the store.
#include "outagedesk/domain/area.hpp"
#include "outagedesk/service/events.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace outagedesk::metrics {
class registry;
class counter;
class gauge;
class histogram;
}  // namespace outagedesk::metrics

namespace outagedesk::push {

struct hub_event {
    std::int64_t seq = 0;
    std::string type;
    std::shared_ptr<const std::string> json;       // the event JSON (WebSocket frame, webhook body)
    std::shared_ptr<const std::string> sse_frame;  // "id: …\nevent: …\ndata: …\n\n"
    // Areas of the incident the event is about, for ?postcode= filters;
    // nullopt for events that are not about an incident.
    std::optional<std::vector<domain::area_expression>> areas;
    std::chrono::steady_clock::time_point published;
};
using hub_event_ptr = std::shared_ptr<const hub_event>;

// Builds the shared form of an event from its JSON text.
hub_event_ptr make_hub_event(std::int64_t seq, const std::string& type, std::string json);
// The event JSON of a stored event: {"seq","type","at", <subject>: payload}.
std::string stored_event_json(std::int64_t seq, const std::string& type, const std::string& at,
                              const std::string& payload);

struct event_filter {
    std::set<std::string> types;          // empty: every type
    std::optional<std::string> postcode;  // normalised; only incidents covering it
    bool matches(const hub_event& event) const;
};

class subscriber {
public:
    virtual ~subscriber() = default;
    // Where deliver() must be called: the connection's strand.
    virtual boost::asio::any_io_executor executor() const = 0;
    // Queues the event for this client; called on executor().
    virtual void deliver(const hub_event_ptr& event) = 0;
    // Called from any thread; implementations post to their own strand.
    virtual void shut_down() = 0;
};

class event_hub {
public:
    explicit event_hub(metrics::registry& metrics);

    void publish(const service::published_event& event);
    void subscribe(const std::shared_ptr<subscriber>& s);
    // Closes every stream (server shutdown).
    void shut_down();
    bool shutting_down() const;

    metrics::gauge& sse_clients() noexcept { return sse_clients_; }
    metrics::gauge& ws_clients() noexcept { return ws_clients_; }
    metrics::histogram& fanout_latency() noexcept { return fanout_latency_; }
    metrics::counter& dropped_clients() noexcept { return dropped_clients_; }

private:
    mutable std::mutex mutex_;
    std::list<std::weak_ptr<subscriber>> subscribers_;
    bool shutting_down_ = false;
    metrics::counter& published_;
    metrics::gauge& sse_clients_;
    metrics::gauge& ws_clients_;
    metrics::histogram& fanout_latency_;
    metrics::counter& dropped_clients_;
};

}  // namespace outagedesk::push
