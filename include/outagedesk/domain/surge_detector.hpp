#pragma once
// The first signal of an outage nobody has declared yet: unmatched fault
// contacts (no_service, degraded) piling up in one area. Contacts are counted
// per postcode prefix (the area) in a sliding window, and an area surges when
// its count reaches the absolute threshold AND exceeds baseline_multiple
// times the area's baseline:
//
//   count  = contacts of the prefix with time in (t - window, t], this one included
//   surges = count >= threshold  and  count > baseline_multiple * baseline
//
// The baseline is the area's usual number of such contacts per window: an
// exponentially weighted moving average over completed windows aligned to the
// epoch (window k covers [k*W, (k+1)*W)). When window k closes with c
// contacts, baseline := w*c + (1-w)*baseline; a window without contacts
// counts as c = 0, so a quiet area decays back towards 0. w is
// surge_rules::baseline_weight (1/12 by default: at a 5-minute window the
// baseline reflects about the last hour). A new area starts at 0, i.e. quiet.
// The window still open never feeds the baseline, so a surge cannot raise its
// own bar before it is noticed.
//
// An episode starts when an area starts to surge, and that contact is told to
// raise (one alert per area and episode). It ends at the first contact that
// finds the area no longer surging; only after that can the area raise again.
// Whether an alert is already open for the area is the store's business.
//
// Pure and single-threaded: time is passed in; no clock, no I/O, no locks.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace outagedesk::domain {

using std::chrono::sys_seconds;

struct surge_rules {
    std::size_t prefix_length = 3;
    std::chrono::seconds window{300};
    std::size_t threshold = 20;
    double baseline_multiple = 5;
    double baseline_weight = 1.0 / 12;
};

struct surge_observation {
    std::string prefix;          // the area: the postcode's first prefix_length characters
    std::size_t count = 0;       // contacts of the area in the sliding window, this one included
    double baseline = 0;         // the area's usual contacts per window
    bool surging = false;        // count passes the bar
    bool raise = false;          // this contact starts an episode
    // When raising: the contacts in the window, oldest first, and the oldest one's time.
    std::vector<std::int64_t> window_contacts;
    sys_seconds first_at{};
};

class surge_detector {
public:
    explicit surge_detector(surge_rules rules);

    // Records one unmatched fault contact of a normalised postcode at `at`.
    // Times should not go backwards per area; one that does is taken as the
    // latest time seen, so out-of-order arrivals cannot corrupt the window.
    surge_observation observe(std::int64_t contact, std::string_view postcode, sys_seconds at);

    std::string prefix_of(std::string_view postcode) const;
    // What the detector holds for an area as of `at` (for tests and alerts).
    double baseline(std::string_view prefix, sys_seconds at) const;
    std::size_t count(std::string_view prefix, sys_seconds at) const;
    std::size_t areas() const noexcept { return areas_.size(); }
    const surge_rules& rules() const noexcept { return rules_; }

private:
    struct entry {
        sys_seconds at;
        std::int64_t contact;
    };
    struct area {
        std::deque<entry> recent;  // the sliding window, oldest first
        std::int64_t bucket = 0;   // index of the open epoch-aligned window
        std::size_t bucket_count = 0;
        double baseline = 0;
        bool surging = false;
        sys_seconds last_at{};
    };
    std::int64_t bucket_of(sys_seconds at) const;
    // The baseline once every window before `bucket` is closed.
    double baseline_at(const area& a, std::int64_t bucket) const;
    void roll(area& a, std::int64_t bucket) const;
    void drop_expired(area& a, sys_seconds at) const;
    void prune(sys_seconds at);

    surge_rules rules_;
    std::unordered_map<std::string, area> areas_;
    std::size_t observed_ = 0;
};

}  // namespace outagedesk::domain
