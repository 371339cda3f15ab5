// The two transports of a push_session: SSE over the raw HTTP connection and
// WebSocket text frames.
#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/push/push_session.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace outagedesk::push {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

class sse_session final : public push_session {
public:
    sse_session(beast::tcp_stream stream, event_hub& hub, store::event_repository& events, event_filter filter,
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
        send(header, [self](beast::error_code ec) {
            if (ec) return self->finish();
            self->watch_for_disconnect();
            self->begin();
        });
    }

protected:
    void send(frame data, std::function<void(beast::error_code)> done) override {
        stream_.expires_after(write_timeout_);
        net::async_write(stream_, net::buffer(*data),
                         [data, done = std::move(done)](beast::error_code ec, std::size_t) { done(ec); });
    }
    void close_transport() override {
        beast::error_code ignored;
        stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
        stream_.socket().close(ignored);
    }
    frame frame_of(const hub_event& event) const override { return event.sse_frame; }
    frame notice(const std::string& text) const override {
        return std::make_shared<const std::string>(": " + text + "\n\n");
    }

private:
    // The client never sends after its request; a completed read means it
    // went away (or misbehaves), either way the stream ends.
    void watch_for_disconnect() {
        auto self = std::static_pointer_cast<sse_session>(shared_from_this());
        stream_.socket().async_read_some(net::buffer(probe_), [self](beast::error_code, std::size_t) { self->finish(); });
    }

    beast::tcp_stream stream_;
    std::chrono::seconds write_timeout_;
    char probe_[64];
};

class ws_session final : public push_session {
public:
    ws_session(beast::tcp_stream stream, event_hub& hub, store::event_repository& events, event_filter filter,
               std::optional<std::int64_t> resume_after, stream_settings settings)
        : push_session(stream.get_executor(), hub, events, std::move(filter), resume_after, settings),
          ws_(std::move(stream)) {
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
            self->read_next();
            self->begin();
        });
    }

protected:
    void send(frame data, std::function<void(beast::error_code)> done) override {
        ws_.text(true);
        ws_.async_write(net::buffer(*data), [data, done = std::move(done)](beast::error_code ec, std::size_t) { done(ec); });
    }
    void close_transport() override {
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(ws_).socket().close(ignored);
    }
    frame frame_of(const hub_event& event) const override { return event.json; }
    frame notice(const std::string& text) const override {
        if (text == "keep-alive") return nullptr;  // WebSocket pings keep the connection alive
        return std::make_shared<const std::string>(nlohmann::json{{"type", "notice"}, {"message", text}}.dump());
    }

private:
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

    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer incoming_;
};

}  // namespace

void start_sse_session(beast::tcp_stream stream, beast::flat_buffer, event_hub& hub, store::event_repository& events,
                       event_filter filter, std::optional<std::int64_t> resume_after, stream_settings settings) {
    auto session = std::make_shared<sse_session>(std::move(stream), hub, events, std::move(filter), resume_after, settings);
    session->start();
}

void start_ws_session(beast::tcp_stream stream, beast::http::request<beast::http::string_body> request,
                      beast::flat_buffer, event_hub& hub, store::event_repository& events, event_filter filter,
                      std::optional<std::int64_t> resume_after, stream_settings settings) {
    auto session = std::make_shared<ws_session>(std::move(stream), hub, events, std::move(filter), resume_after, settings);
    session->start(std::move(request));
}

}  // namespace outagedesk::push
