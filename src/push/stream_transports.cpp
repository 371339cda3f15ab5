// The two transports of a push_session: SSE over the raw HTTP connection and
// WebSocket text frames, each over a plain or a TLS connection.
#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/push/push_session.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace outagedesk::push {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

constexpr bool is_tls(const beast::tcp_stream*) { return false; }
constexpr bool is_tls(const tls_stream*) { return true; }

// Plain connections close at once. TLS connections the server ends on
// purpose send close_notify first (async_shutdown), bounded by this.
constexpr std::chrono::seconds tls_close_timeout{5};

template <typename Stream>
class sse_session final : public push_session {
    static constexpr bool tls = is_tls(static_cast<Stream*>(nullptr));

public:
    sse_session(Stream stream, event_hub& hub, store::event_repository& events, event_filter filter,
                std::optional<std::int64_t> resume_after, stream_settings settings)
        : push_session(stream.get_executor(), hub, events, std::move(filter), resume_after, settings),
          stream_(std::move(stream)),
          write_timeout_(settings.write_timeout) {
        hub.sse_clients().add(1);
    }
    ~sse_session() override { hub().sse_clients().add(-1); }

    void start() {
        static const auto header = std::make_shared<const std::string>(
            "HTTP/1.1 200 OK\r\nServer: outagedesk\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
            "Cache-Control: no-cache\r\nConnection: close\r\nX-Accel-Buffering: no\r\n\r\n"
            ": stream open\n\n");
        auto self = std::static_pointer_cast<sse_session>(shared_from_this());
        send(header, 0, [self](beast::error_code ec) {
            if (ec) return self->finish();
            self->watch_for_disconnect();
            self->begin();
        });
    }

protected:
    void send(frame data, std::size_t from, std::function<void(beast::error_code)> done) override {
        beast::get_lowest_layer(stream_).expires_after(write_timeout_);
        const auto rest = net::buffer(*data) + from;
        if constexpr (tls) {
            writing_ = true;
            net::async_write(stream_, rest,
                             [self = std::static_pointer_cast<sse_session>(shared_from_this()), data,
                              done = std::move(done)](beast::error_code ec, std::size_t) {
                                 self->writing_ = false;
                                 done(ec);
                             });
        } else {
            net::async_write(stream_, rest,
                             [data, done = std::move(done)](beast::error_code ec, std::size_t) { done(ec); });
        }
    }
    std::size_t send_now(const std::string& data) override {
        if constexpr (tls) {
            return 0;
        } else {
            auto& socket = stream_.socket();
            beast::error_code ec;
            // Only this call's mode: asio's own operations are non-blocking
            // whatever it says.
            if (!socket.non_blocking()) socket.non_blocking(true, ec);
            if (ec) return 0;
            const auto sent = socket.write_some(net::buffer(data), ec);
            return ec ? 0 : sent;
        }
    }
    void close_transport() override {
        if constexpr (tls) {
            // With nothing being written, end TLS properly: cancel the pending
            // probe, whose handler then sends close_notify.
            if (probing_ && !writing_) {
                closing_gracefully_ = true;
                beast::get_lowest_layer(stream_).cancel();
                return;
            }
        }
        abort_transport();
    }
    frame frame_of(const hub_event& event) const override { return event.sse_frame; }
    frame notice(const std::string& text) const override {
        return std::make_shared<const std::string>(": " + text + "\n\n");
    }

private:
    void abort_transport() {
        beast::error_code ignored;
        beast::get_lowest_layer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(stream_).socket().close(ignored);
    }

    // The client never sends after its request; a completed read means it
    // went away (or misbehaves), either way the stream ends.
    void watch_for_disconnect() {
        auto self = std::static_pointer_cast<sse_session>(shared_from_this());
        if constexpr (tls) {
            // Through the TLS layer, and with no timer on the read side: the
            // probe stays pending for the life of the stream, while each
            // write still has its own timeout.
            beast::get_lowest_layer(stream_).expires_never();
            probing_ = true;
            stream_.async_read_some(net::buffer(probe_), [self](beast::error_code, std::size_t) {
                self->probing_ = false;
                if (self->closing_gracefully_) return self->send_close_notify();
                self->finish();
            });
        } else {
            stream_.socket().async_read_some(net::buffer(probe_),
                                             [self](beast::error_code, std::size_t) { self->finish(); });
        }
    }

    void send_close_notify() {
        beast::get_lowest_layer(stream_).expires_after(tls_close_timeout);
        stream_.async_shutdown([self = std::static_pointer_cast<sse_session>(shared_from_this())](beast::error_code) {
            self->abort_transport();
        });
    }

    Stream stream_;
    std::chrono::seconds write_timeout_;
    char probe_[64];
    // TLS only: the state of the graceful close.
    bool probing_ = false;
    bool writing_ = false;
    bool closing_gracefully_ = false;
};

template <typename Stream>
class ws_session final : public push_session {
    static constexpr bool tls = is_tls(static_cast<Stream*>(nullptr));

public:
    ws_session(Stream stream, event_hub& hub, store::event_repository& events, event_filter filter,
               std::optional<std::int64_t> resume_after, stream_settings settings)
        : push_session(stream.get_executor(), hub, events, std::move(filter), resume_after, settings),
          ws_(std::move(stream)),
          close_deadline_(ws_.get_executor()) {
        hub.ws_clients().add(1);
    }
    ~ws_session() override { hub().ws_clients().add(-1); }

