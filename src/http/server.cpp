#include "outagedesk/http/server.hpp"

#include "outagedesk/http/errors.hpp"
#include "outagedesk/metrics/registry.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <limits>
#include <random>

namespace outagedesk::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {
// Bounds the close_notify exchange when a TLS connection ends.
constexpr std::chrono::seconds tls_close_timeout{5};

bool acceptable_request_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
    return true;
}
}  // namespace

// One client connection over `Stream`: beast::tcp_stream, or tls_stream
// after a TLS handshake. Reads are sequential: the next request is read only
// after the previous answer is written, so at most one write is in flight.
template <typename Stream>
class http_session final : public connection, public std::enable_shared_from_this<http_session<Stream>> {
    static constexpr bool tls = std::is_same_v<Stream, tls_stream>;

public:
    template <typename... StreamArgs>
    http_session(std::shared_ptr<server> owner, std::string remote_address, StreamArgs&&... stream_args)
        : stream_(std::forward<StreamArgs>(stream_args)...),
          owner_(std::move(owner)),
          remote_address_(std::move(remote_address)) {}

    void start() {
        if constexpr (tls)
            net::dispatch(stream_.get_executor(), beast::bind_front_handler(&http_session::handshake, this->shared_from_this()));
        else
            net::dispatch(stream_.get_executor(),
                          beast::bind_front_handler(&http_session::wait_for_request, this->shared_from_this()));
    }

    void close_if_idle() override {
        if (handed_over_ || tls_closing_) return;
        if (!idle_) {
            close_after_response_ = true;
        } else if constexpr (tls) {
            // A read (or the handshake) is pending on the TLS stream; cancel
            // it, and its handler closes with close_notify.
            close_after_response_ = true;
            lowest().cancel();
        } else {
            close();
        }
    }

    net::any_io_executor executor() override { return stream_.get_executor(); }

    ~http_session() { owner_->session_ended(remote_address_); }

private:
    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    void handshake() {
        lowest().expires_after(owner_->limits().header_read_timeout);
        stream_.async_handshake(net::ssl::stream_base::server,
                                beast::bind_front_handler(&http_session::on_handshake, this->shared_from_this()));
    }

    void on_handshake(beast::error_code ec) {
        if (ec) {
            // Plain HTTP on the TLS port, old protocol versions, scanners.
            spdlog::debug("TLS handshake with {} failed: {}", remote_address_, ec.message());
            return close_socket();
        }
        wait_for_request();
    }

    // Waits for the first byte of a request under the idle timeout, so an idle
    // keep-alive connection and a slow header are bounded separately.
    void wait_for_request() {
        idle_ = true;
        if (owner_->shutting_down() || close_after_response_) return close();
        if (buffer_.size() > 0) return read_header();
        lowest().expires_after(owner_->limits().idle_timeout);
        stream_.async_read_some(buffer_.prepare(4096),
                                beast::bind_front_handler(&http_session::on_first_bytes, this->shared_from_this()));
    }

    void on_first_bytes(beast::error_code ec, std::size_t bytes) {
        if (ec) return close(ec);
        buffer_.commit(bytes);
        read_header();
    }

