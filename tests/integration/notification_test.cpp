// Proactive notices through the real binary and a fake gateway: who gets a
// message, how fast they go out, retries, quiet hours, the resolution notice
// and the compensation export.
#include "outagedesk/domain/csv.hpp"
#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/store/sqlite.hpp"
#include "support/fake_gateway.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

using nlohmann::json;
using outagedesk::test::fake_gateway;
using outagedesk::test::http_reply;
using outagedesk::test::server_process;
using namespace std::chrono_literals;

namespace {

struct outreach {
    server_process server;
    std::string ops;
    std::string agent;

    explicit outreach(const json& config) : server(config) {
        ops = server.create_token("ops", "ops-1");
        agent = server.create_token("agent", "desk-1");
        server.start();
    }

    void import(const std::string& csv) {
        auto reply = server.request("POST", "/v1/customers/import", csv,
                                    {{"Authorization", "Bearer " + ops}, {"Content-Type", "text/csv"}});
        REQUIRE(reply.status == 200);
        REQUIRE(reply.json()["rejected"] == json::array());
    }

    std::string declare(json body) {
        auto reply = server.call("POST", "/v1/incidents", ops, body);
        REQUIRE(reply.status == 201);
        return reply.json()["id"].get<std::string>();
    }

    json counts(const std::string& id) {
        auto reply = server.call("GET", "/v1/incidents/" + id + "/notifications", ops);
        REQUIRE(reply.status == 200);
        return reply.json();
    }

    // Polls the counts until `done` holds; fails after `timeout`.
    json wait_counts(const std::string& id, const std::function<bool(const json&)>& done,
                     std::chrono::milliseconds timeout = 20s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        json last;
        while (std::chrono::steady_clock::now() < deadline) {
            last = counts(id);
            if (done(last)) return last;
            std::this_thread::sleep_for(50ms);
        }
        FAIL("notification counts never got there; last: " << last.dump());
        return last;
    }
};

json messages() {
    return {{"es",
             {{"sms", "Avería {{ref}} en su zona ({{status}}). {{compensation}}"},
              {"email", "Estimado cliente: avería {{ref}}, {{status}}. {{compensation}}"},
              {"agent_script", "Avería {{ref}}"}}},
            {"en", {{"sms", "Fault {{ref}} in your area ({{status}}). {{compensation}}"}}}};
}

std::string hhmm(std::time_t t) {
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[8];
    std::strftime(text, sizeof text, "%H:%M", &utc);
    return text;
}

std::string suffix_of(const std::string& key) { return key.substr(key.rfind(':') + 1); }
std::string recipient_of(const std::string& key) {
    auto last = key.rfind(':');
    auto first = key.find(':');
    return key.substr(first + 1, last - first - 1);
}

}  // namespace

