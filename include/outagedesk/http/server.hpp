#pragma once
// The HTTP/1.1 front door: accepts connections on one address and hands each
// to one of the io_contexts, round-robin. Each io_context is run by exactly one
// thread, so a connection's handlers never race and need no strand, and the
// threads share no scheduler lock (measured: one io_context run by two
// threads cost about twice the CPU per request). A session reads one request
// at a time within header/body limits and timeouts, hands it to the router and
// writes the answer. It never blocks its thread on anything but short
// in-memory work.
#include "outagedesk/config/config.hpp"
#include "outagedesk/http/router.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

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

class http_session;

class server : public std::enable_shared_from_this<server> {
public:
    // `contexts` must outlive the server; the acceptor runs on the first.
    server(std::vector<boost::asio::io_context*> contexts, const config::http_limits& limits, const router& routes,
           metrics::registry& metrics);

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
    void session_started(const std::shared_ptr<http_session>& session);
    void session_ended(const std::string& address);
    std::string next_request_id();

private:
    void do_accept();

    boost::asio::io_context& next_context();

    std::vector<boost::asio::io_context*> contexts_;
    std::atomic<std::size_t> next_context_{0};
    config::http_limits limits_;
    const router& routes_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::atomic<bool> shutting_down_{false};
    std::atomic<std::uint64_t> request_counter_{0};
    std::string request_id_prefix_;

    std::mutex sessions_mutex_;
    std::list<std::weak_ptr<http_session>> sessions_;
    std::unordered_map<std::string, std::size_t> per_address_;  // guarded by sessions_mutex_

    metrics::gauge& open_connections_;
    metrics::counter& refused_connections_;
};

}  // namespace outagedesk::http
