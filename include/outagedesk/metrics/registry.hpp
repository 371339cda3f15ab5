#pragma once
// Process-wide counters, gauges and histograms rendered in the Prometheus text
// format. Hot paths keep a reference to their metric and update it with a
// relaxed atomic; the registry's lock is only taken to create a metric or to
// render them all. Nothing here may block on I/O.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace outagedesk::metrics {

class counter {
public:
    void add(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

class gauge {
public:
    void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
    void add(std::int64_t n) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> value_{0};
};

class histogram {
public:
    explicit histogram(std::vector<double> upper_bounds);
    void observe(double value) noexcept;
    const std::vector<double>& bounds() const noexcept { return bounds_; }
    // Cumulative counts per bound (Prometheus `le` semantics) plus +Inf last.
    std::vector<std::uint64_t> cumulative() const;
    double sum() const noexcept;
    std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_micros_{0};
};

// Latency buckets in seconds, from 100 µs to 10 s.
std::vector<double> latency_buckets();

class registry {
public:
    // `labels` is the rendered label set without braces, e.g. `route="/v1/x",status="200"`.
    counter& get_counter(const std::string& name, const std::string& help, const std::string& labels = "");
    gauge& get_gauge(const std::string& name, const std::string& help, const std::string& labels = "");
    histogram& get_histogram(const std::string& name, const std::string& help, const std::string& labels = "",
                             std::vector<double> bounds = latency_buckets());
    std::string render() const;

private:
    struct family {
        std::string help;
        std::string type;
        std::map<std::string, std::unique_ptr<counter>> counters;
        std::map<std::string, std::unique_ptr<gauge>> gauges;
        std::map<std::string, std::unique_ptr<histogram>> histograms;
    };
    family& family_for(const std::string& name, const std::string& help, const char* type);

    mutable std::mutex mutex_;
    std::map<std::string, family> families_;
};

// Escapes a label value for the text format (backslash, quote, newline).
std::string label_value(const std::string& raw);

}  // namespace outagedesk::metrics