TEST_CASE("declare queues one message per affected customer and the gateway gets them no faster than the rate",
          "[notifications][integration]") {
    fake_gateway gateway;
    outreach o({{"timezone", "UTC"},
                {"notify",
                 {{"gateway_url", gateway.url()},
                  {"gateway_token", "s3cret-gateway-token"},
                  {"rate_per_second", 20},
                  {"min_severity", "major"},
                  {"concurrency", 4}}}});
    std::string csv = "id,phone,email,postcode,language,services,preferred_channel,consent\n"
                      "C1,+34600000001,,28001,en,broadband,sms,true\n"
                      "C2,+34600000002,c2@example.com,28002,es,fixed_voice,email,true\n"
                      "C3,+34600000003,,28001,es,broadband,none,true\n"      // none: not messaged
                      "C4,+34600000004,,28001,es,tv,sms,true\n"              // no shared service
                      "C5,+34600000005,,28001,es,,sms,true\n"                // states none: affected
                      "C6,+34600000006,,29000,es,broadband,sms,true\n"       // outside
                      "C7,+34600000007,,28150,es,broadband,sms,true\n"       // in the range
                      "C8,+34600000008,,28001,es,broadband,sms,false\n"      // no consent
                      "C9,+34600000009,,28055,es,fixed_voice,sms,true\n"     // in the prefix
                      "C10,+34600000010,,28200,es,broadband,sms,true\n"      // past the range
                      "C11,+34600000011,,281000,es,broadband,sms,true\n";    // a range covers its length only
    std::set<std::string> expected = {"C1", "C2", "C5", "C7", "C9"};
    for (int i = 0; i < 30; ++i) {
        const auto id = "R" + std::to_string(100 + i);
        csv += id + ",+346100001" + std::to_string(10 + i) + ",,28003,es,broadband,sms,true\n";
        expected.insert(id);
    }
    o.import(csv);

    const auto id = o.declare({{"title", "Fibre cut"},
                               {"severity", "major"},
                               {"services", {"broadband", "fixed_voice"}},
                               {"areas", {"28001", "28002", "28003", "28100..28199", "2805*"}},
                               {"messages", messages()}});
    auto done = o.wait_counts(id, [&](const json& c) { return c["sent"] == expected.size(); }, 30s);
    CHECK(done["queued"] == 0);
    CHECK(done["failed"] == 0);
    CHECK(done["held"] == 0);
    CHECK(done["by_kind"]["declared"]["sent"] == expected.size());

    auto received = gateway.requests();
    REQUIRE(received.size() == expected.size());
    std::set<std::string> keys, recipients;
    for (const auto& r : received) {
        REQUIRE(r.body.is_object());
        const auto key = r.body["idempotency_key"].get<std::string>();
        keys.insert(key);
        recipients.insert(recipient_of(key));
        CHECK(suffix_of(key) == "declared");
        CHECK(key.rfind(id + ":", 0) == 0);
        CHECK(r.authorization == "Bearer s3cret-gateway-token");
        CHECK(r.idempotency_header == key);
        const auto customer = recipient_of(key);
        if (customer == "C2") {
            CHECK(r.body["channel"] == "email");
            CHECK(r.body["to"] == "c2@example.com");
            CHECK_THAT(r.body["body"].get<std::string>(), Catch::StartsWith("Estimado cliente: avería " + id));
        } else if (customer == "C1") {
            CHECK(r.body["channel"] == "sms");
            CHECK(r.body["to"] == "+34600000001");
            CHECK(r.body["body"] == "Fault " + id + " in your area (under investigation). ");
        } else {
            CHECK(r.body["channel"] == "sms");
            CHECK_THAT(r.body["body"].get<std::string>(), Catch::StartsWith("Avería " + id));
        }
    }
    CHECK(keys.size() == expected.size());
    CHECK(recipients == expected);

    // The rate: 34 gaps at 20/s take at least 1.7 s; no second holds more than 20 (+1 for timing noise).
    std::vector<std::chrono::steady_clock::time_point> times;
    for (const auto& r : received) times.push_back(r.at);
    std::sort(times.begin(), times.end());
    const double span = std::chrono::duration<double>(times.back() - times.front()).count();
    const double measured = static_cast<double>(times.size() - 1) / span;
    INFO("measured " << measured << " messages/s over " << span << " s");
    CHECK(measured <= 20 * 1.05);
    for (std::size_t i = 0; i < times.size(); ++i) {
        std::size_t in_window = 0;
        for (std::size_t j = i; j < times.size() && times[j] - times[i] < 1s; ++j) ++in_window;
        CHECK(in_window <= 21);
    }

    auto incident = o.server.call("GET", "/v1/incidents/" + id, o.ops).json();
    CHECK(incident["stats"]["affected_customers"] == expected.size() + 2);  // C3 (none) and C8 (no consent) too
    CHECK(incident["stats"]["notified"] == expected.size());
    CHECK(o.server.log().find("s3cret-gateway-token") == std::string::npos);
    CHECK(o.server.call("GET", "/v1/incidents/" + id + "/notifications", o.agent).status == 403);
    CHECK(o.server.call("GET", "/v1/incidents/INC-999/notifications", o.ops).status == 404);
}

