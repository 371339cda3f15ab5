#include "outagedesk/domain/surge_detector.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace outagedesk::domain;
using std::chrono::seconds;

namespace {

// A window-aligned moment, so tests know which epoch windows they touch.
constexpr sys_seconds t0{seconds{1'800'000'000 - 1'800'000'000 % 300}};

surge_rules default_rules() { return {}; }  // 3 characters, 300 s, threshold 20, multiple 5, weight 1/12

struct run {
    std::size_t raised = 0;
    std::vector<std::string> raised_areas;
    std::vector<surge_observation> raises;
    std::int64_t next_contact = 1;

    void feed(surge_detector& detector, const std::string& postcode, sys_seconds at) {
        auto seen = detector.observe(next_contact++, postcode, at);
        if (seen.raise) {
            ++raised;
            raised_areas.push_back(seen.prefix);
            raises.push_back(seen);
        }
    }
};

// `n` contacts evenly over `span` starting at `from`.
void spread(run& r, surge_detector& detector, const std::string& postcode, int n, sys_seconds from, seconds span) {
    for (int i = 0; i < n; ++i) r.feed(detector, postcode, from + span * i / n);
}

}  // namespace

TEST_CASE("30 no_service contacts in 5 minutes from 280xx over a quiet baseline raise exactly one alert") {
    surge_detector detector(default_rules());
    run r;
    for (int i = 0; i < 30; ++i) r.feed(detector, "280" + std::to_string(10 + i % 90), t0 + seconds{i * 9});
    REQUIRE(r.raised == 1);
    CHECK(r.raised_areas.front() == "280");
    const auto& raise = r.raises.front();
    CHECK(raise.count == 20);  // the threshold is reached by the 20th contact
    CHECK(raise.baseline == 0);
    CHECK(raise.window_contacts.size() == 20);
    CHECK(raise.window_contacts.front() == 1);
    CHECK(raise.window_contacts.back() == 20);
    CHECK(raise.first_at == t0);
}

TEST_CASE("the same volume spread thinly over many prefixes raises none") {
    surge_detector detector(default_rules());
    run r;
    for (int i = 0; i < 30; ++i) r.feed(detector, std::to_string(100 + i) + "01", t0 + seconds{i * 9});
    CHECK(r.raised == 0);
    CHECK(detector.areas() == 30);
}

TEST_CASE("a surge must reach the threshold and pass the multiple of the baseline") {
    // rows: threshold, multiple, contacts in the last window, per-window volume before it (for 24 windows), raises
    const auto [threshold, multiple, burst, usual, raises] = GENERATE(table<std::size_t, double, int, int, bool>({
        {20, 5, 19, 0, false},   // one short of the threshold
        {20, 5, 20, 0, true},    // reaches it over a quiet area
        {20, 5, 30, 10, false},  // busy area: baseline ~8.0 after one quiet window, bar ~40
        {20, 5, 50, 10, true},   // past the bar of the busy area
        {20, 1, 30, 10, true},   // a small multiple leaves the threshold in charge
        {50, 0, 49, 0, false},   // the threshold alone
        {50, 0, 50, 0, true},
    }));
    CAPTURE(threshold, multiple, burst, usual);
    surge_rules rules;
    rules.threshold = threshold;
    rules.baseline_multiple = multiple;
    surge_detector detector(rules);
    run r;
    const auto window = rules.window;
    for (int w = 0; w < 24; ++w) spread(r, detector, "46001", usual, t0 + window * w, window);
    // The busy area's steady volume never surges on its own.
    REQUIRE(r.raised == 0);
    // The burst lands in one window, well clear of the last usual contacts.
    spread(r, detector, "46002", burst, t0 + window * 25, seconds{60});
    CHECK((r.raised == 1) == raises);
}

