#pragma once
// The HTTP/1.1 front door: accepts connections on one address and hands each
// to one of the io_contexts, round-robin. Each io_context is run by exactly one
// thread, so a connection's handlers never race and need no strand, and the
// threads share no scheduler lock (measured: one io_context run by two
// threads cost about twice the CPU per request). A session reads one request
// at a time within header/body limits and timeouts, hands it to the router and
// writes the answer. It never blocks its thread on anything but short
// in-memory work. With a TLS context every connection first completes a TLS
// handshake (within the header read timeout) and then runs the same session
// code over the TLS stream; without one, connections are plain HTTP and pay
// nothing for TLS being possible.
#include "outagedesk/config/config.hpp"
#include "outagedesk/http/router.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace outagedesk::metrics {
class registry;
class gauge;
class counter;
}  // namespace outagedesk::metrics

namespace outagedesk::http {

// Loads the certificate chain and private key named by `tls` into a server
// context that accepts TLS 1.2 and later only. A file that cannot be read or
// parsed, or a key that does not belong to the certificate, throws
// config::config_error naming the config key (never the key's path).
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const config::tls_settings& tls);

// A client connection as the server sees it, whatever its transport.
class connection {
public:
    // Called through post() on the connection's thread when the server shuts down.
    virtual void close_if_idle() = 0;
    virtual boost::asio::any_io_executor executor() = 0;

protected:
    ~connection() = default;
};

class server : public std::enable_shared_from_this<server> {
public:
    // `contexts` must outlive the server; the acceptor runs on the first.
    // `tls` null: plain HTTP.
    server(std::vector<boost::asio::io_context*> contexts, const config::http_limits& limits, const router& routes,
           metrics::registry& metrics, std::shared_ptr<boost::asio::ssl::context> tls = nullptr);

    // Binds and starts accepting; returns the bound endpoint (port 0 picks one).
    boost::asio::ip::tcp::endpoint listen(const std::string& host, std::uint16_t port);
    // Stops accepting, lets in-flight requests finish and closes idle
    // keep-alive connections. Safe to call from any thread.
    void shut_down();

    // Used by sessions.
    const config::http_limits& limits() const noexcept { return limits_; }
    const router& routes() const noexcept { return routes_; }
    bool shutting_down() const noexcept { return shutting_down_.load(); }
    // Counts a new connection against the total and per-address caps; false
    // when either is reached.
    bool admit(const std::string& address);
    void session_started(std::weak_ptr<connection> session);
    void session_ended(const std::string& address);
    std::string next_request_id();

private:
    void do_accept();
    void start_session(boost::asio::ip::tcp::socket socket, std::string address);

    boost::asio::io_context& next_context();

    std::vector<boost::asio::io_context*> contexts_;
    std::atomic<std::size_t> next_context_{0};
    config::http_limits limits_;
    const router& routes_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::atomic<bool> shutting_down_{false};
    std::atomic<std::uint64_t> request_counter_{0};
    std::string request_id_prefix_;

    std::mutex sessions_mutex_;
    std::list<std::weak_ptr<connection>> sessions_;
    std::unordered_map<std::string, std::size_t> per_address_;  // guarded by sessions_mutex_

    metrics::gauge& open_connections_;
    metrics::counter& refused_connections_;
};

}  // namespace outagedesk::http
