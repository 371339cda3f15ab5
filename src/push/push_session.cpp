#include "outagedesk/push/push_session.hpp"

#include "outagedesk/metrics/registry.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <spdlog/spdlog.h>

namespace outagedesk::push {

namespace net = boost::asio;

push_session::push_session(net::any_io_executor strand, event_hub& hub, store::event_repository& events,
                           event_filter filter, std::optional<std::int64_t> resume_after, stream_settings settings)
    : strand_(strand),
      hub_(hub),
      events_(events),
      filter_(std::move(filter)),
      resume_after_(resume_after),
      settings_(settings),
      heartbeat_(strand),
      cutoff_(strand) {}

void push_session::shut_down() {
    net::post(strand_, [self = shared_from_this()] { self->finish(); });
}

void push_session::begin() {
    // Subscribe before reading the log: anything committed after this point
    // arrives live (held until replay ends), anything before is in the log.
    hub_.subscribe(std::static_pointer_cast<subscriber>(shared_from_this()));
    schedule_heartbeat();
    if (resume_after_) {
        position_ = *resume_after_;
        replaying_ = true;
        replay_step();
    }
}

void push_session::resume_from(std::int64_t seq) {
    if (closed_) return;
    // Drop what is queued but not yet on the wire; the replay sends it again.
    std::int64_t in_flight = 0;
    if (writing_ && !queue_.empty()) {
        in_flight = queue_.front().seq;
        queue_.erase(queue_.begin() + 1, queue_.end());
    } else {
        queue_.clear();
    }
    position_ = std::max(seq, in_flight);
    if (!replaying_) {
        replaying_ = true;
        if (!writing_) replay_step();
    }
}

void push_session::set_types(std::set<std::string> types) { filter_.types = std::move(types); }

void push_session::deliver(const hub_event_ptr& event) {
    if (closed_ || closing_) return;
    if (replaying_) {
        held_live_.push_back(event);
        return;
    }
    offer(event, true);
    write_next();
}

void push_session::offer(const hub_event_ptr& event, bool live) {
    if (event->seq <= position_) return;  // already sent by the replay
    position_ = event->seq;
    if (!filter_.matches(*event)) return;
    if (live && queue_.size() >= settings_.max_queue) return overflow();
    queue_.push_back({frame_of(*event), event->seq, event->published});
}

void push_session::replay_step() {
    if (closed_ || closing_) return;
    std::vector<store::stored_event> batch;
    try {
        batch = events_.after(position_, settings_.replay_batch);
    } catch (const std::exception& e) {
        spdlog::warn("event replay failed: {}", e.what());
        return finish();
    }
    for (const auto& stored : batch)
        offer(make_hub_event(stored.seq, stored.type, stored_event_json(stored.seq, stored.type, stored.at, stored.payload)),
              false);
    if (batch.size() < settings_.replay_batch) {
        replaying_ = false;
        auto held = std::move(held_live_);
        held_live_.clear();
        for (auto& event : held) offer(event, true);
    }
    write_next();
}

void push_session::write_next() {
    // Most frames fit in the socket's send buffer: written at once, they need
    // no timer and no completion to schedule, which is most of the cost of
    // one client in a fan-out to thousands.
    while (!writing_ && !closed_ && !queue_.empty()) {
        const auto sent = send_now(*queue_.front().data);
        if (sent < queue_.front().data->size()) {
            writing_ = true;
            send(queue_.front().data, sent, [self = shared_from_this()](boost::beast::error_code ec) { self->on_written(ec); });
            return;
        }
        written(queue_.front());
        queue_.pop_front();
    }
    if (writing_ || closed_) return;
    if (closing_) return finish();
    if (replaying_) replay_step();
}

void push_session::on_written(boost::beast::error_code ec) {
    writing_ = false;
    if (ec) {
        // A write that timed out is a client too slow to keep up, as much as
        // one whose queue overflowed.
        if (ec == boost::beast::error::timeout && !closing_) hub_.dropped_clients().add();
        return finish();
    }
    if (!queue_.empty()) {
        written(queue_.front());
        queue_.pop_front();
    }
    write_next();
}

void push_session::written(const queued& done) {
    if (done.seq <= 0) return;
    last_written_ = done.seq;
    if (done.published != std::chrono::steady_clock::time_point{})
        hub_.fanout_latency().observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - done.published).count());
}

void push_session::overflow() {
    hub_.dropped_clients().add();
    closing_ = true;
    // Keep what is on the wire; replace the rest with one notice that says
    // where to resume, then give the client a moment to take it.
    if (writing_ && !queue_.empty())
        queue_.erase(queue_.begin() + 1, queue_.end());
    else
        queue_.clear();
    // The notice goes out after the frame on the wire, so a client that reads
    // it has that frame too: resume after it.
    const std::int64_t resume_at = writing_ && !queue_.empty() && queue_.front().seq > 0 ? queue_.front().seq : last_written_;
    if (auto text = notice("too slow; reconnect with Last-Event-ID: " + std::to_string(resume_at)))
        queue_.push_back({text, 0, {}});
    cutoff_.expires_after(std::chrono::seconds(2));
    cutoff_.async_wait([self = shared_from_this()](boost::beast::error_code ec) {
        if (!ec) self->finish();
    });
    write_next();
}

void push_session::schedule_heartbeat() {
    heartbeat_.expires_after(settings_.heartbeat);
    heartbeat_.async_wait([self = shared_from_this()](boost::beast::error_code ec) {
        if (ec || self->closed_) return;
        if (self->queue_.empty() && !self->closing_)
            if (auto text = self->notice("keep-alive")) {
                self->queue_.push_back({text, 0, {}});
                self->write_next();
            }
        self->schedule_heartbeat();
    });
}

void push_session::finish() {
    if (closed_) return;
    closed_ = true;
    heartbeat_.cancel();
    cutoff_.cancel();
    queue_.clear();
    held_live_.clear();
    close_transport();
}

}  // namespace outagedesk::push
