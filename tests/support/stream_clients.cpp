#include "support/stream_clients.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <cctype>
#include <stdexcept>

namespace outagedesk::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {
tcp::endpoint loopback(std::uint16_t port) { return {net::ip::make_address("127.0.0.1"), port}; }

std::string lower(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}
}  // namespace

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = stream_clock::now() + timeout;
    for (;;) {
        if (condition()) return true;
        if (stream_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

// ---------------------------------------------------------------- io_runner

io_runner::io_runner() : work_(net::make_work_guard(io_)), thread_([this] { io_.run(); }) {}

io_runner::~io_runner() {
    work_.reset();
    io_.stop();
    thread_.join();
}

// --------------------------------------------------------------- sse_parser

std::vector<sse_message> sse_parser::feed(std::string_view bytes, stream_clock::time_point arrived) {
    std::vector<sse_message> out;
    partial_.append(bytes);
    std::size_t start = 0;
    for (;;) {
        auto end = partial_.find('\n', start);
        if (end == std::string::npos) break;
        std::string_view text(partial_.data() + start, end - start);
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        start = end + 1;
        if (text.empty()) {
            if (has_content_) {
                current_.arrived = arrived;
                out.push_back(std::move(current_));
            }
            current_ = sse_message{};
            has_content_ = false;
            continue;
        }
        line(text);
    }
    partial_.erase(0, start);
    return out;
}

void sse_parser::line(std::string_view text) {
    has_content_ = true;
    auto colon = text.find(':');
    std::string_view field = text.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field.empty()) {
        current_.comments.emplace_back(value);
    } else if (field == "id") {
        current_.id = std::stoll(std::string(value));
    } else if (field == "event") {
        current_.event = std::string(value);
    } else if (field == "data") {
        if (!current_.data.empty()) current_.data += '\n';
        current_.data += value;
    }
}

// --------------------------------------------------------------- sse_client

sse_client::sse_client(net::io_context& io) : socket_(io) {}

std::shared_ptr<sse_client> sse_client::open(net::io_context& io, std::uint16_t port, const std::string& target,
                                             const header_list& headers) {
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    request += "\r\n";
    auto client = std::make_shared<sse_client>(io);
    net::post(io, [client, port, request = std::move(request)]() mutable { client->start(port, std::move(request)); });
    return client;
}

void sse_client::start(std::uint16_t port, std::string request) {
    request_ = std::move(request);
    auto self = shared_from_this();
    socket_.async_connect(loopback(port), [self](beast::error_code ec) {
        if (ec) {
            std::lock_guard lock(self->mutex_);
            self->ended_ = true;
            return;
        }
        net::async_write(self->socket_, net::buffer(self->request_), [self](beast::error_code wec, std::size_t) {
            if (wec) {
                std::lock_guard lock(self->mutex_);
                self->ended_ = true;
                return;
            }
            self->read_more();
        });
    });
}

void sse_client::read_more() {
    auto self = shared_from_this();
    socket_.async_read_some(net::buffer(buffer_), [self](beast::error_code ec, std::size_t n) {
        if (n > 0) self->on_bytes(n);
        if (ec) {
            beast::error_code ignored;
            self->socket_.close(ignored);
            std::lock_guard lock(self->mutex_);
            self->ended_ = true;
            return;
        }
        self->read_more();
    });
}

void sse_client::on_bytes(std::size_t n) {
    const auto now = stream_clock::now();
    std::lock_guard lock(mutex_);
    std::string_view bytes(buffer_.data(), n);
    std::string rest;
    if (!head_done_) {
        head_.append(bytes);
        auto end = head_.find("\r\n\r\n");
        if (end == std::string::npos) return;
        head_done_ = true;
        rest = head_.substr(end + 4);
        head_.resize(end);
        auto space = head_.find(' ');
        status_ = space == std::string::npos ? -1 : std::atoi(head_.c_str() + space + 1);
        bytes = rest;
    }
    if (status_ != 200) {
        body_.append(bytes);
        return;
    }
    for (auto& m : parser_.feed(bytes, now)) {
        for (const auto& c : m.comments)
            if (c == "stream open") streaming_ = true;
        messages_.push_back(std::move(m));
    }
}

int sse_client::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

bool sse_client::streaming() const {
    std::lock_guard lock(mutex_);
    return streaming_;
}

bool sse_client::ended() const {
    std::lock_guard lock(mutex_);
    return ended_;
}

std::string sse_client::body() const {
    std::lock_guard lock(mutex_);
    return body_;
}

std::vector<sse_message> sse_client::messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
}