TEST_CASE("the baseline is an exponentially weighted average of completed windows") {
    surge_rules rules;
    rules.threshold = 1000;  // only the baseline is under test here
    surge_detector detector(rules);
    run r;
    const auto window = rules.window;
    spread(r, detector, "28001", 12, t0, window);  // window 0: 12 contacts
    CHECK(detector.baseline("280", t0 + window - seconds{1}) == Approx(0.0));  // window 0 still open
    CHECK(detector.baseline("280", t0 + window) == Approx(1.0));               // 12 / 12
    CHECK(detector.baseline("280", t0 + window * 2) == Approx(11.0 / 12));    // an empty window decays it
    CHECK(detector.baseline("280", t0 + window * 3) == Approx(121.0 / 144));
    spread(r, detector, "28001", 24, t0 + window * 2, window);  // window 2: 24 contacts after one empty window
    CHECK(detector.baseline("280", t0 + window * 3) == Approx(2.0 + 11.0 / 12 * 11.0 / 12));
    CHECK(detector.baseline("999", t0) == 0);  // an area never seen is quiet
}

TEST_CASE("the window slides: contacts older than the window no longer count") {
    surge_detector detector(default_rules());
    run r;
    spread(r, detector, "28001", 19, t0, seconds{100});
    CHECK(detector.count("280", t0 + seconds{100}) == 19);
    // 19 more, all more than 300 s after the first 19: never 20 within one window.
    spread(r, detector, "28001", 19, t0 + seconds{401}, seconds{100});
    CHECK(r.raised == 0);
    CHECK(detector.count("280", t0 + seconds{501}) == 19);
}

TEST_CASE("one alert per area and episode, and a new episode after the area calms down raises again") {
    surge_detector detector(default_rules());
    run r;
    spread(r, detector, "28001", 60, t0, seconds{240});
    CHECK(r.raised == 1);
    // An hour later the area is calm again; a fresh surge is a new episode.
    spread(r, detector, "28001", 1, t0 + seconds{3600}, seconds{1});
    CHECK(r.raised == 1);
    // The first surge raised the baseline (60 in one window: 5 per window,
    // decayed over the quiet hour to about 1.9, bar ~9.6): the threshold still rules.
    spread(r, detector, "28001", 40, t0 + seconds{3700}, seconds{120});
    CHECK(r.raised == 2);
    CHECK(r.raises[1].count == 20);
}

TEST_CASE("surges in different areas raise one alert each") {
    surge_detector detector(default_rules());
    run r;
    for (int i = 0; i < 25; ++i) {
        r.feed(detector, "28001", t0 + seconds{i});
        r.feed(detector, "46001", t0 + seconds{i});
        r.feed(detector, "08001", t0 + seconds{i});
    }
    CHECK(r.raised == 3);
    CHECK(r.raised_areas == std::vector<std::string>{"280", "460", "080"});
}

TEST_CASE("the area is the postcode's prefix of the configured length") {
    const auto [length, postcode, area] = GENERATE(table<std::size_t, std::string, std::string>({
        {3, "28001", "280"},
        {2, "28001", "28"},
        {5, "28001", "28001"},
        {4, "AB", "AB"},  // shorter than the prefix: the whole postcode
        {3, "SW1A1AA", "SW1"},
    }));
    surge_rules rules;
    rules.prefix_length = length;
    surge_detector detector(rules);
    CHECK(detector.prefix_of(postcode) == area);
    CHECK(detector.observe(1, postcode, t0).prefix == area);
}

TEST_CASE("contacts arriving out of order are counted at the latest time seen") {
    surge_detector detector(default_rules());
    run r;
    r.feed(detector, "28001", t0 + seconds{100});
    r.feed(detector, "28001", t0 + seconds{10});  // late arrival
    CHECK(detector.count("280", t0 + seconds{100}) == 2);
    CHECK(detector.count("280", t0 + seconds{399}) == 2);
    CHECK(detector.count("280", t0 + seconds{400}) == 0);
}

TEST_CASE("quiet areas are forgotten, so memory follows the active areas only") {
    surge_detector detector(default_rules());
    run r;
    for (int i = 0; i < 3000; ++i) r.feed(detector, std::to_string(100 + i % 900) + "00", t0 + seconds{i % 60});
    CHECK(detector.areas() == 900);
    // A day later, thousands of contacts from one area trigger the sweeps.
    for (int i = 0; i < 5000; ++i) r.feed(detector, "28001", t0 + seconds{86400 + i / 100});
    CHECK(detector.areas() == 1);
}
