#pragma once
// Webhook subscriptions: validated, stored, listed, removed. Delivery itself
// is the webhook_worker's job.
#include "outagedesk/store/webhook_repository.hpp"

#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace outagedesk::service {

// The event types a subscription may name ("*" for all).
const std::vector<std::string>& known_event_types();

class webhook_service {
public:
    explicit webhook_service(store::database& db) : db_(db), hooks_(db) {}

    // Throws invalid_input for a bad url, event type or secret.
    void create(const std::string& url, const std::vector<std::string>& events, const std::string& secret,
                const std::string& actor, std::function<void(std::exception_ptr, store::webhook)> done);
    void remove(std::int64_t id, const std::string& actor, std::function<void(std::exception_ptr)> done);
    std::vector<store::webhook> list() { return hooks_.list_active(); }
    std::optional<store::webhook> find(std::int64_t id) { return hooks_.find(id); }
    std::vector<store::webhook_delivery> deliveries(std::int64_t id, std::size_t limit) { return hooks_.deliveries(id, limit); }

private:
    store::database& db_;
    store::webhook_repository hooks_;
};

}  // namespace outagedesk::service
