#pragma once
// Shared by the benchmarks: a deterministic customer CSV, a scratch
// directory, and a probe that measures how long a small write waits for the
// writer while a benchmark runs (what an API write would feel).
#include "outagedesk/store/database.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <random>
#include <sys/resource.h>
#include <unistd.h>
#include <string>
#include <thread>
#include <vector>

namespace outagedesk::bench {

// `n` customers; every `in_area_every`-th lives in 28xxx (the rest in
// 01000-52999), 70 % sms, 20 % email, 10 % none, one to three services.
inline std::string customer_csv(std::size_t n, std::size_t in_area_every = 2) {
    static const char* services[] = {"mobile_voice", "mobile_data", "fixed_voice", "broadband", "tv"};
    std::mt19937 random(7);
    std::string out = "id,phone,email,postcode,language,services,preferred_channel,monthly_fee_cents,avg_bill_3m_cents,tariff\n";
    out.reserve(n * 100);
    char line[256];
    for (std::size_t i = 0; i < n; ++i) {
        const auto postcode = static_cast<unsigned>(i % in_area_every == 0 ? 28000 + random() % 1000 : 1000 + random() % 52000);
        std::string svc = services[random() % 5];
        if (random() % 2) svc += std::string("|") + services[random() % 5];
        if (svc.find('|') != std::string::npos && svc.substr(0, svc.find('|')) == svc.substr(svc.find('|') + 1))
            svc = svc.substr(0, svc.find('|'));
        const auto r = static_cast<unsigned>(random() % 10);
        const char* channel = r < 7 ? "sms" : r < 9 ? "email" : "none";
        std::snprintf(line, sizeof line, "C%07zu,+346%08zu,c%zu@example.com,%05u,%s,%s,%s,%u,%u,\"Tarifa %zu\"\n", i, i, i,
                      postcode, random() % 5 == 0 ? "en" : "es", svc.c_str(), channel,
                      static_cast<unsigned>(1000 + random() % 8000), static_cast<unsigned>(1000 + random() % 11000), i % 7);
        out += line;
    }
    return out;
}

// CPU seconds this process has used (all threads), to compare runs on a
// machine whose load varies.
inline double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

inline std::filesystem::path scratch_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

// Submits a one-row write every 20 ms and records how long each waited for
// its commit.
class write_probe {
public:
    explicit write_probe(store::database& db) : db_(db) {
        db_.write_sync([](store::write_context& w) { w.db().exec("CREATE TABLE IF NOT EXISTS bench_probe (at INTEGER)"); });
        thread_ = std::thread([this] {
            while (!stop_) {
                const auto started = std::chrono::steady_clock::now();
                db_.write_sync([](store::write_context& w) { w.db().exec("INSERT INTO bench_probe VALUES (1)"); });
                latencies_.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        });
    }
    ~write_probe() { finish(); }
    void finish() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    double percentile(double p) {
        finish();
        if (latencies_.empty()) return 0;
        auto sorted = latencies_;
        std::sort(sorted.begin(), sorted.end());
        return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())))];
    }
    double max() {
        finish();
        return latencies_.empty() ? 0 : *std::max_element(latencies_.begin(), latencies_.end());
    }
    std::size_t samples() const { return latencies_.size(); }

private:
    store::database& db_;
    std::atomic<bool> stop_{false};
    std::vector<double> latencies_;
    std::thread thread_;
};

}  // namespace outagedesk::bench
