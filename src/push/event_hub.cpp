#include "outagedesk/push/event_hub.hpp"

#include "outagedesk/metrics/registry.hpp"

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace outagedesk::push {

namespace net = boost::asio;

hub_event_ptr make_hub_event(std::int64_t seq, const std::string& type, std::string json) {
    auto event = std::make_shared<hub_event>();
    event->seq = seq;
    event->type = type;
    event->published = std::chrono::steady_clock::now();
    try {
        auto doc = nlohmann::json::parse(json);
        if (auto it = doc.find("incident"); it != doc.end() && it->contains("areas")) {
            std::vector<domain::area_expression> areas;
            for (const auto& text : (*it)["areas"]) areas.push_back(domain::parse_area(text.get<std::string>()));
            event->areas = std::move(areas);
        }
    } catch (const std::exception&) {
        // An event we cannot inspect still goes out; it just matches no postcode filter.
    }
    event->sse_frame = std::make_shared<const std::string>("id: " + std::to_string(seq) + "\nevent: " + type +
                                                           "\ndata: " + json + "\n\n");
    event->json = std::make_shared<const std::string>(std::move(json));
    return event;
}

std::string stored_event_json(std::int64_t seq, const std::string& type, const std::string& at,
                              const std::string& payload) {
    const std::string subject = type.substr(0, type.find('.'));
    nlohmann::json body;
    try {
        body = nlohmann::json::parse(payload);
    } catch (const std::exception&) {
        body = payload;
    }
    return service::event_json(seq, type, at, subject, body);
}

bool event_filter::matches(const hub_event& event) const {
    if (!types.empty() && !types.count(event.type)) return false;
    if (!postcode) return true;
    return event.areas && domain::areas_match(*event.areas, *postcode);
}

event_hub::event_hub(metrics::registry& metrics)
    : published_(metrics.get_counter("outagedesk_events_published_total", "Events published to live streams")),
      sse_clients_(metrics.get_gauge("outagedesk_sse_clients", "Connected SSE clients")),
      ws_clients_(metrics.get_gauge("outagedesk_ws_clients", "Connected WebSocket clients")),
      fanout_latency_(metrics.get_histogram("outagedesk_fanout_seconds",
                                            "From publish to the event's bytes handed to a client's socket")),
      dropped_clients_(metrics.get_counter("outagedesk_stream_clients_dropped_total",
                                           "Stream clients cut off for falling behind")) {}

void event_hub::publish(const service::published_event& event) {
    auto shared = make_hub_event(event.seq, event.type, event.json);
    std::vector<std::shared_ptr<subscriber>> targets;
    {
        std::lock_guard lock(mutex_);
        targets.reserve(subscribers_.size());
        for (auto it = subscribers_.begin(); it != subscribers_.end();) {
            if (auto s = it->lock()) {
                targets.push_back(std::move(s));
                ++it;
            } else {
                it = subscribers_.erase(it);
            }
        }
    }
    published_.add();
    // One post per I/O context carrying all of its sessions: a post per
    // session made the publishing thread (the writer) and the I/O thread
    // take turns on the context's queue lock thousands of times per event.
    std::vector<std::pair<net::any_io_executor, std::vector<std::shared_ptr<subscriber>>>> by_context;
    for (auto& target : targets) {
        auto where = target->executor();
        auto group = std::find_if(by_context.begin(), by_context.end(), [&](const auto& g) { return g.first == where; });
        if (group == by_context.end()) group = by_context.insert(by_context.end(), {where, {}});
        group->second.push_back(std::move(target));
    }
    for (auto& [where, group] : by_context)
        net::post(where, [shared, group = std::move(group)] {
            for (const auto& target : group) target->deliver(shared);
        });
}

void event_hub::subscribe(const std::shared_ptr<subscriber>& s) {
    bool closing;
    {
        std::lock_guard lock(mutex_);
        closing = shutting_down_;
        if (!closing) subscribers_.push_back(s);
    }
    if (closing) s->shut_down();
}

void event_hub::shut_down() {
    std::vector<std::shared_ptr<subscriber>> targets;
    {
        std::lock_guard lock(mutex_);
        shutting_down_ = true;
        for (auto& weak : subscribers_)
            if (auto s = weak.lock()) targets.push_back(std::move(s));
        subscribers_.clear();
    }
    for (auto& target : targets) target->shut_down();
}

bool event_hub::shutting_down() const {
    std::lock_guard lock(mutex_);
    return shutting_down_;
}

}  // namespace outagedesk::push