std::vector<sse_message> sse_client::events() const {
    std::lock_guard lock(mutex_);
    std::vector<sse_message> out;
    for (const auto& m : messages_)
        if (m.is_event()) out.push_back(m);
    return out;
}

std::vector<std::int64_t> sse_client::seqs() const {
    std::lock_guard lock(mutex_);
    std::vector<std::int64_t> out;
    for (const auto& m : messages_)
        if (m.id) out.push_back(*m.id);
    return out;
}

void sse_client::close() {
    net::post(socket_.get_executor(), [self = shared_from_this()] {
        beast::error_code ignored;
        self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
        self->socket_.close(ignored);
    });
}

// ---------------------------------------------------------------- ws_client

ws_client::ws_client(net::io_context& io) : ws_(io) {}

std::shared_ptr<ws_client> ws_client::open(net::io_context& io, std::uint16_t port, const std::string& target,
                                           const header_list& headers) {
    auto client = std::make_shared<ws_client>(io);
    net::post(io, [client, port, target, headers] { client->start(port, target, headers); });
    return client;
}

void ws_client::start(std::uint16_t port, std::string target, header_list headers) {
    auto self = shared_from_this();
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    beast::get_lowest_layer(ws_).async_connect(loopback(port), [self, port, target, headers](beast::error_code ec) {
        if (ec) return self->finish();
        beast::get_lowest_layer(self->ws_).expires_never();
        self->ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        self->ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
            for (const auto& [name, value] : headers) req.set(name, value);
        }));
        self->ws_.async_handshake(self->upgrade_answer_, "127.0.0.1:" + std::to_string(port), target,
                                  [self](beast::error_code hec) {
                                      {
                                          std::lock_guard lock(self->mutex_);
                                          self->handshake_status_ = self->upgrade_answer_.result_int();
                                          if (!hec) self->connected_ = true;
                                      }
                                      if (hec) return self->finish();
                                      self->read_next();
                                  });
    });
}

void ws_client::read_next() {
    auto self = shared_from_this();
    ws_.async_read(incoming_, [self](beast::error_code ec, std::size_t) {
        if (ec) return self->finish();
        ws_message m{beast::buffers_to_string(self->incoming_.data()), stream_clock::now()};
        self->incoming_.consume(self->incoming_.size());
        {
            std::lock_guard lock(self->mutex_);
            self->messages_.push_back(std::move(m));
        }
        self->read_next();
    });
}

void ws_client::send(std::string text) {
    net::post(ws_.get_executor(), [self = shared_from_this(), text = std::move(text)]() mutable {
        self->outgoing_.push_back(std::move(text));
        self->write_next();
    });
}

void ws_client::write_next() {
    if (writing_ || outgoing_.empty()) return;
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(outgoing_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
        self->writing_ = false;
        self->outgoing_.pop_front();
        if (ec) return self->finish();
        {
            std::lock_guard lock(self->mutex_);
            ++self->sent_;
        }
        self->write_next();
    });
}

void ws_client::finish() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    std::lock_guard lock(mutex_);
    ended_ = true;
}

void ws_client::close() {
    net::post(ws_.get_executor(), [self = shared_from_this()] { self->finish(); });
}

std::size_t ws_client::sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
}

bool ws_client::connected() const {
    std::lock_guard lock(mutex_);
    return connected_;
}

bool ws_client::ended() const {
    std::lock_guard lock(mutex_);
    return ended_;
}

int ws_client::handshake_status() const {
    std::lock_guard lock(mutex_);
    return handshake_status_;
}

std::vector<ws_message> ws_client::messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
}

std::vector<nlohmann::json> ws_client::json_messages() const {
    std::vector<nlohmann::json> out;
    for (const auto& m : messages()) out.push_back(nlohmann::json::parse(m.text));
    return out;
}

std::vector<std::int64_t> ws_client::seqs() const {
    std::vector<std::int64_t> out;
    for (const auto& doc : json_messages())
        if (doc.contains("seq")) out.push_back(doc["seq"].get<std::int64_t>());
    return out;
}

// ------------------------------------------------------- stalled_connection

struct stalled_connection::impl {
    net::io_context io;
    tcp::socket socket{io};
};

stalled_connection::stalled_connection(std::uint16_t port, const std::string& target, const header_list& headers,
                                       int receive_buffer_bytes)
    : impl_(std::make_unique<impl>()) {
    impl_->socket.open(tcp::v4());
    // Set before connecting so the advertised window stays small.
    impl_->socket.set_option(net::socket_base::receive_buffer_size(receive_buffer_bytes));
    impl_->socket.connect(loopback(port));
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    request += "\r\n";
    net::write(impl_->socket, net::buffer(request));
}

