#pragma once
// Reading the durable event log back: replay after a seq for reconnecting
// clients and webhook deliveries, and pruning past the retention period.
#include "outagedesk/store/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace outagedesk::store {

struct stored_event {
    std::int64_t seq;
    std::string type;
    std::string payload;  // the subject's JSON (incident, alert or callback)
    std::string at;
};

class event_repository {
public:
    explicit event_repository(database& db) : db_(db) {}

    // Events with seq > after, oldest first, at most `limit`.
    std::vector<stored_event> after(std::int64_t after, std::size_t limit);
    std::int64_t last_seq();
    std::optional<stored_event> find(std::int64_t seq);
    // Deletes events older than `before` (RFC 3339), keeping the newest one so
    // seq never restarts. Returns how many were deleted.
    static std::int64_t prune(write_context& w, const std::string& before);

private:
    database& db_;
};

}  // namespace outagedesk::store