TEST_CASE("a failing gateway gets retries, and each message is accepted once under one key", "[notifications][integration]") {
    fake_gateway gateway;
    outreach o({{"timezone", "UTC"},
                {"notify",
                 {{"gateway_url", gateway.url()},
                  {"rate_per_second", 100},
                  {"retry_base_ms", 100},
                  {"retry_max_seconds", 1},
                  {"max_attempts", 6}}}});
    o.import("id,phone,postcode,services,preferred_channel\n"
             "F1,+34600000001,28001,broadband,sms\n"
             "F2,+34600000002,28001,broadband,sms\n"
             "F3,+34600000003,28001,broadband,sms\n"
             "F4,+34600000004,28001,broadband,sms\n"
             "F5,+34600000005,28001,broadband,sms\n"
             "F9,+34600000099,28001,broadband,sms\n");
    gateway.fail_next(4, 503);
    gateway.refuse("+34600000099", 400);  // a number the gateway will never take: no retry
    const auto id = o.declare({{"title", "Cut"}, {"severity", "critical"}, {"areas", {"28001"}}, {"messages", messages()}});
    auto done = o.wait_counts(id, [](const json& c) { return c["sent"] == 5 && c["failed"] == 1; });
    CHECK(done["queued"] == 0);
    std::this_thread::sleep_for(600ms);  // nothing more should arrive

    std::map<std::string, int> accepted, attempts;
    std::map<std::string, std::set<std::string>> bodies;
    int unavailable = 0;
    for (const auto& r : gateway.requests()) {
        const auto key = r.body["idempotency_key"].get<std::string>();
        ++attempts[key];
        bodies[key].insert(r.body.dump());
        if (r.answered == 200) ++accepted[key];
        if (r.answered == 503) ++unavailable;
    }
    CHECK(unavailable == 4);
    CHECK(accepted.size() == 5);
    for (const auto& [key, n] : accepted) CHECK(n == 1);
    for (const auto& [key, set] : bodies) CHECK(set.size() == 1);  // a retry is the same request
    CHECK(attempts[id + ":F9:declared"] == 1);
    int retried = 0;
    for (const auto& [key, n] : attempts)
        if (n > 1) ++retried;
    CHECK(retried >= 1);
    auto incident = o.server.call("GET", "/v1/incidents/" + id, o.ops).json();
    CHECK(incident["stats"]["notified"] == 5);

    SECTION("each new ETA queues one eta_changed notice per customer under its own keys, and only once") {
        REQUIRE(o.server.call("PATCH", "/v1/incidents/" + id, o.ops, {{"eta", "2099-01-01T12:00:00Z"}}).status == 200);
        o.wait_counts(id, [](const json& c) {
            return c["by_kind"].contains("eta_changed") && c["by_kind"]["eta_changed"]["sent"] == 5 &&
                   c["by_kind"]["eta_changed"]["failed"] == 1;
        });
        REQUIRE(o.server.call("PATCH", "/v1/incidents/" + id, o.ops, {{"eta", "2099-01-02T12:00:00Z"}}).status == 200);
        auto eta = o.wait_counts(id, [](const json& c) {
            return c["by_kind"]["eta_changed"]["sent"] == 10 && c["by_kind"]["eta_changed"]["failed"] == 2;
        });
        // Neither a note nor the same ETA again is a new ETA.
        REQUIRE(o.server.call("PATCH", "/v1/incidents/" + id, o.ops, {{"note", "crew on site"}}).status == 200);
        REQUIRE(o.server.call("PATCH", "/v1/incidents/" + id, o.ops, {{"eta", "2099-01-02T12:00:00Z"}}).status == 200);
        std::this_thread::sleep_for(800ms);
        CHECK(o.counts(id)["by_kind"]["eta_changed"] == eta["by_kind"]["eta_changed"]);

        std::map<std::string, int> eta_accepted;
        for (const auto& r : gateway.requests()) {
            const auto key = r.body["idempotency_key"].get<std::string>();
            if (key.find(":eta_changed") == std::string::npos || r.answered != 200) continue;
            ++eta_accepted[key];
        }
        CHECK(eta_accepted.size() == 10);
        for (const auto& [key, n] : eta_accepted) CHECK(n == 1);
        CHECK(eta_accepted.count(id + ":F1:eta_changed") == 1);
        CHECK(eta_accepted.count(id + ":F1:eta_changed.2") == 1);
    }
    SECTION("an incident under notify.min_severity notifies nobody but counts who it reaches") {
        const auto minor = o.declare({{"title", "Blip"}, {"severity", "minor"}, {"areas", {"28001"}}, {"messages", messages()}});
        json seen;
        for (int i = 0; i < 100; ++i) {
            seen = o.server.call("GET", "/v1/incidents/" + minor, o.ops).json();
            if (seen["stats"]["affected_customers"] == 6) break;
            std::this_thread::sleep_for(50ms);
        }
        CHECK(seen["stats"]["affected_customers"] == 6);
        auto c = o.counts(minor);
        CHECK(c["queued"] == 0);
        CHECK(c["sent"] == 0);
    }
}

