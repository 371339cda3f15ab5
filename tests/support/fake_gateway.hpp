#pragma once
// Test support: a stand-in for the SMS/email gateway. A plain HTTP server on
// 127.0.0.1 (a free port) in its own thread that records every request it
// gets and answers 200, or what the test asks for: the next n requests
// failing, or every request for one recipient refused.
#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace outagedesk::test {

class fake_gateway {
public:
    struct received {
        std::chrono::steady_clock::time_point at;
        nlohmann::json body;
        std::string authorization;
        std::string idempotency_header;
        int answered = 200;
    };

    fake_gateway();
    ~fake_gateway();
    fake_gateway(const fake_gateway&) = delete;
    fake_gateway& operator=(const fake_gateway&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/send"; }

    // The next `n` requests get `status`.
    void fail_next(int n, int status = 503);
    // Every request to `to` gets `status`.
    void refuse(const std::string& to, int status);

    std::vector<received> requests() const;
    // Requests answered 2xx.
    std::size_t accepted() const;
    // Waits until `n` requests were accepted; false on timeout.
    bool wait_accepted(std::size_t n, std::chrono::milliseconds timeout) const;

private:
    struct state;
    std::shared_ptr<state> state_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

}  // namespace outagedesk::test
