#include "outagedesk/metrics/registry.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace outagedesk::metrics {

histogram::histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
    for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double value) noexcept {
    std::size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    if (value > 0) sum_micros_.fetch_add(static_cast<std::uint64_t>(std::llround(value * 1e6)), std::memory_order_relaxed);
}

std::vector<std::uint64_t> histogram::cumulative() const {
    std::vector<std::uint64_t> out(bounds_.size() + 1);
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        out[i] = running;
    }
    return out;
}

double histogram::sum() const noexcept { return static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6; }

std::vector<double> latency_buckets() {
    return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

registry::family& registry::family_for(const std::string& name, const std::string& help, const char* type) {
    auto& f = families_[name];
    if (f.type.empty()) {
        f.type = type;
        f.help = help;
    } else if (f.type != type) {
        throw std::logic_error("metric " + name + " registered with two types");
    }
    return f;
}

counter& registry::get_counter(const std::string& name, const std::string& help, const std::string& labels) {
    std::lock_guard lock(mutex_);
    auto& slot = family_for(name, help, "counter").counters[labels];
    if (!slot) slot = std::make_unique<counter>();
    return *slot;
}

gauge& registry::get_gauge(const std::string& name, const std::string& help, const std::string& labels) {
    std::lock_guard lock(mutex_);
    auto& slot = family_for(name, help, "gauge").gauges[labels];
    if (!slot) slot = std::make_unique<gauge>();
    return *slot;
}

histogram& registry::get_histogram(const std::string& name, const std::string& help, const std::string& labels,
                                   std::vector<double> bounds) {
    std::lock_guard lock(mutex_);
    auto& slot = family_for(name, help, "histogram").histograms[labels];
    if (!slot) slot = std::make_unique<histogram>(std::move(bounds));
    return *slot;
}

namespace {
std::string braces(const std::string& labels) { return labels.empty() ? "" : "{" + labels + "}"; }
std::string with_le(const std::string& labels, const std::string& le) {
    return "{" + labels + (labels.empty() ? "" : ",") + "le=\"" + le + "\"}";
}
std::string number(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}
}  // namespace

std::string registry::render() const {
    std::lock_guard lock(mutex_);
    std::ostringstream out;
    for (const auto& [name, f] : families_) {
        out << "# HELP " << name << ' ' << f.help << "\n# TYPE " << name << ' ' << f.type << '\n';
        for (const auto& [labels, c] : f.counters) out << name << braces(labels) << ' ' << c->value() << '\n';
        for (const auto& [labels, g] : f.gauges) out << name << braces(labels) << ' ' << g->value() << '\n';
        for (const auto& [labels, h] : f.histograms) {
            auto cumulative = h->cumulative();
            for (std::size_t i = 0; i < h->bounds().size(); ++i)
                out << name << "_bucket" << with_le(labels, number(h->bounds()[i])) << ' ' << cumulative[i] << '\n';
            out << name << "_bucket" << with_le(labels, "+Inf") << ' ' << cumulative.back() << '\n';
            out << name << "_sum" << braces(labels) << ' ' << number(h->sum()) << '\n';
            out << name << "_count" << braces(labels) << ' ' << h->count() << '\n';
        }
    }
    return out.str();
}

std::string label_value(const std::string& raw) {
    std::string out;
    for (char c : raw) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

}  // namespace outagedesk::metrics
