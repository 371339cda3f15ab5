#include "outagedesk/service/events.hpp"

#include <nlohmann/json.hpp>

namespace outagedesk::service {

std::string event_json(std::int64_t seq, const std::string& type, const std::string& at,
                       const std::string& subject_key, const nlohmann::json& subject) {
    nlohmann::json out = {{"seq", seq}, {"type", type}, {"at", at}, {subject_key, subject}};
    return out.dump();
}

clock_fn system_clock() {
    return [] { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); };
}

}  // namespace outagedesk::service
