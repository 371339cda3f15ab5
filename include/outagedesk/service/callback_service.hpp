#pragma once
// Promised callbacks: creating and completing them through the
// group-committing writer, listing them, and a background check on the
// io_context that finds callbacks gone overdue and emits one callback.due
// event for each (event log row and "notified" mark in one transaction, then
// the event sinks). Counts every callback once as kept (completed by its due
// time) or missed (overdue first). It never reads a request or renders HTTP.
#include "outagedesk/domain/callback.hpp"
#include "outagedesk/domain/role.hpp"
#include "outagedesk/service/events.hpp"
#include "outagedesk/service/incident_service.hpp"
#include "outagedesk/store/callback_repository.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace outagedesk::metrics {
class registry;
class counter;
}  // namespace outagedesk::metrics

namespace outagedesk::service {

struct callback_result {
    domain::callback callback;
    bool replayed = false;
};

using callback_done = std::function<void(std::exception_ptr, callback_result)>;

class callback_service {
public:
    callback_service(store::database& db, clock_fn clock, boost::asio::io_context& io, metrics::registry& metrics);

    void add_event_sink(event_sink sink) { sinks_.push_back(std::move(sink)); }

    // Validates (throws invalid_input) and queues the write. An absent agent
    // is the caller.
    void create(const domain::callback_fields& fields, const domain::principal& caller, std::optional<idempotency> key,
                callback_done done);
    // 404 for an unknown id, 409 when it is done already.
    void complete(const std::string& id, const std::string& actor, callback_done done);

    std::vector<domain::callback> list(domain::callback_filter filter, const std::string& agent,
                                       const std::string& customer_id, std::size_t limit);
    domain::sys_seconds now() const { return clock_(); }

    // Starts the overdue check: one pass every `period`, the next armed only
    // when the last has committed, so a slow store never piles passes up.
    void start(std::chrono::milliseconds period = std::chrono::seconds(1));
    // Cancels the timer; a pass in flight finishes but arms nothing.
    void stop();
    // One pass now; `done` (may be empty) runs on the writer thread after it.
    void check_due(std::function<void()> done = {});

private:
    void schedule();
    void publish(const published_event& event) const;

    store::database& db_;
    store::callback_repository callbacks_;
    clock_fn clock_;
    boost::asio::io_context& io_;
    std::vector<event_sink> sinks_;
    metrics::counter& kept_;
    metrics::counter& missed_;

    std::mutex timer_mutex_;  // the timer is armed from the io threads and the writer's completions
    boost::asio::steady_timer timer_;
    std::chrono::milliseconds period_{1000};
    std::atomic<bool> stopped_{false};
};

}  // namespace outagedesk::service
