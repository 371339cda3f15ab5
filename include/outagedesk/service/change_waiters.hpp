#pragma once
// Long-poll support: requests that wait for "something changed" or a
// deadline, whichever comes first. Each waiter is resumed exactly once, on the
// io_context, never on the thread that signalled the change.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace outagedesk::service {

class change_waiters {
public:
    explicit change_waiters(boost::asio::io_context& io) : io_(io) {}

    // After each change `changed` is asked whether the waiter's answer is
    // different now; the first time it is, `on_change` answers. If the
    // timeout comes first, `on_timeout` answers. Exactly one of them runs.
    void wait(std::chrono::milliseconds timeout, std::function<bool()> changed, std::function<void()> on_change,
              std::function<void()> on_timeout);
    // Wakes every waiter; callable from any thread.
    void notify();
    std::size_t size() const;

private:
    struct waiter {
        std::function<bool()> changed;
        std::function<void()> on_change;
        std::function<void()> on_timeout;
        std::shared_ptr<boost::asio::steady_timer> timer;
    };
    void expire(std::uint64_t id);
    // Answers one waiter if its answer has changed.
    void check(std::uint64_t id);

    boost::asio::io_context& io_;
    mutable std::mutex mutex_;
    std::uint64_t next_id_ = 0;
    std::map<std::uint64_t, waiter> waiters_;
};

}  // namespace outagedesk::service
