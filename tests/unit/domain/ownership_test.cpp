#include "outagedesk/domain/ownership.hpp"

#include <catch2/catch.hpp>

using namespace outagedesk::domain;
using std::chrono::hours;
using std::chrono::seconds;

namespace {
constexpr sys_seconds t0{seconds{1'800'000'000}};
constexpr std::chrono::seconds period = hours{24 * 14};
}  // namespace

TEST_CASE("the first agent who handles a customer becomes the owner for the period") {
    auto first = claim(std::nullopt, "C-1", "ana", t0, period);
    REQUIRE(first);
    CHECK(first->agent == "ana");
    CHECK(first->since == t0);
    CHECK(first->until == t0 + period);
}

TEST_CASE("ownership sticks until it runs out, then the next agent takes over") {
    const ownership stored{"C-1", "ana", t0, t0 + period};
    // handler, when (seconds after t0), new owner ("" = the stored one stands)
    const auto [agent, after, taken_by] = GENERATE(table<std::string, std::int64_t, std::string>({
        {"bob", 60, ""},
        {"ana", 86400, ""},                // the owner's own contacts do not renew the period
        {"bob", 14 * 86400 - 1, ""},
        {"bob", 14 * 86400, "bob"},        // `until` is exclusive
        {"ana", 20 * 86400, "ana"},        // the former owner can take it again, for a new period
    }));
    CAPTURE(agent, after);
    const auto when = t0 + seconds{after};
    auto claimed = claim(stored, "C-1", agent, when, period);
    CHECK(claimed.has_value() == !taken_by.empty());
    if (claimed) {
        CHECK(claimed->agent == taken_by);
        CHECK(claimed->since == when);
        CHECK(claimed->until == when + period);
    }
    CHECK(owner_at(stored, when).has_value() == (after < 14 * 86400));
}

TEST_CASE("nobody owns a customer without an agent or a customer") {
    CHECK_FALSE(claim(std::nullopt, "C-1", "", t0, period));
    CHECK_FALSE(claim(std::nullopt, "", "ana", t0, period));
    CHECK_FALSE(owner_at(std::nullopt, t0));
}
