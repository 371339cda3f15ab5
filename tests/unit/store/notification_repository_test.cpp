// The outbox in the store: customer notices built from the registry with
// shared texts, one per key, and the migration that moved the outbox to them.
#include "outagedesk/domain/area.hpp"
#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/store/customer_repository.hpp"
#include "outagedesk/store/migrations.hpp"
#include "outagedesk/store/notification_repository.hpp"
#include "outagedesk/store/sqlite.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace outagedesk;

namespace {

domain::customer customer(std::string id, std::string postcode, domain::contact_preference channel,
                          domain::service_set services, std::string language = "es", bool consent = true) {
    domain::customer c;
    c.id = std::move(id);
    c.phone = "+3460000" + c.id;
    c.email = c.id + "@example.com";
    c.postcode = std::move(postcode);
    c.language = std::move(language);
    c.services = services;
    c.preferred_channel = channel;
    c.consent = consent;
    return c;
}

struct outbox_row {
    std::string channel, recipient, state, body;
};

std::map<std::string, outbox_row> outbox(store::database& db) {
    std::map<std::string, outbox_row> out;
    auto reader = db.read();
    store::statement query(reader->handle(),
                           "SELECT n.idempotency_key, n.channel, n.recipient, n.state, COALESCE(n.body, t.body) "
                           "FROM notifications n LEFT JOIN notification_texts t ON t.id = n.text_id");
    while (query.step())
        out[query.get_text(0)] = {query.get_text(1), query.get_text(2), query.get_text(3), query.get_text(4)};
    return out;
}

}  // namespace

TEST_CASE("a customer notice goes once to each reached customer on their channel, in their language's text",
          "[store][notifications]") {
    test::temp_dir dir;
    metrics::registry metrics;
    config::store_settings settings;
    store::database db(dir.path() / "n.db", settings, metrics);
    using domain::contact_preference;
    const domain::service_set broadband{domain::service::broadband};
    db.write_sync([&](store::write_context& w) {
        // Inserted out of id order: the notices still come in id order.
        for (const auto& c : {customer("C3", "28001", contact_preference::email, broadband, "en"),
                              customer("C1", "28001", contact_preference::sms, broadband),
                              customer("C2", "28002", contact_preference::none, broadband),
                              customer("C4", "28001", contact_preference::sms, broadband, "es", false),
                              customer("C5", "28001", contact_preference::sms, {domain::service::tv}),
                              customer("C6", "29001", contact_preference::sms, broadband),
                              customer("C7", "28003", contact_preference::sms, {}, "en")})
            store::customer_repository::upsert(w, c, "2026-01-01T00:00:00Z");
    });
    store::customer_repository customers(db);
    const auto areas = domain::parse_areas({"28001", "28002..28009"});
    const auto found = customers.affected(areas, broadband);
    CHECK(customers.count_affected(areas, broadband) == 5);  // C1, C2, C3, C4, C7
    REQUIRE(found.customers.size() == 5);
    std::map<std::string, std::vector<std::int64_t>> by_language;
    for (const auto& c : found.customers) by_language[found.languages.at(c.language)].push_back(c.ref);
    CHECK(by_language["es"].size() == 3);
    CHECK(by_language["en"].size() == 2);

    store::customer_notice notice;
    notice.incident_id = "INC-1";
    notice.kind = domain::notice_kind::declared;
    notice.key_prefix = "INC-1:";
    notice.key_suffix = ":declared";
    notice.hold_sms = true;
    auto queue = [&] {
        std::int64_t added = 0;
        db.write_sync([&](store::write_context& w) {
            const auto es_sms = store::notification_repository::save_text(w, "INC-1", "Avería");
            const auto es_email = store::notification_repository::save_text(w, "INC-1", "Estimado cliente: avería");
            const auto en_sms = store::notification_repository::save_text(w, "INC-1", "Fault");
            CHECK(store::notification_repository::save_text(w, "INC-1", "Avería") == es_sms);
            added += store::notification_repository::enqueue_customers(w, notice, es_sms, es_email, by_language["es"],
                                                                       "2026-01-01T00:00:00Z");
            // No email text in English: C3 gets nothing from this call.
            added += store::notification_repository::enqueue_customers(w, notice, en_sms, std::nullopt, by_language["en"],
                                                                       "2026-01-01T00:00:00Z");
        });
        return added;
    };
    CHECK(queue() == 2);
    auto rows = outbox(db);
    REQUIRE(rows.size() == 2);
    CHECK(rows["INC-1:C1:declared"].channel == "sms");
    CHECK(rows["INC-1:C1:declared"].recipient == "+3460000C1");
    CHECK(rows["INC-1:C1:declared"].body == "Avería");
    CHECK(rows["INC-1:C1:declared"].state == "held");
    CHECK(rows["INC-1:C7:declared"].body == "Fault");
    CHECK(queue() == 0);  // the keys hold
    CHECK(outbox(db).size() == 2);

    // Not held: a new round's keys, and C3's email in English now that there is one.
    notice.hold_sms = false;
    notice.key_suffix = ":declared.2";
    db.write_sync([&](store::write_context& w) {
        const auto en_email = store::notification_repository::save_text(w, "INC-1", "Dear customer");
        CHECK(store::notification_repository::enqueue_customers(w, notice, std::nullopt, en_email, by_language["en"],
                                                                "2026-01-01T00:00:00Z") == 1);
    });
    rows = outbox(db);
    CHECK(rows["INC-1:C3:declared.2"].channel == "email");
    CHECK(rows["INC-1:C3:declared.2"].recipient == "C3@example.com");
    CHECK(rows["INC-1:C3:declared.2"].state == "queued");

    // The gateway reads the shared text as the message's body.
    store::notification_repository notes(db);
    const auto due = notes.due(0, 10);
    REQUIRE(due.size() == 1);
    CHECK(due[0].body == "Dear customer");
    CHECK(due[0].key == "INC-1:C3:declared.2");
}

