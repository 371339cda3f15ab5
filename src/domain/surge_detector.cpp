#include "outagedesk/domain/surge_detector.hpp"

#include <algorithm>
#include <cmath>

namespace outagedesk::domain {

namespace {
// Areas quieter than this, with nothing in the window, are forgotten: they
// behave exactly like a new area again to within a hundredth of a contact.
constexpr double forgettable_baseline = 0.01;
constexpr std::size_t prune_every = 4096;
}  // namespace

surge_detector::surge_detector(surge_rules rules) : rules_(rules) {
    if (rules_.prefix_length == 0) rules_.prefix_length = 1;
    if (rules_.window.count() <= 0) rules_.window = std::chrono::seconds{1};
    rules_.baseline_weight = std::clamp(rules_.baseline_weight, 0.0, 1.0);
}

std::string surge_detector::prefix_of(std::string_view postcode) const {
    return std::string(postcode.substr(0, std::min(postcode.size(), rules_.prefix_length)));
}

std::int64_t surge_detector::bucket_of(sys_seconds at) const {
    const auto t = at.time_since_epoch().count();
    const auto w = rules_.window.count();
    return t >= 0 ? t / w : -((-t + w - 1) / w);
}

double surge_detector::baseline_at(const area& a, std::int64_t bucket) const {
    if (bucket <= a.bucket) return a.baseline;
    const double keep = 1.0 - rules_.baseline_weight;
    double b = rules_.baseline_weight * static_cast<double>(a.bucket_count) + keep * a.baseline;
    const auto empty_windows = bucket - a.bucket - 1;
    if (empty_windows > 0) b *= std::pow(keep, static_cast<double>(empty_windows));
    return b;
}

void surge_detector::roll(area& a, std::int64_t bucket) const {
    if (bucket <= a.bucket) return;
    a.baseline = baseline_at(a, bucket);
    a.bucket = bucket;
    a.bucket_count = 0;
}

void surge_detector::drop_expired(area& a, sys_seconds at) const {
    while (!a.recent.empty() && a.recent.front().at <= at - rules_.window) a.recent.pop_front();
}

surge_observation surge_detector::observe(std::int64_t contact, std::string_view postcode, sys_seconds at) {
    surge_observation out;
    out.prefix = prefix_of(postcode);
    auto [it, created] = areas_.try_emplace(out.prefix);
    area& a = it->second;
    if (created) {
        a.bucket = bucket_of(at);
        a.last_at = at;
    }
    at = std::max(at, a.last_at);
    a.last_at = at;
    roll(a, bucket_of(at));
    drop_expired(a, at);
    a.recent.push_back({at, contact});
    ++a.bucket_count;

    out.count = a.recent.size();
    out.baseline = a.baseline;
    out.surging = out.count >= rules_.threshold &&
                  static_cast<double>(out.count) > rules_.baseline_multiple * a.baseline;
    out.raise = out.surging && !a.surging;
    a.surging = out.surging;
    if (out.raise) {
        out.window_contacts.reserve(a.recent.size());
        for (const auto& e : a.recent) out.window_contacts.push_back(e.contact);
        out.first_at = a.recent.front().at;
    }
    if (++observed_ % prune_every == 0) prune(at);
    return out;
}

double surge_detector::baseline(std::string_view prefix, sys_seconds at) const {
    auto it = areas_.find(std::string(prefix));
    if (it == areas_.end()) return 0;
    return baseline_at(it->second, bucket_of(std::max(at, it->second.last_at)));
}

std::size_t surge_detector::count(std::string_view prefix, sys_seconds at) const {
    auto it = areas_.find(std::string(prefix));
    if (it == areas_.end()) return 0;
    return static_cast<std::size_t>(std::count_if(it->second.recent.begin(), it->second.recent.end(),
                                                  [&](const entry& e) { return e.at > at - rules_.window && e.at <= at; }));
}

void surge_detector::prune(sys_seconds at) {
    const auto bucket = bucket_of(at);
    for (auto it = areas_.begin(); it != areas_.end();) {
        area& a = it->second;
        if (a.last_at <= at) drop_expired(a, at);
        if (a.last_at <= at && a.recent.empty() && baseline_at(a, bucket) < forgettable_baseline)
            it = areas_.erase(it);
        else
            ++it;
    }
}

}  // namespace outagedesk::domain