    void read_header() {
        idle_ = false;
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(owner_->limits().max_header_bytes));
        // The real body limit depends on the media type, known only after the
        // header; until then the parser must not judge Content-Length itself.
        parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
        lowest().expires_after(owner_->limits().header_read_timeout);
        beast::http::async_read_header(stream_, buffer_, *parser_,
                                       beast::bind_front_handler(&http_session::on_header, this->shared_from_this()));
    }

    void on_header(beast::error_code ec, std::size_t) {
        if (ec == beast::http::error::header_limit)
            return refuse(beast::http::status::request_header_fields_too_large, "headers_too_large",
                          "The request headers exceed the server's limit.");
        if (ec) {
            if (ec != beast::error::timeout && ec != net::error::eof && ec != net::error::connection_reset &&
                ec != net::error::operation_aborted && !(tls && ec == net::ssl::error::stream_truncated))
                refuse(beast::http::status::bad_request, "malformed_request", "The request could not be parsed.");
            else
                close(ec);
            return;
        }
        auto& header = parser_->get();
        auto content_type = header[beast::http::field::content_type];
        std::size_t limit = owner_->limits().max_body_bytes;
        if (content_type.starts_with("text/csv")) limit = owner_->limits().max_import_bytes;
        parser_->body_limit(limit);
        if (auto length = parser_->content_length(); length && *length > limit)
            return refuse(beast::http::status::payload_too_large, "payload_too_large",
                          "The body is larger than the limit of " + std::to_string(limit) + " bytes.");
        lowest().expires_after(owner_->limits().body_read_timeout);
        beast::http::async_read(stream_, buffer_, *parser_,
                                beast::bind_front_handler(&http_session::on_body, this->shared_from_this()));
    }

    void on_body(beast::error_code ec, std::size_t) {
        if (ec == beast::http::error::body_limit)
            return refuse(beast::http::status::payload_too_large, "payload_too_large", "The body is larger than the limit.");
        if (ec) return close(ec);
        lowest().expires_never();
        auto request = std::make_shared<request_context>();
        request->message = parser_->release();
        parser_.reset();
        auto target = request->message.target();
        std::string_view full(target.data(), target.size());
        auto question = full.find('?');
        request->path = std::string(full.substr(0, question));
        if (question != std::string_view::npos) request->query = parse_query(full.substr(question + 1));
        auto incoming_id = request->header("X-Request-Id");
        request->request_id = acceptable_request_id(incoming_id) ? std::string(incoming_id) : owner_->next_request_id();
        request->remote_address = remote_address_;
        keep_alive_ = request->message.keep_alive();
        const unsigned version = request->message.version();
        const bool head = request->message.method() == beast::http::verb::head;
        auto self = this->shared_from_this();
        std::string request_id = request->request_id;
        // dispatch, not post: a handler that answers at once is already on
        // this connection's thread, and the answer goes out without a trip
        // through the scheduler. Answers from other threads are queued.
        // The answer may come from another thread (the writer, a lookup
        // thread). Until it is sent, this connection's context counts it as
        // work, so a stop does not end the context with the answer on its way.
        auto answer_pending = net::prefer(self->executor(), net::execution::outstanding_work.tracked);
        responder::send_fn send = [self, version, request_id, head, answer_pending](response res) {
            net::dispatch(answer_pending, [self, version, request_id, head, res = std::move(res)]() mutable {
                self->write(std::move(res), version, request_id, head);
            });
        };
        responder::takeover_fn takeover = [self, request](stream_starter start) {
            net::post(self->executor(), [self, request, start = std::move(start)]() mutable {
                self->hand_over(std::move(start), std::move(request->message));
            });
        };
        owner_->routes().dispatch(request, responder(std::move(send), std::move(takeover)));
    }

    // The connection now belongs to a stream (SSE, WebSocket); this session
    // ends when the last handler holding it returns.
    void hand_over(stream_starter start, request_message message) {
        handed_over_ = true;
        start(std::move(stream_), std::move(message), std::move(buffer_));
    }

    void refuse(beast::http::status status, const std::string& code, const std::string& message) {
        keep_alive_ = false;
        write(error_response(status, code, message), 11, owner_->next_request_id(), false);
    }

    void write(response res, unsigned version, const std::string& request_id, bool head) {
        res.version(version);
        res.set(beast::http::field::server, "outagedesk");
        res.set("X-Request-Id", request_id);
        if (owner_->shutting_down() || close_after_response_) keep_alive_ = false;
        res.keep_alive(keep_alive_);
        const unsigned code = res.result_int();
        const bool bodiless = code < 200 || code == 204 || code == 304;
        if (bodiless) res.erase(beast::http::field::content_length);
        else res.content_length(res.body().size());
        // One contiguous buffer per answer, reused by the connection: Beast's
        // serializer walked nested buffer views and cost more instructions
        // than the whole IVR lookup.
        out_.clear();
        out_ += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
        out_ += std::to_string(code);
        out_ += ' ';
        out_ += res.reason();
        out_ += "\r\n";
        for (const auto& field : res) {
            out_ += field.name_string();
            out_ += ": ";
            out_ += field.value();
            out_ += "\r\n";
        }
        out_ += "\r\n";
        if (!head && !bodiless) out_ += res.body();
        lowest().expires_after(owner_->limits().body_read_timeout);
        net::async_write(stream_, net::buffer(out_),
                         beast::bind_front_handler(&http_session::on_write, this->shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        if (ec || !keep_alive_) return close(ec);
        wait_for_request();
    }

    // `why` is the error that ended the connection, if any. A TLS connection
    // that is still sound (we end it, or the client sent close_notify) gets
    // a close_notify of ours; a broken one, like any plain one, is just closed.
    void close(beast::error_code why = {}) {
        if constexpr (tls) {
            if (!why || why == net::error::eof || why == net::error::operation_aborted) {
                if (tls_closing_) return;
                tls_closing_ = true;
                lowest().expires_after(tls_close_timeout);
                stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close_socket(); });
                return;
            }
        }
        close_socket();
    }

    void close_socket() {
        beast::error_code ignored;
        lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
        lowest().socket().close(ignored);
    }

    Stream stream_;
    beast::flat_buffer buffer_;
    std::shared_ptr<server> owner_;
    std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
    std::string out_;  // the answer being written
    std::string remote_address_;
    bool keep_alive_ = true;
    bool idle_ = true;
    bool close_after_response_ = false;
    bool handed_over_ = false;
    bool tls_closing_ = false;
};