stalled_connection::~stalled_connection() = default;

stalled_connection::drained stalled_connection::drain(std::chrono::milliseconds timeout) {
    drained out;
    // Now read as fast as the server will send: a wider window drains what
    // its kernel still holds for us within a moment.
    beast::error_code ignored;
    impl_->socket.set_option(net::socket_base::receive_buffer_size(4 * 1024 * 1024), ignored);
    beast::tcp_stream stream(std::move(impl_->socket));
    const auto deadline = stream_clock::now() + timeout;
    std::array<char, 65536> chunk{};
    std::function<void()> step = [&] {
        stream.expires_at(deadline);
        stream.async_read_some(net::buffer(chunk), [&](beast::error_code ec, std::size_t n) {
            out.bytes.append(chunk.data(), n);
            if (!ec) return step();
            if (ec == beast::error::timeout) {
                out.how = "timeout";
            } else {
                out.ended = true;
                out.how = ec == net::error::eof ? "eof" : ec.message();
            }
        });
    };
    step();
    impl_->io.run();
    impl_->io.restart();
    return out;
}

// --------------------------------------------------------- webhook_receiver

struct webhook_receiver::impl {
    net::io_context io;
    tcp::acceptor acceptor{io};
    std::uint16_t port = 0;
    mutable std::mutex mutex;
    std::vector<received_request> requests;
    std::function<int(std::size_t, const received_request&)> decide = [](std::size_t, const received_request&) { return 200; };
    std::thread thread;

    void accept();
};

namespace {
// One connection: read one request, record it, answer, close.
class receiver_connection : public std::enable_shared_from_this<receiver_connection> {
public:
    using record_fn = std::function<int(received_request)>;
    receiver_connection(tcp::socket socket, record_fn record) : stream_(std::move(socket)), record_(std::move(record)) {}

    void start() {
        stream_.expires_after(std::chrono::seconds(30));
        parser_.body_limit(16 * 1024 * 1024);
        http::async_read(stream_, buffer_, parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return;
            self->answer();
        });
    }

private:
    void answer() {
        auto& req = parser_.get();
        received_request r;
        r.method = std::string(req.method_string());
        r.target = std::string(req.target());
        for (const auto& field : req) r.headers[lower(std::string(field.name_string()))] = std::string(field.value());
        r.body = req.body();
        r.arrived = stream_clock::now();
        const int status = record_(std::move(r));
        res_.result(static_cast<unsigned>(status));
        res_.version(11);
        res_.set(http::field::content_type, "text/plain");
        res_.body() = status >= 200 && status < 300 ? "ok" : "failing on purpose";
        res_.keep_alive(false);
        res_.prepare_payload();
        http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code, std::size_t) {
            beast::error_code ignored;
            self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        });
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::request_parser<http::string_body> parser_;
    http::response<http::string_body> res_;
    record_fn record_;
};
}  // namespace

void webhook_receiver::impl::accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
        if (ec) {
            if (ec == net::error::operation_aborted) return;
        } else {
            std::make_shared<receiver_connection>(std::move(socket), [this](received_request r) {
                std::lock_guard lock(mutex);
                const int status = decide(requests.size(), r);
                r.answered = status;
                requests.push_back(std::move(r));
                return status;
            })->start();
        }
        accept();
    });
}

webhook_receiver::webhook_receiver() : impl_(std::make_unique<impl>()) {
    tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(net::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen();
    impl_->port = impl_->acceptor.local_endpoint().port();
    impl_->accept();
    impl_->thread = std::thread([i = impl_.get()] { i->io.run(); });
}

webhook_receiver::~webhook_receiver() {
    impl_->io.stop();
    impl_->thread.join();
}

std::uint16_t webhook_receiver::port() const { return impl_->port; }

std::string webhook_receiver::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(impl_->port) + path;
}

void webhook_receiver::answer_with(std::function<int(std::size_t, const received_request&)> decide) {
    std::lock_guard lock(impl_->mutex);
    impl_->decide = std::move(decide);
}

void webhook_receiver::answer_always(int status) {
    answer_with([status](std::size_t, const received_request&) { return status; });
}

std::vector<received_request> webhook_receiver::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->requests;
}

std::size_t webhook_receiver::count() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->requests.size();
}

}  // namespace outagedesk::test
