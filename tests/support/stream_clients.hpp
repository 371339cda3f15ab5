#pragma once
// Test support for push: an SSE client over a raw socket, a WebSocket client,
// a connection that never reads (a stalled consumer), and a small HTTP
// receiver for webhook calls. The streaming clients run asynchronously on one
// io_context (an io_runner's thread) and record what arrives and when, so many
// of them can be measured at once without serialising on reads; the test
// thread reads their records under their own locks.
#include "support/server_process.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace outagedesk::test {

using stream_clock = std::chrono::steady_clock;

// Polls `condition` until it holds or `timeout` passes; returns whether it held.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// An io_context run by one background thread for as long as the runner
// lives. Declare it before the clients that use it, so it outlives them.
class io_runner {
public:
    io_runner();
    ~io_runner();
    io_runner(const io_runner&) = delete;
    io_runner& operator=(const io_runner&) = delete;
    boost::asio::io_context& io() { return io_; }

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
};

// One dispatched block of an SSE stream: an event (id/event/data) or a
// comment-only block such as ": stream open".
struct sse_message {
    std::optional<std::int64_t> id;
    std::string event;
    std::string data;
    std::vector<std::string> comments;  // the text after ':', one leading space removed
    stream_clock::time_point arrived;
    bool is_event() const { return id.has_value() || !event.empty() || !data.empty(); }
};

// Incremental parser of an SSE body (lines end in \n or \r\n; a blank line
// dispatches the block).
class sse_parser {
public:
    std::vector<sse_message> feed(std::string_view bytes, stream_clock::time_point arrived);

private:
    void line(std::string_view text);
    std::string partial_;
    sse_message current_;
    bool has_content_ = false;
};

// GET /v1/events (or any SSE target) over a raw socket.
class sse_client : public std::enable_shared_from_this<sse_client> {
public:
    static std::shared_ptr<sse_client> open(boost::asio::io_context& io, std::uint16_t port, const std::string& target,
                                            const header_list& headers = {});
    explicit sse_client(boost::asio::io_context& io);

    int status() const;                        // 0 until the response head arrived
    bool streaming() const;                    // 200 and the ": stream open" comment seen
    bool ended() const;                        // the connection ended (EOF, reset, error)
    std::string body() const;                  // what followed the head of a non-200 answer
    std::vector<sse_message> messages() const;  // every block, in order
    std::vector<sse_message> events() const;    // only the blocks carrying an event
    std::vector<std::int64_t> seqs() const;     // the ids of the events, in order
    void close();

private:
    void start(std::uint16_t port, std::string request);
    void read_more();
    void on_bytes(std::size_t n);

    boost::asio::ip::tcp::socket socket_;
    std::string request_;
    std::array<char, 16384> buffer_{};
    mutable std::mutex mutex_;
    int status_ = 0;
    bool head_done_ = false;
    bool streaming_ = false;
    bool ended_ = false;
    std::string head_;
    std::string body_;
    std::vector<sse_message> messages_;
    sse_parser parser_;
};

struct ws_message {
    std::string text;
    stream_clock::time_point arrived;
};

// GET /v1/ws through boost::beast::websocket.
class ws_client : public std::enable_shared_from_this<ws_client> {
public:
    static std::shared_ptr<ws_client> open(boost::asio::io_context& io, std::uint16_t port, const std::string& target,
                                           const header_list& headers = {});
    explicit ws_client(boost::asio::io_context& io);

    bool connected() const;          // the handshake succeeded
    bool ended() const;              // the handshake failed or the connection ended
    int handshake_status() const;    // HTTP status of the upgrade answer (101 on success)
    std::vector<ws_message> messages() const;
    // The messages parsed as JSON; those with a "seq" give seqs().
    std::vector<nlohmann::json> json_messages() const;
    std::vector<std::int64_t> seqs() const;
    void send(std::string text);
    std::size_t sent() const;  // messages completely handed to the socket
    void close();

private:
    void start(std::uint16_t port, std::string target, header_list headers);
    void read_next();
    void write_next();
    void finish();

    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    boost::beast::flat_buffer incoming_;
    boost::beast::websocket::response_type upgrade_answer_;
    std::deque<std::string> outgoing_;  // front is in flight
    bool writing_ = false;
    mutable std::mutex mutex_;
    bool connected_ = false;
    bool ended_ = false;
    int handshake_status_ = 0;
    std::size_t sent_ = 0;
    std::vector<ws_message> messages_;
};

// A client that sends its request and then never reads, with a tiny receive
// buffer set before connecting, so the server's writes to it stall.
class stalled_connection {
public:
    stalled_connection(std::uint16_t port, const std::string& target, const header_list& headers,
                       int receive_buffer_bytes);
    ~stalled_connection();
    struct drained {
        std::string bytes;   // everything received, head included
        bool ended = false;  // EOF or reset before the deadline
        std::string how;     // "eof", a reset's message, or "timeout"
    };
    // Widens the receive buffer, then reads everything until the peer closes
    // or `timeout` passes.
    drained drain(std::chrono::milliseconds timeout);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// One HTTP request the receiver got, and the status it answered.
struct received_request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    int answered = 0;
    stream_clock::time_point arrived;
    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? "" : it->second;
    }
};

// A tiny HTTP server on 127.0.0.1:0 in a background thread, standing in for
// a webhook target. It records each request and answers with the status a
// test programs (by the request's 0-based index), 200 by default.
class webhook_receiver {
public:
    webhook_receiver();
    ~webhook_receiver();
    webhook_receiver(const webhook_receiver&) = delete;
    webhook_receiver& operator=(const webhook_receiver&) = delete;

    std::uint16_t port() const;
    std::string url(const std::string& path = "/hook") const;
    void answer_with(std::function<int(std::size_t index, const received_request&)> decide);
    void answer_always(int status);
    std::vector<received_request> requests() const;
    std::size_t count() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace outagedesk::test
