#pragma once
// What services hand to push channels after a commit: one event, already
// serialised once as the JSON that SSE, WebSocket and webhooks all send.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace outagedesk::service {

struct published_event {
    std::int64_t seq;
    std::string type;
    std::string at;
    std::string json;  // {"seq","type","at", <subject>: {...}}
};

using event_sink = std::function<void(const published_event&)>;

// Builds the event JSON from its parts: `subject_key` is "incident", "alert"
// or "callback".
std::string event_json(std::int64_t seq, const std::string& type, const std::string& at,
                       const std::string& subject_key, const nlohmann::json& subject);

// The clock services read; tests may shift it (see clock.cpp).
using clock_fn = std::function<std::chrono::sys_seconds()>;
clock_fn system_clock();

}  // namespace outagedesk::service