TEST_CASE("quiet hours hold non-critical SMS and release them when they end", "[notifications][integration]") {
    fake_gateway gateway;
    const std::time_t now = std::time(nullptr);
    // The window is now, in UTC; moving the server's clock two hours on ends it.
    outagedesk::test::temp_dir clock_dir;
    const auto offset_file = clock_dir.path() / "offset";
    std::ofstream(offset_file) << "0\n";
    ::setenv("OUTAGEDESK_CLOCK_OFFSET_FILE", offset_file.c_str(), 1);
    outreach o({{"timezone", "UTC"},
                {"notify",
                 {{"gateway_url", gateway.url()},
                  {"rate_per_second", 100},
                  {"quiet_hours", {{"from", hhmm(now - 3600)}, {"to", hhmm(now + 3600)}}}}}});
    ::unsetenv("OUTAGEDESK_CLOCK_OFFSET_FILE");
    o.import("id,phone,email,postcode,services,preferred_channel\n"
             "Q1,+34600000001,,28001,broadband,sms\n"
             "Q2,,q2@example.com,28001,broadband,email\n"
             "Q3,+34600000003,,28002,broadband,sms\n");

    const auto quiet = o.declare({{"title", "Cut"}, {"severity", "major"}, {"areas", {"28001"}}, {"messages", messages()}});
    auto held = o.wait_counts(quiet, [](const json& c) { return c["held"] == 1 && c["sent"] == 1; });
    CHECK(held["queued"] == 0);
    // A critical incident's SMS go out at night too.
    const auto urgent = o.declare({{"title", "Big"}, {"severity", "critical"}, {"areas", {"28002"}}, {"messages", messages()}});
    o.wait_counts(urgent, [](const json& c) { return c["sent"] == 1; });
    REQUIRE(gateway.wait_accepted(2, 5s));
    std::this_thread::sleep_for(700ms);
    for (const auto& r : gateway.requests()) CHECK(r.body["to"] != "+34600000001");
    CHECK(o.counts(quiet)["held"] == 1);

    std::ofstream(offset_file) << "7200\n";
    auto released = o.wait_counts(quiet, [](const json& c) { return c["sent"] == 2; });
    CHECK(released["held"] == 0);
    bool q1 = false;
    for (const auto& r : gateway.requests()) q1 = q1 || r.body["to"] == "+34600000001";
    CHECK(q1);
}