namespace {

// The first line of the certificate's subject and its expiry, for the start-up log.
std::string describe_certificate(SSL_CTX* context) {
    X509* certificate = SSL_CTX_get0_certificate(context);
    if (!certificate) return "none";
    std::string text = "subject ";
    char subject[256];
    X509_NAME_oneline(X509_get_subject_name(certificate), subject, sizeof subject);
    text += subject;
    if (BIO* out = BIO_new(BIO_s_mem())) {
        if (ASN1_TIME_print(out, X509_get0_notAfter(certificate)) == 1) {
            char* data = nullptr;
            auto length = BIO_get_mem_data(out, &data);
            text += ", valid until " + std::string(data, static_cast<std::size_t>(length));
        }
        BIO_free(out);
    }
    return text;
}

void require_readable(const std::filesystem::path& file, const std::string& key, bool secret) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw config::config_error("config key '" + key + "' names a file that cannot be read" +
                                   (secret ? std::string() : ": " + file.string()));
}

}  // namespace

std::shared_ptr<net::ssl::context> make_tls_context(const config::tls_settings& tls) {
    static const std::string certificate_key = "tls.certificate_file";
    static const std::string private_key_key = "tls.private_key_file";
    require_readable(tls.certificate_file, certificate_key, false);
    require_readable(tls.private_key_file, private_key_key, true);

    auto context = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
    context->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                         net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                         net::ssl::context::single_dh_use);
    // The floor again, in the form OpenSSL 3 prefers; renegotiation is a
    // denial-of-service lever a server of this kind never needs.
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_options(context->native_handle(), SSL_OP_NO_RENEGOTIATION);
    // An encrypted key must fail at start, not wait for a passphrase on a terminal.
    context->set_password_callback([](std::size_t, net::ssl::context::password_purpose) { return std::string(); });

    beast::error_code ec;
    context->use_certificate_chain_file(tls.certificate_file.string(), ec);
    if (ec)
        throw config::config_error("config key '" + certificate_key + "' is not a PEM certificate chain (" +
                                   ec.message() + "): " + tls.certificate_file.string());
    context->use_private_key_file(tls.private_key_file.string(), net::ssl::context::pem, ec);
    if (ec)
        throw config::config_error("config key '" + private_key_key +
                                   "' is not an unencrypted PEM private key matching the certificate (" + ec.message() + ")");
    if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
        ERR_clear_error();
        throw config::config_error("config key '" + private_key_key + "' does not match the certificate in " +
                                   certificate_key);
    }
    spdlog::info("HTTPS on: certificate {}", describe_certificate(context->native_handle()));
    return context;
}