    void start(beast::http::request<beast::http::string_body> request) {
        beast::get_lowest_layer(ws_).expires_never();
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& res) { res.set(beast::http::field::server, "outagedesk"); }));
        ws_.read_message_max(64 * 1024);
        auto self = std::static_pointer_cast<ws_session>(shared_from_this());
        ws_.async_accept(request, [self](beast::error_code ec) {
            if (ec) return self->finish();
            self->accepted_ = true;
            self->read_next();
            self->begin();
        });
    }

protected:
    void send(frame data, std::size_t from, std::function<void(beast::error_code)> done) override {
        ws_.text(true);
        ws_.async_write(net::buffer(*data) + from, [data, done = std::move(done)](beast::error_code ec, std::size_t) { done(ec); });
    }
    void close_transport() override {
        if constexpr (tls) {
            // A WebSocket close frame, then close_notify (Beast's teardown
            // of a TLS stream), within a deadline after which the socket is
            // simply closed.
            if (accepted_ && ws_.is_open()) {
                auto self = std::static_pointer_cast<ws_session>(shared_from_this());
                close_deadline_.expires_after(tls_close_timeout);
                close_deadline_.async_wait([self](beast::error_code ec) {
                    if (!ec) self->abort_transport();
                });
                ws_.async_close(websocket::close_code::going_away, [self](beast::error_code) {
                    self->close_deadline_.cancel();
                    self->abort_transport();
                });
                return;
            }
        }
        abort_transport();
    }
    frame frame_of(const hub_event& event) const override { return event.json; }
    frame notice(const std::string& text) const override {
        if (text == "keep-alive") return nullptr;  // WebSocket pings keep the connection alive
        return std::make_shared<const std::string>(nlohmann::json{{"type", "notice"}, {"message", text}}.dump());
    }

private:
    void abort_transport() {
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(ws_).socket().close(ignored);
    }

    void read_next() {
        auto self = std::static_pointer_cast<ws_session>(shared_from_this());
        ws_.async_read(incoming_, [self](beast::error_code ec, std::size_t) {
            if (ec) return self->finish();
            self->on_message();
            self->read_next();
        });
    }

    // {"resume": seq} replays after seq; {"types": [...]} narrows the stream.
    void on_message() {
        auto text = beast::buffers_to_string(incoming_.data());
        incoming_.consume(incoming_.size());
        try {
            auto doc = nlohmann::json::parse(text);
            if (auto it = doc.find("types"); it != doc.end() && it->is_array()) {
                std::set<std::string> types;
                for (const auto& t : *it)
                    if (t.is_string()) types.insert(t.get<std::string>());
                set_types(std::move(types));
            }
            if (auto it = doc.find("resume"); it != doc.end() && it->is_number_integer())
                resume_from(std::max<std::int64_t>(0, it->get<std::int64_t>()));
        } catch (const std::exception&) {
            // A malformed control message is ignored; the stream goes on.
        }
    }

    websocket::stream<Stream> ws_;
    beast::flat_buffer incoming_;
    net::steady_timer close_deadline_;
    bool accepted_ = false;
};

template <typename Stream>
void start_sse(Stream stream, event_hub& hub, store::event_repository& events, event_filter filter,
               std::optional<std::int64_t> resume_after, stream_settings settings) {
    auto session =
        std::make_shared<sse_session<Stream>>(std::move(stream), hub, events, std::move(filter), resume_after, settings);
    session->start();
}

template <typename Stream>
void start_ws(Stream stream, beast::http::request<beast::http::string_body> request, event_hub& hub,
              store::event_repository& events, event_filter filter, std::optional<std::int64_t> resume_after,
              stream_settings settings) {
    auto session =
        std::make_shared<ws_session<Stream>>(std::move(stream), hub, events, std::move(filter), resume_after, settings);
    session->start(std::move(request));
}

}  // namespace

void start_sse_session(beast::tcp_stream stream, beast::flat_buffer, event_hub& hub, store::event_repository& events,
                       event_filter filter, std::optional<std::int64_t> resume_after, stream_settings settings) {
    start_sse(std::move(stream), hub, events, std::move(filter), resume_after, settings);
}

void start_sse_session(tls_stream stream, beast::flat_buffer, event_hub& hub, store::event_repository& events,
                       event_filter filter, std::optional<std::int64_t> resume_after, stream_settings settings) {
    start_sse(std::move(stream), hub, events, std::move(filter), resume_after, settings);
}

void start_ws_session(beast::tcp_stream stream, beast::http::request<beast::http::string_body> request,
                      beast::flat_buffer, event_hub& hub, store::event_repository& events, event_filter filter,
                      std::optional<std::int64_t> resume_after, stream_settings settings) {
    start_ws(std::move(stream), std::move(request), hub, events, std::move(filter), resume_after, settings);
}

void start_ws_session(tls_stream stream, beast::http::request<beast::http::string_body> request, beast::flat_buffer,
                      event_hub& hub, store::event_repository& events, event_filter filter,
                      std::optional<std::int64_t> resume_after, stream_settings settings) {
    start_ws(std::move(stream), std::move(request), hub, events, std::move(filter), resume_after, settings);
}

}  // namespace outagedesk::push