TEST_CASE("customers reached by a large area come through the id index in id order", "[store][notifications]") {
    test::temp_dir dir;
    metrics::registry metrics;
    config::store_settings settings;
    store::database db(dir.path() / "n.db", settings, metrics);
    db.write_sync([&](store::write_context& w) {
        for (int i = 40; i > 0; --i)
            store::customer_repository::upsert(
                w, customer("K" + std::to_string(100 + i), i % 4 == 0 ? "29000" : "28" + std::to_string(100 + i),
                            domain::contact_preference::sms, {}),
                "2026-01-01T00:00:00Z");
    });
    store::customer_repository customers(db);
    // Overlapping areas are estimated high but still reach and count each customer once.
    for (const auto& texts : std::vector<std::vector<std::string>>{
             {"28*"}, {"28101", "*"}, {"28110"}, {"28*", "281*", "28101", "28100..28140"}, {"28101", "28101", "28102"}}) {
        const auto areas = domain::parse_areas(texts);
        std::vector<std::string> visited;
        customers.for_each_affected(areas, {}, [&](const domain::customer& c) { visited.push_back(c.id); });
        INFO(texts.front());
        CHECK(std::is_sorted(visited.begin(), visited.end()));
        CHECK(customers.affected(areas, {}).customers.size() == visited.size());
        CHECK(static_cast<std::int64_t>(visited.size()) == customers.count_affected(areas, {}));
        const std::size_t expected = texts.size() == 2 ? 40 : texts.front() == "28*" ? 30 : texts.size() == 3 ? 2 : 1;
        CHECK(visited.size() == expected);
    }
}

TEST_CASE("migration 6 keeps the outbox's messages and bodies and marks ETA rounds already notified",
          "[store][notifications]") {
    test::temp_dir dir;
    store::connection db(dir.path() / "m.db", store::connection::mode::read_write, 1000);
    store::schema_version(db);
    for (const auto& m : store::all_migrations()) {
        if (m.version > 5) break;
        db.exec(m.sql);
        store::statement record(db.handle(), "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)");
        record.bind(1, m.version).bind(2, m.name).run();
    }
    db.exec("INSERT INTO notifications (incident_id, customer_id, kind, channel, recipient, body, state, idempotency_key, "
            "created_at, updated_at) VALUES ('INC-1', 'C1', 'eta_changed', 'sms', '+34600000001', 'New ETA', 'sent', "
            "'INC-1:C1:eta_changed', '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z')");
    db.exec("INSERT INTO notification_runs (incident_id, scope) VALUES ('INC-1', 's'), ('INC-2', 's')");
    CHECK(store::migrate(db) == static_cast<int>(store::all_migrations().size()) - 5);

    store::statement moved(db.handle(), "SELECT body, text_id IS NULL, state, updated_at FROM notifications "
                                        "WHERE idempotency_key = 'INC-1:C1:eta_changed'");
    REQUIRE(moved.step());
    CHECK(moved.get_text(0) == "New ETA");
    CHECK(moved.get_int64(1) == 1);
    CHECK(moved.get_text(2) == "sent");
    CHECK(moved.get_text(3) == "2026-01-01T00:00:01Z");
    store::statement rounds(db.handle(), "SELECT incident_id, eta_round FROM notification_runs ORDER BY incident_id");
    std::map<std::string, std::int64_t> by_incident;
    while (rounds.step()) by_incident[rounds.get_text(0)] = rounds.get_int64(1);
    CHECK(by_incident == std::map<std::string, std::int64_t>{{"INC-1", 1}, {"INC-2", 0}});
    // The key is still unique.
    CHECK_THROWS(db.exec("INSERT INTO notifications (incident_id, kind, channel, recipient, body, state, idempotency_key, "
                         "created_at) VALUES ('INC-1', 'declared', 'sms', 'x', 'b', 'queued', 'INC-1:C1:eta_changed', 'now')"));
}