TEST_CASE("resolve queues the resolution notice, also to contacted customers outside the area, with compensation",
          "[notifications][integration]") {
    fake_gateway gateway;
    outreach o({{"timezone", "Europe/Madrid"},
                {"compensation", {{"rules", {"es_rd899_2009"}}, {"minimum_cents", 100}}},
                {"notify", {{"gateway_url", gateway.url()}, {"rate_per_second", 100}}}});
    o.import("id,phone,email,postcode,language,services,preferred_channel,monthly_fee_cents,avg_bill_3m_cents\n"
             "A1,+34600000001,,28001,es,fixed_voice|broadband,sms,3000,4500\n"
             "A2,+34600000002,,28001,es,mobile_voice,sms,100,100\n"
             "A3,,a3@example.com,28001,es,broadband,email,9000,0\n"
             "O1,+34600000010,,28009,es,broadband,sms,5000,5000\n");
    const auto started = std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now()) - 50h;
    const auto started_at = outagedesk::domain::format_rfc3339_utc(std::chrono::time_point_cast<std::chrono::seconds>(started));
    const auto resolved_at =
        outagedesk::domain::format_rfc3339_utc(std::chrono::time_point_cast<std::chrono::seconds>(started + 49h));
    const auto id = o.declare({{"title", "Fibre cut"},
                               {"severity", "major"},
                               {"areas", {"28001", "28009"}},
                               {"started_at", started_at},
                               {"messages", messages()}});
    o.wait_counts(id, [](const json& c) { return c["sent"] == 4; });

    // O1 calls while their postcode is in the area, a caller without a record
    // too, and A1 (inside, who must still get one notice only).
    for (const json& contact : {json{{"customer_id", "O1"}}, json{{"phone", "+34 699 999 999"}, {"postcode", "28001"}},
                                json{{"customer_id", "A1"}}}) {
        json body = contact;
        body["channel"] = "voice";
        body["reason"] = "no_service";
        auto reply = o.server.call("POST", "/v1/contacts", o.agent, body);
        REQUIRE(reply.status == 201);
        CHECK(reply.json()["incident_ids"] == json::array({id}));
    }
    REQUIRE(o.server.call("PATCH", "/v1/incidents/" + id, o.ops, {{"areas", {"28001"}}}).status == 200);
    auto resolved = o.server.call("POST", "/v1/incidents/" + id + "/resolve", o.ops, {{"resolved_at", resolved_at}});
    REQUIRE(resolved.status == 200);

    auto done = o.wait_counts(id, [](const json& c) {
        return c["by_kind"].contains("resolved") && c["by_kind"]["resolved"]["sent"] == 5;
    });
    CHECK(done["by_kind"]["resolved"]["queued"] == 0);
    std::map<std::string, std::string> resolution;  // recipient → body
    for (const auto& r : gateway.requests()) {
        const auto key = r.body["idempotency_key"].get<std::string>();
        if (suffix_of(key) == "resolved") {
            CHECK(resolution.count(recipient_of(key)) == 0);
            resolution[recipient_of(key)] = r.body["body"].get<std::string>();
        }
    }
    CHECK(resolution.size() == 5);
    CHECK(resolution.count("O1"));
    CHECK(resolution.count("+34699999999"));
    // 49 h: A1's telephony max(45.00 x 50 % , 5 x 30.00 x 50 %) prorated = 5.10, internet 30.00 x 50 % = 1.02
    CHECK_THAT(resolution["A1"], Catch::Contains("(resuelta). Le abonaremos 6,12 € en su próxima factura"));
    CHECK(resolution["A2"].find("abonaremos") == std::string::npos);  // 0.34, under the minimum
    CHECK_THAT(resolution["A3"], Catch::Contains("6,13 €"));
    CHECK(resolution["O1"].find("abonaremos") == std::string::npos);

    // The export: JSON, and CSV that parses back to the same cents.
    const auto json_rows = o.server.call("GET", "/v1/incidents/" + id + "/compensations", o.ops);
    REQUIRE(json_rows.status == 200);
    const auto rows_doc = json_rows.json();
    CHECK(rows_doc["complete"] == true);
    std::map<std::string, std::pair<std::int64_t, bool>> from_json;
    for (const auto& item : rows_doc["items"]) {
        CHECK(item["rule"] == "es_rd899_2009");
        CHECK(item["duration_seconds"] == 49 * 3600);
        CHECK_FALSE(item["explanation"].get<std::string>().empty());
        from_json[item["customer_id"].get<std::string>() + "/" + item["service"].get<std::string>()] = {
            item["amount_cents"].get<std::int64_t>(), item["payable"].get<bool>()};
    }
    const std::map<std::string, std::pair<std::int64_t, bool>> expected = {
        {"A1/telephony", {510, true}}, {"A1/internet_access", {102, true}}, {"A2/telephony", {34, false}},
        {"A3/internet_access", {613, true}}};
    CHECK(from_json == expected);

    auto csv = o.server.call("GET", "/v1/incidents/" + id + "/compensations", o.ops, nullptr, {{"Accept", "text/csv"}});
    REQUIRE(csv.status == 200);
    CHECK_THAT(csv.header("content-type"), Catch::StartsWith("text/csv"));
    outagedesk::domain::csv_reader reader(csv.body);
    outagedesk::domain::csv_record record;
    REQUIRE(reader.next(record));
    const auto columns = record.fields;
    auto column = [&](const std::string& name) {
        return static_cast<std::size_t>(std::find(columns.begin(), columns.end(), name) - columns.begin());
    };
    std::map<std::string, std::pair<std::int64_t, bool>> from_csv;
    while (reader.next(record)) {
        REQUIRE(record.error.empty());
        REQUIRE(record.fields.size() == columns.size());
        CHECK(record.fields[column("incident_id")] == id);
        from_csv[record.fields[column("customer_id")] + "/" + record.fields[column("service")]] = {
            std::stoll(record.fields[column("amount_cents")]), record.fields[column("payable")] == "true"};
    }
    CHECK(from_csv == from_json);

    // The agent sees what A1 is owed.
    auto context = o.server.call("GET", "/v1/agent/context?customer_id=A1", o.agent).json();
    REQUIRE(context["compensation"].size() == 2);
    std::int64_t owed = 0;
    for (const auto& row : context["compensation"]) {
        CHECK(row["incident_id"] == id);
        if (row["payable"] == true) owed += row["amount_cents"].get<std::int64_t>();
    }
    CHECK(owed == 612);
    auto incident = o.server.call("GET", "/v1/incidents/" + id, o.ops).json();
    CHECK(incident["stats"]["affected_customers"] == 3);
}

