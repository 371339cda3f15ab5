#pragma once
// Delivers the durable event log to webhook subscribers: at least once, in
// seq order per subscription, signed, with timeouts and exponential backoff,
// and marked dead after the last attempt. Runs on its own thread, driven from
// the store, so a restart resumes where it stopped and a slow receiver never
// touches the API's threads.
#include "outagedesk/config/config.hpp"
#include "outagedesk/store/event_repository.hpp"
#include "outagedesk/store/webhook_repository.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace outagedesk::metrics {
class registry;
}

namespace outagedesk::push {

// The delay before attempt n+1 after n failed attempts: base · 2^(n-1), capped.
std::chrono::milliseconds retry_delay(int failed_attempts, std::chrono::milliseconds base, std::chrono::milliseconds cap);

class webhook_worker {
public:
    webhook_worker(store::database& db, const config::webhook_settings& settings, metrics::registry& metrics);
    ~webhook_worker();

    void start();
    // Something was published: look again now rather than at the next tick.
    void wake();
    void stop();

private:
    void run();
    // Works on one subscription until nothing is due; returns when to look again.
    std::chrono::system_clock::time_point serve(store::webhook subscription);
    bool attempt(const store::webhook& subscription, store::webhook_delivery delivery);

    store::database& db_;
    store::webhook_repository hooks_;
    store::event_repository events_;
    config::webhook_settings settings_;
    metrics::registry& metrics_;

    std::mutex mutex_;
    std::condition_variable wakeup_;
    bool woken_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace outagedesk::push
