#include "outagedesk/service/change_waiters.hpp"

#include <boost/asio/post.hpp>

#include <vector>

namespace outagedesk::service {

void change_waiters::wait(std::chrono::milliseconds timeout, std::function<bool()> changed,
                          std::function<void()> on_change, std::function<void()> on_timeout) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, timeout);
    std::uint64_t id;
    {
        std::lock_guard lock(mutex_);
        id = ++next_id_;
        waiters_.emplace(id, waiter{std::move(changed), std::move(on_change), std::move(on_timeout), timer});
    }
    timer->async_wait([this, id](const boost::system::error_code& ec) {
        if (!ec) expire(id);
    });
    // A change committed between the caller's check and the registration
    // above would otherwise go unnoticed until the timeout.
    boost::asio::post(io_, [this, id] { check(id); });
}

void change_waiters::check(std::uint64_t id) {
    std::function<bool()> changed;
    {
        std::lock_guard lock(mutex_);
        auto it = waiters_.find(id);
        if (it == waiters_.end()) return;
        changed = it->second.changed;
    }
    if (!changed()) return;
    std::function<void()> on_change;
    {
        // Whoever removes the waiter from the map answers it: a timeout that
        // fired meanwhile has removed it already.
        std::lock_guard lock(mutex_);
        auto it = waiters_.find(id);
        if (it == waiters_.end()) return;
        on_change = std::move(it->second.on_change);
        it->second.timer->cancel();
        waiters_.erase(it);
    }
    on_change();
}

void change_waiters::expire(std::uint64_t id) {
    std::function<void()> on_timeout;
    {
        std::lock_guard lock(mutex_);
        auto it = waiters_.find(id);
        if (it == waiters_.end()) return;
        on_timeout = std::move(it->second.on_timeout);
        waiters_.erase(it);
    }
    on_timeout();
}

void change_waiters::notify() {
    boost::asio::post(io_, [this] {
        std::vector<std::uint64_t> ids;
        {
            std::lock_guard lock(mutex_);
            for (auto& [id, w] : waiters_) ids.push_back(id);
        }
        for (auto id : ids) check(id);
    });
}

std::size_t change_waiters::size() const {
    std::lock_guard lock(mutex_);
    return waiters_.size();
}

}  // namespace outagedesk::service
