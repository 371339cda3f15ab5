#pragma once
// Webhook subscriptions and their deliveries. A subscription's cursor is the
// last event seq it is done with (delivered, dead, or not of its types); at
// most one delivery per subscription is pending, which keeps them in order.
#include "outagedesk/store/database.hpp"

#include <optional>
#include <string>
#include <vector>

namespace outagedesk::store {

struct webhook {
    std::int64_t id = 0;
    std::string url;
    std::vector<std::string> events;
    std::string secret;
    std::string created_at;
    std::string created_by;
    std::int64_t cursor = 0;
    bool deleted = false;
};

struct webhook_delivery {
    std::int64_t id = 0;
    std::int64_t webhook_id = 0;
    std::int64_t event_seq = 0;
    std::string event_type;
    std::string state;  // pending | delivered | dead
    std::int64_t attempts = 0;
    std::optional<std::int64_t> next_attempt_ms;  // Unix milliseconds
    std::optional<std::int64_t> last_status;
    std::string last_error;
    std::string created_at;
    std::string updated_at;
};

class webhook_repository {
public:
    explicit webhook_repository(database& db) : db_(db) {}

    // New subscriptions start after the newest event: they get what happens next.
    static webhook create(write_context& w, const std::string& url, const std::vector<std::string>& events,
                          const std::string& secret, const std::string& at, const std::string& actor);
    static bool remove(write_context& w, std::int64_t id, const std::string& at);
    static void start_delivery(write_context& w, std::int64_t webhook_id, std::int64_t seq, const std::string& type,
                               const std::string& at);
    static void record_attempt(write_context& w, const webhook_delivery& d, const std::string& at);
    static void advance(write_context& w, std::int64_t webhook_id, std::int64_t seq);

    std::vector<webhook> list_active();
    std::optional<webhook> find(std::int64_t id);
    std::vector<webhook_delivery> deliveries(std::int64_t webhook_id, std::size_t limit);
    std::optional<webhook_delivery> pending(std::int64_t webhook_id);

private:
    database& db_;
};

}  // namespace outagedesk::store
