// A caller's history in the store: contacts found by customer id or by phone,
// newest first, each once, with the IVR hand-off among them.
#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/store/contact_repository.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

using namespace outagedesk;

namespace {
domain::contact contact_of(std::string customer_id, std::string phone, domain::contact_channel channel,
                           domain::sys_seconds at) {
    domain::contact c;
    c.customer_id = std::move(customer_id);
    c.phone = std::move(phone);
    c.channel = channel;
    c.reason = domain::contact_reason::no_service;
    c.outcome = channel == domain::contact_channel::ivr ? domain::contact_outcome::transferred : domain::contact_outcome::handled;
    c.created_at = at;
    return c;
}
}  // namespace

TEST_CASE("a caller's history merges contacts by customer id and by phone, newest first, each once", "[store][contacts]") {
    test::temp_dir dir;
    metrics::registry metrics;
    store::database db(dir.path() / "t.db", config::store_settings{}, metrics);
    store::contact_repository contacts(db);
    const domain::sys_seconds t0{std::chrono::seconds(1'800'000'000)};
    using domain::contact_channel;
    // Numbers 1..7: by id only, by phone only, by both, someone else, IVR by phone, by id, IVR long ago by id.
    const std::vector<domain::contact> rows = {
        contact_of("C1", "", contact_channel::voice, t0),
        contact_of("", "+34600000001", contact_channel::chat, t0 + std::chrono::seconds(1)),
        contact_of("C1", "+34600000001", contact_channel::voice, t0 + std::chrono::seconds(2)),
        contact_of("C2", "+34600000002", contact_channel::voice, t0 + std::chrono::seconds(3)),
        contact_of("", "+34600000001", contact_channel::ivr, t0 + std::chrono::seconds(4)),
        contact_of("C1", "", contact_channel::email, t0 + std::chrono::seconds(5)),
    };
    std::vector<std::int64_t> numbers;
    db.write_sync([&](store::write_context& w) {
        numbers.push_back(store::contact_repository::insert(w, contact_of("C1", "", contact_channel::ivr, t0 - std::chrono::hours(5)), "test", false));
        for (const auto& c : rows) numbers.push_back(store::contact_repository::insert(w, c, "test", false));
    });
    REQUIRE(numbers.size() == 7);

    auto history = contacts.for_caller("C1", "+34600000001", 10);
    std::vector<std::int64_t> seen;
    for (const auto& c : history) seen.push_back(c.number);
    // Everything of C1 or of the phone, newest first, the shared one once; C2's never.
    CHECK(seen == std::vector<std::int64_t>{numbers[6], numbers[5], numbers[3], numbers[2], numbers[1], numbers[0]});

    auto newest_three = contacts.for_caller("C1", "+34600000001", 3);
    REQUIRE(newest_three.size() == 3);
    CHECK(newest_three[0].number == numbers[6]);
    CHECK(newest_three[2].number == numbers[3]);

    CHECK(contacts.for_caller("", "+34600000001", 10).size() == 3);
    CHECK(contacts.for_caller("C1", "", 10).size() == 4);
    CHECK(contacts.for_caller("", "", 10).empty());

    // The IVR hand-off: the newest IVR contact since the given time, by either key.
    auto handoff = contacts.last_ivr("C1", "+34600000001", t0 - std::chrono::hours(1));
    REQUIRE(handoff.has_value());
    CHECK(handoff->number == numbers[5]);
    auto older = contacts.last_ivr("C1", "", t0 - std::chrono::hours(6));
    REQUIRE(older.has_value());
    CHECK(older->number == numbers[0]);
    CHECK_FALSE(contacts.last_ivr("C1", "", t0 - std::chrono::hours(1)).has_value());
}