TEST_CASE("a declare over several chunks queues every customer once, each message with its text", "[notifications][integration]") {
    // 25,001 customers: three chunks of the sweep (10,000 rows each), two of them in flight at once.
    outreach o({{"timezone", "UTC"}, {"notify", {{"gateway_url", ""}, {"min_severity", "major"}, {"quiet_hours", nullptr}}}});
    constexpr int customers = 25001;
    std::string csv = "id,phone,email,postcode,language,services,preferred_channel,consent\n";
    for (int i = 0; i < customers; ++i) {
        const auto n = std::to_string(i);
        const bool email = i % 3 == 0;
        csv += "K" + n + ",+3461" + std::string(7 - n.size(), '0') + n + "," + (email ? "k" + n + "@example.com" : "") +
               ",2800" + std::to_string(i % 10) + "," + (i % 2 ? "en" : "es") + ",broadband," + (email ? "email" : "sms") +
               ",true\n";
    }
    o.import(csv);
    const auto id = o.declare({{"title", "Fibre cut"},
                               {"severity", "major"},
                               {"services", {"broadband"}},
                               {"areas", {"2800*"}},
                               {"messages", messages()}});
    const auto counts = o.wait_counts(
        id, [](const json& c) { return c.value("queued", 0) == customers; }, 60s);
    CHECK(counts["by_kind"]["declared"]["queued"] == customers);
    auto incident = o.server.call("GET", "/v1/incidents/" + id, o.ops).json();
    CHECK(incident["stats"]["affected_customers"] == customers);
    CHECK(o.server.stop() == 0);

    outagedesk::store::connection db(o.server.database(), outagedesk::store::connection::mode::read_only, 5000);
    auto scalar = [&db](const std::string& sql) {
        outagedesk::store::statement query(db.handle(), sql);
        REQUIRE(query.step());
        return query.get_int64(0);
    };
    CHECK(scalar("SELECT COUNT(*) FROM notifications WHERE kind = 'declared'") == customers);
    CHECK(scalar("SELECT COUNT(DISTINCT customer_id) FROM notifications WHERE kind = 'declared'") == customers);
    // Every message refers to a stored text (or carries its own body).
    CHECK(scalar("SELECT COUNT(*) FROM notifications n LEFT JOIN notification_texts t ON t.id = n.text_id "
                 "WHERE n.body IS NULL AND t.id IS NULL") == 0);
    // Each distinct text once: es SMS, en SMS, and the es email (English has none, so it falls back).
    CHECK(scalar("SELECT COUNT(*) FROM notification_texts") == 3);
    CHECK(scalar("SELECT COUNT(*) FROM notifications n JOIN notification_texts t ON t.id = n.text_id "
                 "WHERE n.customer_id = 'K1' AND t.body LIKE 'Fault%'") == 1);
}
