#include "outagedesk/domain/callback.hpp"

#include "outagedesk/domain/errors.hpp"

#include <catch2/catch.hpp>

using namespace outagedesk::domain;
using std::chrono::seconds;

namespace {
constexpr sys_seconds now{seconds{1'800'000'000}};

callback due_at(sys_seconds due) {
    callback_fields f;
    f.customer_id = "C-1";
    f.due_at = due;
    return make_callback(f, "ana", "ana", now);
}
}  // namespace

TEST_CASE("a callback is overdue only while open and past its due time") {
    auto c = due_at(now + seconds{600});
    // moment, overdue
    const auto [offset, overdue] = GENERATE(table<int, bool>({{0, false}, {599, false}, {600, false}, {601, true}, {86400, true}}));
    CAPTURE(offset);
    CHECK(is_overdue(c, now + seconds{offset}) == overdue);
    CHECK(due_event_wanted(c, now + seconds{offset}) == overdue);
    c.due_notified = true;
    CHECK_FALSE(due_event_wanted(c, now + seconds{offset}));  // once each
    REQUIRE(complete(c, "bob", now + seconds{offset}));
    CHECK_FALSE(is_overdue(c, now + seconds{offset}));
}

TEST_CASE("a completed callback was kept when completed by its due time") {
    const auto [done_after, kept] = GENERATE(table<int, bool>({{0, true}, {600, true}, {601, false}}));
    auto c = due_at(now + seconds{600});
    CHECK_FALSE(kept_on_time(c));  // an open one is not kept (yet)
    REQUIRE(complete(c, "bob", now + seconds{done_after}));
    CHECK(c.state == callback_state::done);
    CHECK(c.completed_by == "bob");
    CHECK(kept_on_time(c) == kept);
    CHECK_FALSE(complete(c, "bob", now + seconds{done_after + 1}));  // done already
    CHECK(c.completed_at == now + seconds{done_after});
}

TEST_CASE("callback fields are validated") {
    auto error_of = [](const callback_fields& f) -> std::string {
        try {
            make_callback(f, "ana", "ana", now);
        } catch (const invalid_input& e) {
            return e.field();
        }
        return "";
    };
    callback_fields f;
    f.customer_id = "C-1";
    f.due_at = now + seconds{60};
    CHECK(error_of(f).empty());
    auto no_customer = f;
    no_customer.customer_id.reset();
    CHECK(error_of(no_customer) == "customer_id");
    auto no_due = f;
    no_due.due_at.reset();
    CHECK(error_of(no_due) == "due_at");
    auto past = f;
    past.due_at = now - seconds{3600};
    CHECK(error_of(past) == "due_at");
    auto far = f;
    far.due_at = now + std::chrono::hours{24 * 400};
    CHECK(error_of(far) == "due_at");
    auto made = make_callback(f, "ana", "desk-1", now);
    CHECK(made.agent == "ana");
    CHECK(made.created_by == "desk-1");
    CHECK(made.state == callback_state::open);
}

TEST_CASE("callback filters and ids parse") {
    CHECK(parse_callback_filter("open") == callback_filter::open);
    CHECK(parse_callback_filter("overdue") == callback_filter::overdue);
    CHECK(parse_callback_filter("done") == callback_filter::done);
    CHECK_FALSE(parse_callback_filter("missed"));
    CHECK(parse_callback_id("CB-7") == 7);
    CHECK_FALSE(parse_callback_id("CB-"));
    CHECK_FALSE(parse_callback_id("CON-7"));
}