server::server(std::vector<net::io_context*> contexts, const config::http_limits& limits, const router& routes,
               metrics::registry& metrics, std::shared_ptr<net::ssl::context> tls)
    : contexts_(std::move(contexts)),
      limits_(limits),
      routes_(routes),
      tls_(std::move(tls)),
      acceptor_(*contexts_.at(0)),
      open_connections_(metrics.get_gauge("outagedesk_open_connections", "Client connections now open")),
      refused_connections_(metrics.get_counter("outagedesk_refused_connections_total",
                                               "Connections refused because the connection cap was reached")) {
    std::random_device seed;
    std::uniform_int_distribution<unsigned> digit(0, 15);
    static constexpr char hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; ++i) request_id_prefix_ += hex[digit(seed)];
}

tcp::endpoint server::listen(const std::string& host, std::uint16_t port) {
    tcp::endpoint endpoint(net::ip::make_address(host), port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
    do_accept();
    return acceptor_.local_endpoint();
}

net::io_context& server::next_context() {
    return *contexts_[next_context_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void server::do_accept() {
    acceptor_.async_accept(next_context(), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
        if (ec) {
            if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
            spdlog::warn("accept failed: {}", ec.message());
        } else {
            beast::error_code ignored;
            auto remote = socket.remote_endpoint(ignored);
            std::string address = ignored ? std::string("unknown") : remote.address().to_string();
            if (!self->admit(address)) {
                self->refused_connections_.add();
                socket.close(ignored);
            } else {
                socket.set_option(tcp::no_delay(true), ignored);
                self->start_session(std::move(socket), std::move(address));
            }
        }
        if (!self->shutting_down_) self->do_accept();
    });
}

void server::start_session(tcp::socket socket, std::string address) {
    auto run = [this](auto session) {
        session_started(session);
        session->start();
    };
    if (tls_)
        run(std::make_shared<http_session<tls_stream>>(shared_from_this(), std::move(address), std::move(socket), *tls_));
    else
        run(std::make_shared<http_session<beast::tcp_stream>>(shared_from_this(), std::move(address), std::move(socket)));
}

void server::session_started(std::weak_ptr<connection> session) {
    std::lock_guard lock(sessions_mutex_);
    // Prune entries of ended sessions as we go so the list stays the size of
    // the open set.
    if (sessions_.size() > 64 && sessions_.size() % 64 == 0) sessions_.remove_if([](auto& w) { return w.expired(); });
    sessions_.push_back(std::move(session));
}

bool server::admit(const std::string& address) {
    std::lock_guard lock(sessions_mutex_);
    if (static_cast<std::size_t>(open_connections_.value()) >= limits_.max_connections) return false;
    auto& count = per_address_[address];
    if (count >= limits_.max_connections_per_address) return false;
    ++count;
    open_connections_.add(1);
    return true;
}

void server::session_ended(const std::string& address) {
    open_connections_.add(-1);
    std::lock_guard lock(sessions_mutex_);
    auto it = per_address_.find(address);
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

std::string server::next_request_id() {
    return request_id_prefix_ + "-" + std::to_string(request_counter_.fetch_add(1, std::memory_order_relaxed) + 1);
}

void server::shut_down() {
    if (shutting_down_.exchange(true)) return;
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        beast::error_code ignored;
        self->acceptor_.close(ignored);
    });
    // Take the sessions out under the lock, but let go of them outside it: a
    // session that ended meanwhile on another thread dies with our last
    // reference, and its destructor (session_ended) takes this same lock.
    std::list<std::weak_ptr<connection>> sessions;
    {
        std::lock_guard lock(sessions_mutex_);
        sessions.swap(sessions_);
    }
    for (auto& weak : sessions)
        if (auto session = weak.lock())
            net::post(session->executor(), [session] { session->close_if_idle(); });
}

}  // namespace outagedesk::http
