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

#include <algorithm>
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

// Every chunk of the registry walk, gathered.
store::affected_customers all_affected(store::customer_repository& customers,
                                       const std::vector<domain::area_expression>& areas, domain::service_set services) {
    store::affected_customers out;
    customers.affected_in_chunks(areas, services, 7, [&out](const store::affected_customers& chunk) {
        out.languages = chunk.languages;
        out.customers.insert(out.customers.end(), chunk.customers.begin(), chunk.customers.end());
        return true;
    });
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
    const auto found = all_affected(customers, areas, broadband);
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
        CHECK(all_affected(customers, areas, {}).customers.size() == visited.size());
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

namespace {

// The outbox counted row by row: what the kept counts must always equal.
std::map<std::string, store::notification_counts> counted(store::database& db, const std::string& incident_id) {
    std::map<std::string, store::notification_counts> out;
    auto reader = db.read();
    store::statement query(reader->handle(),
                           "SELECT kind, state, COUNT(*) FROM notifications WHERE incident_id = ?1 GROUP BY kind, state");
    query.bind(1, incident_id);
    while (query.step()) {
        auto& c = out[query.get_text(0)];
        const auto state = query.get_text(1);
        const auto n = query.get_int64(2);
        (state == "queued" ? c.queued : state == "sent" ? c.sent : state == "failed" ? c.failed : c.held) += n;
    }
    return out;
}

bool same(const std::map<std::string, store::notification_counts>& a,
          const std::map<std::string, store::notification_counts>& b) {
    auto non_empty = [](const std::map<std::string, store::notification_counts>& m) {
        std::map<std::string, std::vector<std::int64_t>> out;
        for (const auto& [kind, c] : m)
            if (c.queued || c.sent || c.failed || c.held) out[kind] = {c.queued, c.sent, c.failed, c.held};
        return out;
    };
    return non_empty(a) == non_empty(b);
}

store::outbox_entry entry(const std::string& incident_id, const std::string& customer_id, domain::notice_kind kind,
                          bool held) {
    store::outbox_entry e;
    e.incident_id = incident_id;
    e.customer_id = customer_id;
    e.kind = kind;
    e.channel = "sms";
    e.recipient = "+3460000" + customer_id;
    e.body = "Avería";
    e.held = held;
    e.key = domain::notice_key(incident_id, customer_id, kind);
    return e;
}

}  // namespace

TEST_CASE("the outbox counts follow every write that adds a message or moves one between states",
          "[store][notifications]") {
    test::temp_dir dir;
    metrics::registry metrics;
    config::store_settings settings;
    store::database db(dir.path() / "t.db", settings, metrics);
    store::notification_repository notes(db);
    using domain::contact_preference;
    using domain::notice_kind;
    const domain::service_set broadband{domain::service::broadband};
    db.write_sync([&](store::write_context& w) {
        for (const auto& c : {customer("C1", "28001", contact_preference::sms, broadband),
                              customer("C2", "28001", contact_preference::sms, broadband),
                              customer("C3", "28001", contact_preference::email, broadband),
                              customer("C4", "28001", contact_preference::none, broadband)})
            store::customer_repository::upsert(w, c, "2026-01-01T00:00:00Z");
    });
    store::customer_repository customers(db);
    const auto found = all_affected(customers, domain::parse_areas({"28001"}), broadband);
    std::vector<std::int64_t> refs;
    for (const auto& c : found.customers) refs.push_back(c.ref);
    REQUIRE(refs.size() == 4);

    auto check_counts = [&](const char* step) {
        INFO(step);
        for (const auto* id : {"INC-1", "INC-2"}) {
            INFO(id);
            CHECK(same(notes.counts_by_kind(id), counted(db, id)));
        }
    };
    store::customer_notice notice;
    notice.incident_id = "INC-1";
    notice.kind = notice_kind::declared;
    notice.key_prefix = "INC-1:";
    notice.key_suffix = ":declared";
    notice.hold_sms = true;
    db.write_sync([&](store::write_context& w) {
        const auto sms = store::notification_repository::save_text(w, "INC-1", "Avería");
        const auto email = store::notification_repository::save_text(w, "INC-1", "Estimado cliente");
        CHECK(store::notification_repository::enqueue_customers(w, notice, sms, email, refs, "2026-01-01T00:00:00Z") == 3);
        // Again: every key is taken, nothing counts twice.
        CHECK(store::notification_repository::enqueue_customers(w, notice, sms, email, refs, "2026-01-01T00:00:00Z") == 0);
    });
    auto kinds = notes.counts_by_kind("INC-1");
    CHECK(kinds["declared"].held == 2);  // C1 and C2 by SMS in quiet hours
    CHECK(kinds["declared"].queued == 1);  // C3 by email
    check_counts("customer notices");

    db.write_sync([&](store::write_context& w) {
        const std::vector<store::outbox_entry> entries{
            entry("INC-2", "C1", notice_kind::resolved, false), entry("INC-2", "C2", notice_kind::resolved, false),
            entry("INC-2", "C3", notice_kind::resolved, false), entry("INC-2", "C4", notice_kind::resolved, true),
            entry("INC-2", "C1", notice_kind::resolved, false)};  // the same key as the first
        CHECK(store::notification_repository::enqueue(w, entries, "2026-01-01T00:00:00Z") == 4);
    });
    CHECK(notes.counts("INC-2").queued == 3);
    CHECK(notes.counts("INC-2").held == 1);
    check_counts("entries");

    // One outcome of each kind for INC-2's three queued messages and one
    // for a message no longer queued (it changes nothing).
    auto due = notes.due(0, 10);
    std::vector<store::outbox_message> inc2;
    for (const auto& m : due)
        if (m.incident_id == "INC-2") inc2.push_back(m);
    REQUIRE(inc2.size() == 3);
    using result = store::delivery_outcome::result;
    auto outcome = [](const store::outbox_message& m, result what) {
        store::delivery_outcome o;
        o.id = m.id;
        o.what = what;
        o.incident_id = m.incident_id;
        o.customer_id = m.customer_id;
        o.recipient = m.recipient;
        o.status = 200;
        o.next_attempt_ms = 1000;
        return o;
    };
    db.write_sync([&](store::write_context& w) {
        store::notification_repository::record(w, outcome(inc2[0], result::sent), "2026-01-01T00:01:00Z");
        store::notification_repository::record(w, outcome(inc2[1], result::failed), "2026-01-01T00:01:00Z");
        store::notification_repository::record(w, outcome(inc2[2], result::retry), "2026-01-01T00:01:00Z");
        store::notification_repository::record(w, outcome(inc2[0], result::failed), "2026-01-01T00:01:00Z");
    });
    const auto after = notes.counts("INC-2");
    CHECK(after.sent == 1);
    CHECK(after.failed == 1);
    CHECK(after.queued == 1);
    CHECK(after.held == 1);
    check_counts("outcomes");
    db.write_sync([&](store::write_context& w) {
        store::notification_repository::record(w, outcome(inc2[2], result::hold), "2026-01-01T00:02:00Z");
    });
    CHECK(notes.counts("INC-2").held == 2);
    check_counts("held by the gateway");

    std::int64_t released = 0;
    db.write_sync([&](store::write_context& w) {
        released = store::notification_repository::release_held(w, "2026-01-01T08:00:00Z");
    });
    CHECK(released == 4);  // two of INC-1, two of INC-2
    CHECK(notes.counts("INC-1").held == 0);
    CHECK(notes.counts("INC-1").queued == 3);
    check_counts("quiet hours over");
    std::int64_t held = 0;
    db.write_sync([&](store::write_context& w) { held = store::notification_repository::hold_quiet_sms(w, "2026-01-01T22:00:00Z"); });
    CHECK(held == 4);  // the SMS: C1 and C2 of INC-1; C4 and the retried C3 of INC-2
    check_counts("quiet hours again");
}

TEST_CASE("migration 9 counts the outbox already there", "[store][notifications]") {
    test::temp_dir dir;
    store::connection db(dir.path() / "m9.db", store::connection::mode::read_write, 1000);
    store::schema_version(db);
    for (const auto& m : store::all_migrations()) {
        if (m.version > 8) break;
        db.exec(m.sql);
        store::statement record(db.handle(), "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)");
        record.bind(1, m.version).bind(2, m.name).run();
    }
    int n = 0;
    for (const auto* state : {"queued", "queued", "sent", "held", "failed", "queued"}) {
        const auto key = "INC-1:C" + std::to_string(++n) + ":declared";
        db.exec(std::string("INSERT INTO notifications (incident_id, customer_id, kind, channel, recipient, body, state, "
                            "idempotency_key, created_at, updated_at) VALUES ('INC-1', 'C', 'declared', 'sms', 'x', 'b', '") +
                state + "', '" + key + "', 'now', 'now')");
    }
    db.exec("INSERT INTO notifications (incident_id, customer_id, kind, channel, recipient, body, state, "
            "idempotency_key, created_at, updated_at) VALUES ('INC-2', 'C', 'resolved', 'email', 'x', 'b', 'sent', "
            "'INC-2:C:resolved', 'now', 'now')");
    CHECK(store::migrate(db) == static_cast<int>(store::all_migrations().size()) - 8);
    store::statement tallies(db.handle(),
                             "SELECT incident_id || '/' || kind || '/' || state, n FROM notification_tallies");
    std::map<std::string, std::int64_t> found;
    while (tallies.step()) found[tallies.get_text(0)] = tallies.get_int64(1);
    CHECK(found == std::map<std::string, std::int64_t>{{"INC-1/declared/queued", 3},
                                                       {"INC-1/declared/sent", 1},
                                                       {"INC-1/declared/held", 1},
                                                       {"INC-1/declared/failed", 1},
                                                       {"INC-2/resolved/sent", 1}});
}

TEST_CASE("the registry walk hands reached customers over in chunks, in id order, whichever way it reads",
          "[store][notifications]") {
    test::temp_dir dir;
    metrics::registry metrics;
    config::store_settings settings;
    store::database db(dir.path() / "n.db", settings, metrics);
    const std::vector<std::string> postcodes = {"28001", "28002", "28010", "28015", "28100", "08001", "08005", "41001"};
    const std::vector<std::string> languages = {"es", "ca", "en"};
    const std::vector<domain::service_set> service_sets = {
        {}, {domain::service::broadband}, {domain::service::tv}, {domain::service::broadband, domain::service::tv}};
    std::vector<domain::customer> registry;
    for (int i = 0; i < 600; ++i) {
        // Inserted in a scrambled id order, so rowid order is not id order.
        const int n = (i * 379) % 600;
        const auto postcode = n % 50 == 0 ? std::string("50001") : postcodes[static_cast<std::size_t>(n * 7 % 8)];
        registry.push_back(customer("R" + std::to_string(1000 + n), postcode,
                                    domain::contact_preference::sms, service_sets[static_cast<std::size_t>(n % 4)],
                                    languages[static_cast<std::size_t>(n / 3 % 3)]));
    }
    db.write_sync([&](store::write_context& w) {
        for (const auto& c : registry) store::customer_repository::upsert(w, c, "2026-01-01T00:00:00Z");
    });
    std::map<std::int64_t, std::string> id_of;
    {
        auto reader = db.read();
        store::statement query(reader->handle(), "SELECT rowid, id FROM customers");
        while (query.step()) id_of[query.get_int64(0)] = query.get_text(1);
    }
    store::customer_repository customers(db);
    const domain::service_set broadband{domain::service::broadband};

    // A large share (the trie over the id index) and a small one (SQL over the postcode index).
    for (const auto& texts : std::vector<std::vector<std::string>>{{"28*", "08001", "41000..41005"}, {"*"}, {"50001"}}) {
        for (const auto services : {domain::service_set{}, broadband}) {
            const auto areas = domain::parse_areas(texts);
            std::vector<std::pair<std::string, std::string>> expected;  // id, language
            for (const auto& c : registry)
                if (domain::areas_match(areas, c.postcode) && domain::customer_affected(c.services, services))
                    expected.emplace_back(c.id, c.language);
            std::sort(expected.begin(), expected.end());
            INFO(texts.front() << " with " << services.bits());
            REQUIRE(!expected.empty());

            std::vector<std::pair<std::string, std::string>> handed;
            std::vector<std::size_t> sizes;
            std::vector<std::string> languages_seen;
            const auto count = customers.affected_in_chunks(areas, services, 64, [&](const store::affected_customers& chunk) {
                // Languages only ever grow at the end: earlier indexes keep their meaning.
                REQUIRE(chunk.languages.size() >= languages_seen.size());
                CHECK(std::equal(languages_seen.begin(), languages_seen.end(), chunk.languages.begin()));
                languages_seen = chunk.languages;
                sizes.push_back(chunk.customers.size());
                for (const auto& c : chunk.customers) handed.emplace_back(id_of.at(c.ref), chunk.languages.at(c.language));
                return true;
            });
            CHECK(count == static_cast<std::int64_t>(expected.size()));
            CHECK(handed == expected);  // every reached customer once, in id order, with their language
            REQUIRE(!sizes.empty());
            for (std::size_t i = 0; i + 1 < sizes.size(); ++i) CHECK(sizes[i] == 64);
            CHECK((sizes.back() > 0 && sizes.back() <= 64));
            CHECK(customers.count_affected(areas, services) == count);
            CHECK(all_affected(customers, areas, services).customers.size() == expected.size());

            // Stopping after the first chunk: nothing more is read or handed over.
            int calls = 0;
            const auto first_only = customers.affected_in_chunks(areas, services, 10, [&](const store::affected_customers&) {
                ++calls;
                return false;
            });
            CHECK(calls == 1);
            CHECK(first_only == static_cast<std::int64_t>(std::min<std::size_t>(10, expected.size())));
        }
    }
}
