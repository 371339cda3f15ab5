#pragma once
// One live event stream to one client, whatever the transport (SSE or
// WebSocket): replay from the durable log after a resume position, then live
// events from the hub with no gap and no duplicate, through a bounded queue.
// A client that falls behind is cut off with a notice naming the seq to resume
// from. Everything runs on the connection's strand.
#include "outagedesk/push/event_hub.hpp"
#include "outagedesk/store/event_repository.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <optional>

namespace outagedesk::push {

struct stream_settings {
    std::size_t max_queue = 1024;  // events waiting for one client
    std::chrono::seconds heartbeat{15};
    std::chrono::seconds write_timeout{10};
    std::size_t replay_batch = 500;
};

class push_session : public subscriber, public std::enable_shared_from_this<push_session> {
public:
    push_session(boost::asio::any_io_executor strand, event_hub& hub, store::event_repository& events,
                 event_filter filter, std::optional<std::int64_t> resume_after, stream_settings settings);

    boost::asio::any_io_executor executor() const override { return strand_; }
    void deliver(const hub_event_ptr& event) override;
    void shut_down() override;

protected:
    using frame = std::shared_ptr<const std::string>;
    // Starts replay and live delivery; call on the strand once the transport is ready.
    void begin();
    // Replays everything after `seq` again (a WebSocket client's {"resume": seq}).
    void resume_from(std::int64_t seq);
    void set_types(std::set<std::string> types);
    void finish();
    bool finished() const noexcept { return closed_; }
    event_hub& hub() noexcept { return hub_; }

    // Writes data[from..] and calls done once it is all on the wire.
    virtual void send(frame data, std::size_t from, std::function<void(boost::beast::error_code)> done) = 0;
    // Writes as much of data as the socket takes without waiting and returns
    // how much that was (0 on any error: send() then meets and reports it).
    // A transport that cannot write without its own state machine (TLS,
    // WebSocket) leaves it at 0.
    virtual std::size_t send_now(const std::string& /*data*/) { return 0; }
    virtual void close_transport() = 0;
    virtual frame frame_of(const hub_event& event) const = 0;
    // A transport-level notice (an SSE comment); nullptr when the transport has none.
    virtual frame notice(const std::string& text) const = 0;

private:
    struct queued {
        frame data;
        std::int64_t seq;  // 0 for notices
        std::chrono::steady_clock::time_point published;
    };
    void offer(const hub_event_ptr& event, bool live);
    void replay_step();
    void write_next();
    void on_written(boost::beast::error_code ec);
    void written(const queued& done);
    void overflow();
    void schedule_heartbeat();

    boost::asio::any_io_executor strand_;
    event_hub& hub_;
    store::event_repository& events_;
    event_filter filter_;
    std::optional<std::int64_t> resume_after_;
    stream_settings settings_;

    std::deque<queued> queue_;
    std::deque<hub_event_ptr> held_live_;  // live events that arrived during replay
    std::int64_t position_ = 0;            // highest seq considered
    std::int64_t last_written_ = 0;        // highest seq handed to the socket
    bool replaying_ = false;
    bool writing_ = false;
    bool closing_ = false;
    bool closed_ = false;
    boost::asio::steady_timer heartbeat_;
    boost::asio::steady_timer cutoff_;
};

using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// Server-Sent Events over the raw connection (plain or TLS).
void start_sse_session(boost::beast::tcp_stream stream, boost::beast::flat_buffer buffer, event_hub& hub,
                       store::event_repository& events, event_filter filter, std::optional<std::int64_t> resume_after,
                       stream_settings settings);
void start_sse_session(tls_stream stream, boost::beast::flat_buffer buffer, event_hub& hub,
                       store::event_repository& events, event_filter filter, std::optional<std::int64_t> resume_after,
                       stream_settings settings);

// WebSocket: accepts the upgrade request, then sends events as text frames.
void start_ws_session(boost::beast::tcp_stream stream,
                      boost::beast::http::request<boost::beast::http::string_body> request,
                      boost::beast::flat_buffer buffer,
                      event_hub& hub, store::event_repository& events, event_filter filter,
                      std::optional<std::int64_t> resume_after, stream_settings settings);
void start_ws_session(tls_stream stream, boost::beast::http::request<boost::beast::http::string_body> request,
                      boost::beast::flat_buffer buffer, event_hub& hub, store::event_repository& events,
                      event_filter filter, std::optional<std::int64_t> resume_after, stream_settings settings);

}  // namespace outagedesk::push
