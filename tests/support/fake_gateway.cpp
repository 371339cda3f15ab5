#include "support/fake_gateway.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace outagedesk::test {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

struct fake_gateway::state {
    boost::asio::io_context io;
    tcp::acceptor acceptor{io};
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    std::vector<received> log;
    int failures_left = 0;
    int failure_status = 503;
    std::map<std::string, int> refused;

    void accept() {
        acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if (ec) return;
            serve(std::move(socket));
            accept();
        });
    }

    // One request per connection, as the server's client sends them.
    void serve(tcp::socket socket) {
        beast::error_code ec;
        beast::flat_buffer buffer;
        http::request<http::string_body> req;
        http::read(socket, buffer, req, ec);
        if (ec) return;
        received r;
        r.at = std::chrono::steady_clock::now();
        r.body = nlohmann::json::parse(req.body(), nullptr, false);
        r.authorization = std::string(req[http::field::authorization]);
        r.idempotency_header = std::string(req["Idempotency-Key"]);
        {
            std::lock_guard lock(mutex);
            if (failures_left > 0) {
                --failures_left;
                r.answered = failure_status;
            } else if (r.body.is_object()) {
                auto it = refused.find(r.body.value("to", ""));
                if (it != refused.end()) r.answered = it->second;
            }
        }
        http::response<http::string_body> res{static_cast<http::status>(r.answered), req.version()};
        res.set(http::field::content_type, "application/json");
        res.body() = r.answered < 300 ? R"({"status":"accepted"})" : R"({"status":"error"})";
        res.keep_alive(false);
        res.prepare_payload();
        http::write(socket, res, ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
        {
            std::lock_guard lock(mutex);
            log.push_back(std::move(r));
        }
        changed.notify_all();
    }
};

fake_gateway::fake_gateway() : state_(std::make_shared<state>()) {
    tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
    state_->acceptor.open(endpoint.protocol());
    state_->acceptor.set_option(boost::asio::socket_base::reuse_address(true));
    state_->acceptor.bind(endpoint);
    state_->acceptor.listen();
    port_ = state_->acceptor.local_endpoint().port();
    state_->accept();
    thread_ = std::thread([s = state_] { s->io.run(); });
}

fake_gateway::~fake_gateway() {
    state_->io.stop();
    if (thread_.joinable()) thread_.join();
}

void fake_gateway::fail_next(int n, int status) {
    std::lock_guard lock(state_->mutex);
    state_->failures_left = n;
    state_->failure_status = status;
}

void fake_gateway::refuse(const std::string& to, int status) {
    std::lock_guard lock(state_->mutex);
    state_->refused[to] = status;
}

std::vector<fake_gateway::received> fake_gateway::requests() const {
    std::lock_guard lock(state_->mutex);
    return state_->log;
}

std::size_t fake_gateway::accepted() const {
    std::lock_guard lock(state_->mutex);
    std::size_t n = 0;
    for (const auto& r : state_->log)
        if (r.answered >= 200 && r.answered < 300) ++n;
    return n;
}

bool fake_gateway::wait_accepted(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, timeout, [&] {
        std::size_t ok = 0;
        for (const auto& r : state_->log)
            if (r.answered >= 200 && r.answered < 300) ++ok;
        return ok >= n;
    });
}

}  // namespace outagedesk::test
