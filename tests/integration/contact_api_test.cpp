// Contacts, owners, routing hints, callbacks and surge alerts through the real
// binary. Time is moved with the test clock (OUTAGEDESK_CLOCK_OFFSET_FILE);
// events are checked in the server's own SQLite file, opened read-only.
#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/service/clock.hpp"
#include "outagedesk/store/sqlite.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

using nlohmann::json;
using outagedesk::test::http_client;
using outagedesk::test::http_reply;
using outagedesk::test::server_process;
using std::chrono::seconds;

namespace {

// A server whose clock the test can move, with a token per role.
struct desk {
    server_process server;
    std::string ops;
    std::string agent;  // named "ana"
    std::string bob;    // a second agent
    std::string ivr;
    std::filesystem::path offset_file;

    explicit desk(const json& config = json::object()) : server(config), offset_file(server.dir() / "clock_offset") {
        ops = server.create_token("ops", "olga");
        agent = server.create_token("agent", "ana");
        bob = server.create_token("agent", "bob");
        ivr = server.create_token("ivr", "ivr-1");
        set_offset(seconds{0});
        // The variable only needs to be in the environment the server starts with.
        ::setenv(outagedesk::service::clock_offset_variable, offset_file.c_str(), 1);
        server.start();
        ::unsetenv(outagedesk::service::clock_offset_variable);
    }

    // Moves the server's clock to `offset` past real time.
    void set_offset(seconds offset) {
        std::ofstream(offset_file) << offset.count();
        std::this_thread::sleep_for(std::chrono::milliseconds(150));  // the server re-reads it every 100 ms
    }

    http_reply post(const std::string& path, const std::string& token, const json& body,
                    outagedesk::test::header_list headers = {}) {
        return server.call("POST", path, token, body, std::move(headers));
    }
    http_reply get(const std::string& path, const std::string& token) { return server.call("GET", path, token); }

    void put_customer(const std::string& id, const json& body) {
        REQUIRE(server.call("PUT", "/v1/customers/" + id, ops, body).status / 100 == 2);
    }

    std::string declare(const json& body) {
        auto reply = post("/v1/incidents", ops, body);
        REQUIRE(reply.status == 201);
        return reply.json()["id"].get<std::string>();
    }

    json incident(const std::string& id) {
        auto reply = get("/v1/incidents/" + id, agent);
        REQUIRE(reply.status == 200);
        return reply.json();
    }

    json context(const std::string& query) {
        auto reply = get("/v1/agent/context?" + query, agent);
        REQUIRE(reply.status == 200);
        return reply.json();
    }

    // Rows of the server's database, read through a read-only connection.
    std::int64_t count(const std::string& sql) {
        outagedesk::store::connection db(server.database(), outagedesk::store::connection::mode::read_only, 5000);
        outagedesk::store::statement query(db.handle(), sql);
        REQUIRE(query.step());
        return query.get_int64(0);
    }
};

json fibre_cut(const std::vector<std::string>& areas) {
    return {{"template", "fibre_cut"}, {"areas", areas}, {"title", "Corte de fibra"}};
}

json contact(const std::string& postcode, const std::string& reason = "no_service") {
    return {{"channel", "voice"}, {"reason", reason}, {"postcode", postcode}};
}

std::string server_time(seconds from_now) {
    auto now = std::chrono::time_point_cast<seconds>(std::chrono::system_clock::now());
    return outagedesk::domain::format_rfc3339_utc(now + from_now);
}

template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return done();
}

}  // namespace

TEST_CASE("contacts match and incident counts stay exact under 8 concurrent posters", "[integration][contacts]") {
    desk d;
    d.put_customer("C-1", {{"phone", "612000001"}, {"postcode", "28001"}, {"services", {"broadband"}}});
    d.put_customer("C-TV", {{"phone", "612000002"}, {"postcode", "28002"}, {"services", {"tv"}}});
    const auto id = d.declare(fibre_cut({"280*"}));

    constexpr int posters = 8;
    constexpr int per_poster = 25;
    struct outcome {
        int created = 0;
        int matched = 0;
        int deflected = 0;
        std::vector<std::string> problems;
        std::set<std::string> ids;
    };
    std::vector<outcome> outcomes(posters);
    std::vector<std::thread> threads;
    for (int t = 0; t < posters; ++t) {
        threads.emplace_back([&, t] {
            auto& out = outcomes[static_cast<std::size_t>(t)];
            try {
                http_client client(d.server.port());
                for (int i = 0; i < per_poster; ++i) {
                    const bool from_ivr = i % 3 == 0;
                    const bool inside = i % 5 != 4;  // one in five calls from outside the incident
                    json body = {{"channel", from_ivr ? "ivr" : "voice"},
                                 {"reason", inside ? "no_service" : "billing"},
                                 {"postcode", inside ? "280" + std::to_string(10 + i) : "46001"},
                                 {"outcome", from_ivr ? "deflected" : "handled"}};
                    auto reply = client.request("POST", "/v1/contacts", body.dump(),
                                                {{"Authorization", "Bearer " + (from_ivr ? d.ivr : d.agent)},
                                                 {"Content-Type", "application/json"}});
                    if (reply.status != 201) {
                        out.problems.push_back(std::to_string(reply.status) + " " + reply.body);
                        continue;
                    }
                    auto answer = reply.json();
                    ++out.created;
                    out.ids.insert(answer["id"].get<std::string>());
                    const bool linked = answer["incident_ids"] == json::array({id});
                    if (linked != inside) out.problems.push_back("wrong match: " + reply.body);
                    if (inside && !answer["script"].is_string()) out.problems.push_back("no script: " + reply.body);
                    if (inside) ++out.matched;
                    if (inside && from_ivr) ++out.deflected;
                }
            } catch (const std::exception& e) {
                out.problems.push_back(e.what());
            }
        });
    }
    for (auto& t : threads) t.join();

    int created = 0, matched = 0, deflected = 0;
    std::set<std::string> ids;
    for (const auto& out : outcomes) {
        for (const auto& problem : out.problems) FAIL_CHECK(problem);
        created += out.created;
        matched += out.matched;
        deflected += out.deflected;
        ids.insert(out.ids.begin(), out.ids.end());
    }
    CHECK(created == posters * per_poster);
    CHECK(ids.size() == static_cast<std::size_t>(created));  // no id handed out twice
    REQUIRE(matched == posters * 20);
    REQUIRE(deflected == posters * 7);

    {  // GET /v1/incidents/{id} shows the exact counts and GET /v1/contacts?incident= lists them
        auto stats = d.incident(id)["stats"];
        CHECK(stats["contacts"] == matched);
        CHECK(stats["deflected"] == deflected);
        auto listed = d.get("/v1/contacts?incident=" + id + "&limit=1000", d.agent).json()["items"];
        CHECK(listed.size() == static_cast<std::size_t>(matched));
        CHECK(d.get("/v1/contacts?incident=" + id + "&limit=5", d.agent).json()["items"].size() == 5);
        CHECK(d.count("SELECT COUNT(*) FROM contacts") == created);
        CHECK(d.count("SELECT COUNT(*) FROM contact_incidents") == matched);
    }

    {  // a customer's record decides their postcode and services
        auto fibre = d.post("/v1/contacts", d.agent, {{"channel", "voice"}, {"reason", "degraded"}, {"customer_id", "C-1"},
                                                     {"postcode", "46001"}});
        REQUIRE(fibre.status == 201);
        CHECK(fibre.json()["incident_ids"] == json::array({id}));
        CHECK(fibre.json()["postcode"] == "28001");
        CHECK_THAT(fibre.json()["script"].get<std::string>(), Catch::Contains(id));
        auto by_phone = d.post("/v1/contacts", d.agent, {{"channel", "voice"}, {"reason", "other"}, {"phone", "+34 612 000 001"}});
        REQUIRE(by_phone.status == 201);
        CHECK(by_phone.json()["customer_id"] == "C-1");
        CHECK(by_phone.json()["incident_ids"] == json::array({id}));
        auto tv = d.post("/v1/contacts", d.agent, {{"channel", "voice"}, {"reason", "no_service"}, {"customer_id", "C-TV"}});
        REQUIRE(tv.status == 201);
        CHECK(tv.json()["incident_ids"] == json::array());  // a tv customer is not hit by a fibre cut
        CHECK(tv.json()["script"].is_null());
        auto stats = d.incident(id)["stats"];
        CHECK(stats["contacts"] == matched + 2);
        CHECK(stats["deflected"] == deflected);
        auto mine = d.get("/v1/contacts?customer_id=C-1", d.agent).json()["items"];
        REQUIRE(mine.size() == 2);
        CHECK(mine[0]["id"] == by_phone.json()["id"]);  // newest first

        // Resolving records everyone who contacted about it once for the resolution notice.
        d.post("/v1/contacts", d.agent, {{"channel", "voice"}, {"reason", "other"}, {"phone", "699000001"},
                                         {"postcode", "28005"}});
        REQUIRE(d.post("/v1/incidents/" + id + "/resolve", d.ops, json::object()).status == 200);
        CHECK(eventually([&] { return d.count("SELECT COUNT(*) FROM resolution_notices") == 2; },
                         std::chrono::seconds(3)));
        CHECK(d.count("SELECT COUNT(*) FROM resolution_notices WHERE recipient IN ('C-1', '+34699000001')") == 2);
    }
}

TEST_CASE("an Idempotency-Key replay returns the first contact and counts it once", "[integration][contacts]") {
    desk d;
    const auto id = d.declare(fibre_cut({"28001"}));
    const json body = {{"channel", "ivr"}, {"reason", "no_service"}, {"postcode", "28001"}, {"outcome", "deflected"}};
    auto first = d.post("/v1/contacts", d.ivr, body, {{"Idempotency-Key", "call-77"}});
    REQUIRE(first.status == 201);
    for (int i = 0; i < 3; ++i) {
        auto again = d.post("/v1/contacts", d.ivr, body, {{"Idempotency-Key", "call-77"}});
        REQUIRE(again.status == 201);
        CHECK(again.header("idempotent-replayed") == "true");
        CHECK(again.json() == first.json());
    }
    auto other_body = d.post("/v1/contacts", d.ivr, contact("28001"), {{"Idempotency-Key", "call-77"}});
    CHECK(other_body.status == 409);
    CHECK(other_body.json()["error"]["code"] == "idempotency_key_reused");
    auto stats = d.incident(id)["stats"];
    CHECK(stats["contacts"] == 1);
    CHECK(stats["deflected"] == 1);
    // The key is the caller's: another caller's same key is a new contact.
    auto agents = d.post("/v1/contacts", d.agent, body, {{"Idempotency-Key", "call-77"}});
    REQUIRE(agents.status == 201);
    CHECK(agents.json()["id"] != first.json()["id"]);
    CHECK(d.incident(id)["stats"]["contacts"] == 2);
}

TEST_CASE("bad contact input is refused with 422 naming the field, and roles are checked first",
          "[integration][contacts][auth]") {
    desk d;
    auto field_of = [&](const json& body) {
        auto reply = d.post("/v1/contacts", d.agent, body);
        CHECK(reply.status == 422);
        return reply.json()["error"].value("field", "");
    };
    CHECK(field_of({{"reason", "no_service"}, {"postcode", "28001"}}) == "channel");
    CHECK(field_of({{"channel", "fax"}, {"reason", "no_service"}, {"postcode", "28001"}}) == "channel");
    CHECK(field_of({{"channel", "voice"}, {"postcode", "28001"}}) == "reason");
    CHECK(field_of({{"channel", "voice"}, {"reason", "no_service"}, {"postcode", "28001"}, {"outcome", "won"}}) == "outcome");
    CHECK(field_of({{"channel", "voice"}, {"reason", "no_service"}, {"postcode", "?"}}) == "postcode");
    CHECK(field_of({{"channel", "voice"}, {"reason", "no_service"}}) == "customer_id");
    CHECK(field_of({{"channel", "voice"}, {"reason", "no_service"}, {"postcode", "28001"}, {"mood", "angry"}}) == "mood");
    CHECK(field_of({{"channel", "ivr"}, {"reason", "no_service"}, {"postcode", "28001"}, {"ivr", {{"verified", "yes"}}}}) ==
          "ivr.verified");
    CHECK(field_of({{"channel", "ivr"}, {"reason", "no_service"}, {"postcode", "28001"}, {"ivr", {{"pin", "1234"}}}}) ==
          "ivr.pin");
    CHECK(field_of({{"channel", "voice"}, {"reason", "no_service"}, {"postcode", "28001"}, {"note", 5}}) == "note");
    auto callback_field = [&](const json& body) {
        auto reply = d.post("/v1/callbacks", d.agent, body);
        CHECK(reply.status == 422);
        return reply.json()["error"].value("field", "");
    };
    CHECK(callback_field({{"due_at", server_time(seconds{60})}}) == "customer_id");
    CHECK(callback_field({{"customer_id", "C-1"}, {"due_at", "tomorrow"}}) == "due_at");
    CHECK(callback_field({{"customer_id", "C-1"}}) == "due_at");
    CHECK(d.get("/v1/contacts", d.agent).status == 422);
    CHECK(d.get("/v1/callbacks?state=missed", d.agent).status == 422);
    CHECK(d.get("/v1/routing/hint?phone=call-me", d.agent).status == 422);
    CHECK(d.get("/v1/contacts?incident=INC-404", d.agent).status == 404);

    // Roles: ivr may log contacts and ask for hints, nothing else here; agents do not handle alerts.
    CHECK(d.get("/v1/contacts?customer_id=C-1", d.ivr).status == 403);
    CHECK(d.post("/v1/callbacks", d.ivr, {{"customer_id", "C-1"}, {"due_at", server_time(seconds{60})}}).status == 403);
    CHECK(d.get("/v1/callbacks", d.ivr).status == 403);
    CHECK(d.post("/v1/callbacks/CB-404/complete", d.ivr, json::object()).status == 403);
    CHECK(d.get("/v1/alerts", d.agent).status == 403);
    CHECK(d.get("/v1/alerts", d.ivr).status == 403);
    CHECK(d.post("/v1/alerts/ALR-404/dismiss", d.agent, json::object()).status == 403);
    CHECK(d.post("/v1/alerts/ALR-404/declare", d.agent, json::object()).status == 403);
    CHECK(d.post("/v1/contacts", "", contact("28001")).status == 401);
    CHECK(d.get("/v1/routing/hint?phone=612000001", d.ivr).status == 200);
    CHECK(d.get("/v1/alerts", d.ops).status == 200);
    CHECK(d.post("/v1/contacts", d.ops, contact("28001")).status == 201);  // ops ⊇ agent
    CHECK(d.post("/v1/alerts/ALR-404/dismiss", d.ops, json::object()).status == 404);
    CHECK(d.post("/v1/callbacks/CB-404/complete", d.agent, json::object()).status == 404);
}

TEST_CASE("the agent context shows the IVR handoff of the last 30 minutes and the contact history",
          "[integration][contacts]") {
    desk d;
    d.put_customer("C-1", {{"phone", "612000001"}, {"postcode", "28001"}, {"services", {"broadband"}}});
    const auto id = d.declare(fibre_cut({"28001"}));
    auto empty = d.context("customer_id=C-1");
    CHECK(empty["contacts"] == json::array());
    CHECK(empty["ivr_handoff"].is_null());
    CHECK(empty["owner"].is_null());

    auto heard = d.post("/v1/contacts", d.ivr,
                        {{"channel", "ivr"},
                         {"phone", "+34612000001"},
                         {"reason", "no_service"},
                         {"outcome", "transferred"},
                         {"ivr", {{"reason", "no_service"}, {"postcode", "28001"}, {"verified", true}, {"announcement_version", 1}}}});
    REQUIRE(heard.status == 201);
    auto context = d.context("phone=612000001");
    REQUIRE(context["ivr_handoff"].is_object());
    auto handoff = context["ivr_handoff"];
    CHECK(handoff["contact_id"] == heard.json()["id"]);
    CHECK(handoff["reason"] == "no_service");
    CHECK(handoff["postcode"] == "28001");
    CHECK(handoff["verified"] == true);
    CHECK(handoff["announcement_version"] == 1);
    CHECK(context["owner"].is_null());  // the IVR owns nobody

    auto handled = d.post("/v1/contacts", d.agent,
                          {{"channel", "voice"}, {"customer_id", "C-1"}, {"reason", "no_service"}, {"note", "told ETA"}});
    REQUIRE(handled.status == 201);
    context = d.context("customer_id=C-1");
    REQUIRE(context["contacts"].size() == 2);
    auto newest = context["contacts"][0];
    CHECK(newest["id"] == handled.json()["id"]);
    CHECK(newest["channel"] == "voice");
    CHECK(newest["reason"] == "no_service");
    CHECK(newest["outcome"] == "handled");
    CHECK(newest["agent"] == "ana");
    CHECK(newest["note"] == "told ETA");
    CHECK(newest["incident_ids"] == json::array({id}));
    CHECK(newest["created_at"].is_string());
    CHECK(context["contacts"][1]["channel"] == "ivr");
    CHECK(context["contacts"][1]["ivr"]["verified"] == true);
    CHECK(context["ivr_handoff"]["contact_id"] == heard.json()["id"]);

    // Ten more contacts push the IVR one out of the history (ten long), but it
    // is still the hand-off within the window.
    for (int i = 0; i < 10; ++i)
        REQUIRE(d.post("/v1/contacts", d.agent, {{"channel", "chat"}, {"customer_id", "C-1"}, {"reason", "no_service"}})
                    .status == 201);
    context = d.context("customer_id=C-1");
    REQUIRE(context["contacts"].size() == 10);
    for (const auto& c : context["contacts"]) CHECK(c["channel"] == "chat");
    CHECK(context["ivr_handoff"]["contact_id"] == heard.json()["id"]);

    // 31 minutes later the IVR's answers are stale; the history stays.
    d.set_offset(seconds{31 * 60});
    context = d.context("customer_id=C-1");
    CHECK(context["ivr_handoff"].is_null());
    CHECK(context["contacts"].size() == 10);

    // A caller without a record is known by the number they rang from.
    auto stranger = d.post("/v1/contacts", d.ivr,
                           {{"channel", "ivr"}, {"phone", "699 111 222"}, {"reason", "degraded"},
                            {"ivr", {{"postcode", "28001"}, {"verified", false}}}});
    REQUIRE(stranger.status == 201);
    CHECK(stranger.json()["incident_ids"] == json::array({id}));  // matched by the postcode the IVR collected
    context = d.context("phone=699111222");
    CHECK(context["customer"].is_null());
    REQUIRE(context["contacts"].size() == 1);
    CHECK(context["ivr_handoff"]["contact_id"] == stranger.json()["id"]);
    CHECK(context["ivr_handoff"]["reason"] == "degraded");
}

TEST_CASE("the first agent owns the customer for 14 days, and the routing hint names them",
          "[integration][contacts][owner]") {
    desk d;
    d.put_customer("C-1", {{"phone", "612000001"}, {"postcode", "28001"}});
    auto handle = [&](const std::string& token) {
        REQUIRE(d.post("/v1/contacts", token, {{"channel", "voice"}, {"customer_id", "C-1"}, {"reason", "billing"}}).status ==
                201);
    };
    auto hint = [&] { return d.get("/v1/routing/hint?phone=612%20000%20001", d.ivr).json(); };
    CHECK(hint() == json({{"customer_id", "C-1"}, {"owner", nullptr}}));
    // Deflected by the IVR, or transferred on: nobody handled them.
    REQUIRE(d.post("/v1/contacts", d.ivr, {{"channel", "ivr"}, {"customer_id", "C-1"}, {"reason", "billing"},
                                           {"outcome", "deflected"}})
                .status == 201);
    REQUIRE(d.post("/v1/contacts", d.bob, {{"channel", "voice"}, {"customer_id", "C-1"}, {"reason", "billing"},
                                           {"outcome", "transferred"}})
                .status == 201);
    CHECK(hint()["owner"].is_null());

    handle(d.agent);  // ana handles first
    CHECK(hint() == json({{"customer_id", "C-1"}, {"owner", "ana"}}));
    CHECK(d.context("customer_id=C-1")["owner"] == "ana");
    handle(d.bob);  // bob's contact does not take the customer over
    CHECK(d.context("customer_id=C-1")["owner"] == "ana");

    d.set_offset(seconds{13 * 86400});
    handle(d.bob);
    CHECK(hint()["owner"] == "ana");

    d.set_offset(seconds{14 * 86400 + 60});
    CHECK(hint()["owner"].is_null());  // run out
    CHECK(d.context("customer_id=C-1")["owner"].is_null());
    handle(d.bob);  // the next agent takes over
    CHECK(hint()["owner"] == "bob");
    CHECK(d.context("phone=612000001")["owner"] == "bob");
    handle(d.agent);
    CHECK(hint()["owner"] == "bob");

    CHECK(d.get("/v1/routing/hint?phone=699999999", d.agent).json() == json({{"customer_id", nullptr}, {"owner", nullptr}}));
    CHECK(d.get("/v1/routing/hint", d.agent).status == 422);
}

TEST_CASE("callbacks go overdue and emit exactly one callback.due event, and kept and missed ones are counted",
          "[integration][callbacks]") {
    desk d;
    d.put_customer("C-1", {{"phone", "612000001"}, {"postcode", "28001"}});
    auto create = [&](seconds due_in, const std::string& note) {
        auto reply = d.post("/v1/callbacks", d.agent, {{"customer_id", "C-1"}, {"due_at", server_time(due_in)}, {"note", note}});
        REQUIRE(reply.status == 201);
        auto body = reply.json();
        CHECK(body["state"] == "open");
        CHECK(body["overdue"] == false);
        CHECK(body["agent"] == "ana");
        return body["id"].get<std::string>();
    };
    const auto soon = create(seconds{60}, "call back about the router");
    const auto later = create(seconds{3600}, "confirm the fix");
    const auto kept = create(seconds{120}, "quick one");

    auto done = d.post("/v1/callbacks/" + kept + "/complete", d.agent, json::object());
    REQUIRE(done.status == 200);
    CHECK(done.json()["state"] == "done");
    CHECK(done.json()["on_time"] == true);
    CHECK(d.post("/v1/callbacks/" + kept + "/complete", d.agent, json::object()).status == 409);

    auto open = d.get("/v1/callbacks?state=open", d.agent).json()["items"];
    REQUIRE(open.size() == 2);
    CHECK(open[0]["id"] == soon);  // earliest due first
    CHECK(d.get("/v1/callbacks?state=overdue", d.agent).json()["items"].empty());
    CHECK(d.context("customer_id=C-1")["callbacks"].size() == 2);

    // Two minutes later the first one is overdue: one event, however many checks run.
    d.set_offset(seconds{120});
    const std::string due_events = "SELECT COUNT(*) FROM events WHERE type = 'callback.due'";
    REQUIRE(eventually([&] { return d.count(due_events) == 1; }, std::chrono::seconds(10)));
    CHECK(d.count("SELECT COUNT(*) FROM events WHERE type = 'callback.due' AND json_extract(payload, '$.id') = '" + soon +
                  "'") == 1);
    auto overdue = d.get("/v1/callbacks?state=overdue", d.agent).json()["items"];
    REQUIRE(overdue.size() == 1);
    CHECK(overdue[0]["id"] == soon);
    CHECK(overdue[0]["overdue"] == true);
    CHECK(d.context("customer_id=C-1")["callbacks"][0]["overdue"] == true);
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // at least two more checks
    CHECK(d.count(due_events) == 1);

    auto late = d.post("/v1/callbacks/" + soon + "/complete", d.bob, json::object());
    REQUIRE(late.status == 200);
    CHECK(late.json()["on_time"] == false);
    CHECK(late.json()["completed_by"] == "bob");
    auto metrics = d.server.request("GET", "/metrics").body;
    CHECK_THAT(metrics, Catch::Contains(R"(outagedesk_callbacks_total{outcome="kept"} 1)"));
    CHECK_THAT(metrics, Catch::Contains(R"(outagedesk_callbacks_total{outcome="missed"} 1)"));
    CHECK(d.get("/v1/callbacks?state=done", d.agent).json()["items"].size() == 2);
    CHECK(d.get("/v1/callbacks?state=open&agent=bob", d.agent).json()["items"].empty());
    CHECK(d.get("/v1/callbacks?state=open&agent=ana", d.agent).json()["items"][0]["id"] == later);

    // A restart does not emit it again.
    REQUIRE(d.server.stop() == 0);
    ::setenv(outagedesk::service::clock_offset_variable, d.offset_file.c_str(), 1);
    d.server.start();
    ::unsetenv(outagedesk::service::clock_offset_variable);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    CHECK(d.count(due_events) == 1);
}

TEST_CASE("a surge of unmatched fault contacts raises exactly one alert within a second, and a thin spread raises none",
          "[integration][surge]") {
    desk d;
    http_client client(d.server.port());
    auto log = [&](const std::string& postcode, const std::string& reason = "no_service") {
        auto reply = client.request("POST", "/v1/contacts", contact(postcode, reason).dump(),
                                    {{"Authorization", "Bearer " + d.agent}, {"Content-Type", "application/json"}});
        REQUIRE(reply.status == 201);
        return reply.json();
    };
    auto alerts = [&] { return d.get("/v1/alerts", d.ops).json()["items"]; };

    // A quiet background: billing calls never count, other areas stay thin.
    for (int i = 0; i < 10; ++i) log("280" + std::to_string(10 + i), "billing");
    for (int i = 0; i < 19; ++i) log("280" + std::to_string(10 + i));
    CHECK(alerts().empty());
    const auto before = std::chrono::steady_clock::now();
    log("28077");  // the 20th
    REQUIRE(eventually([&] { return alerts().size() == 1; }, std::chrono::seconds(1)));
    CHECK(std::chrono::steady_clock::now() - before < std::chrono::seconds(1));
    for (int i = 0; i < 10; ++i) log("280" + std::to_string(40 + i));
    // The same volume spread over thirty areas.
    for (int i = 0; i < 30; ++i) log(std::to_string(500 + i) + "01");

    auto items = alerts();
    REQUIRE(items.size() == 1);
    auto alert = items[0];
    CHECK(alert["area"] == "280*");
    CHECK(alert["count"] == 30);
    CHECK(alert["window_seconds"] == 300);
    CHECK(alert["status"] == "open");
    CHECK(alert["incident_id"].is_null());
    CHECK(alert["first_at"].is_string());
    CHECK(alert["last_at"].is_string());
    CHECK(d.count("SELECT COUNT(*) FROM events WHERE type = 'alert.raised'") == 1);
    CHECK(d.count("SELECT COUNT(*) FROM events WHERE type = 'alert.raised' AND json_extract(payload, '$.area') = '280*'") ==
          1);

    SECTION("declare-from-alert creates the incident over the area and links the alert's contacts") {
        const auto alert_id = alert["id"].get<std::string>();
        auto declared = d.post("/v1/alerts/" + alert_id + "/declare", d.ops, {{"template", "fibre_cut"}});
        REQUIRE(declared.status == 201);
        auto incident = declared.json();
        const auto id = incident["id"].get<std::string>();
        CHECK(incident["areas"] == json::array({"280*"}));
        CHECK(incident["alert"]["status"] == "declared");
        CHECK(incident["alert"]["incident_id"] == id);
        CHECK(declared.header("location") == "/v1/incidents/" + id);
        auto linked = d.get("/v1/contacts?incident=" + id + "&limit=1000", d.agent).json()["items"];
        CHECK(linked.size() == 30);
        CHECK(d.incident(id)["stats"]["contacts"] == 30);
        CHECK(alerts()[0]["status"] == "declared");
        CHECK(d.post("/v1/alerts/" + alert_id + "/declare", d.ops, {{"template", "fibre_cut"}}).status == 409);
        CHECK(d.post("/v1/alerts/" + alert_id + "/dismiss", d.ops, json::object()).status == 409);
        // From now on the area's callers match the incident instead of feeding the detector.
        CHECK(log("28099")["incident_ids"] == json::array({id}));
        CHECK(d.incident(id)["stats"]["contacts"] == 31);
        CHECK(d.post("/v1/alerts/ALR-404/declare", d.ops, {{"template", "fibre_cut"}}).status == 404);
    }

    SECTION("an alert can be dismissed; declaring needs messages; areas come from the alert") {
        const auto alert_id = alert["id"].get<std::string>();
        auto no_messages = d.post("/v1/alerts/" + alert_id + "/declare", d.ops, {{"title", "Something"}});
        CHECK(no_messages.status == 422);
        CHECK(no_messages.json()["error"]["field"] == "messages");
        auto own_areas = d.post("/v1/alerts/" + alert_id + "/declare", d.ops, {{"template", "fibre_cut"}, {"areas", {"*"}}});
        CHECK(own_areas.status == 422);
        CHECK(own_areas.json()["error"]["field"] == "areas");
        auto dismissed = d.post("/v1/alerts/" + alert_id + "/dismiss", d.ops, json::object());
        REQUIRE(dismissed.status == 200);
        CHECK(dismissed.json()["status"] == "dismissed");
        CHECK(dismissed.json()["closed_by"] == "olga");
        CHECK(d.get("/v1/alerts?status=open", d.ops).json()["items"].empty());
        CHECK(d.get("/v1/alerts?status=dismissed", d.ops).json()["items"].size() == 1);
        // The surge goes on: no second alert in the same episode.
        for (int i = 0; i < 5; ++i) log("280" + std::to_string(60 + i));
        CHECK(d.get("/v1/alerts?status=open", d.ops).json()["items"].empty());
    }

    SECTION("a start links the alerts of an incident version a crash left unlinked, and only those") {
        const auto id = d.declare(fibre_cut({"280*"}));
        REQUIRE(eventually([&] { return d.get("/v1/alerts?status=declared", d.ops).json()["items"].size() == 1; },
                           std::chrono::seconds(3)));
        REQUIRE(d.count("SELECT COUNT(*) FROM contact_incidents WHERE incident_id = '" + id + "'") == 30);
        auto restart_after = [&](bool linked_before_the_crash) {
            REQUIRE(d.server.stop() == 0);
            {
                // As if the process died between the declare's commit and the linking job's.
                outagedesk::store::connection db(d.server.database(), outagedesk::store::connection::mode::read_write,
                                                 5000);
                db.exec("UPDATE alerts SET status = 'open', incident_id = NULL, closed_at = NULL, closed_by = NULL");
                db.exec("DELETE FROM contact_incidents WHERE incident_id = '" + id + "'");
                db.exec("UPDATE incidents SET contacts = 0, deflected = 0 WHERE id = '" + id + "'");
                if (!linked_before_the_crash)
                    db.exec("UPDATE incidents SET alerts_linked_version = 0 WHERE id = '" + id + "'");
            }
            ::setenv(outagedesk::service::clock_offset_variable, d.offset_file.c_str(), 1);
            d.server.start();
            ::unsetenv(outagedesk::service::clock_offset_variable);
        };
        // Recorded as linked: a start leaves it alone (it no longer re-reads every alert).
        restart_after(true);
        CHECK(d.get("/v1/alerts?status=open", d.ops).json()["items"].size() == 1);
        CHECK(d.count("SELECT COUNT(*) FROM contact_incidents WHERE incident_id = '" + id + "'") == 0);
        // Not recorded: the start links it, contacts and counts included.
        restart_after(false);
        CHECK(d.get("/v1/alerts?status=open", d.ops).json()["items"].empty());
        auto declared = d.get("/v1/alerts?status=declared", d.ops).json()["items"];
        REQUIRE(declared.size() == 1);
        CHECK(declared[0]["incident_id"] == id);
        CHECK(d.count("SELECT COUNT(*) FROM contact_incidents WHERE incident_id = '" + id + "'") == 30);
        CHECK(d.incident(id)["stats"]["contacts"] == 30);
        CHECK(d.count("SELECT COUNT(*) FROM incidents WHERE id = '" + id + "' AND alerts_linked_version = version") == 1);
    }

    SECTION("an incident declared over the area later links the alert and its contacts") {
        d.put_customer("C-TV", {{"phone", "612000099"}, {"postcode", "08010"}, {"services", {"tv"}}});
        auto tv = d.post("/v1/contacts", d.agent, {{"channel", "voice"}, {"reason", "no_service"}, {"customer_id", "C-TV"}});
        REQUIRE(tv.status == 201);
        for (int i = 1; i < 20; ++i) log("080" + std::to_string(10 + i % 3));  // 08010..08012
        auto open = d.get("/v1/alerts?status=open", d.ops).json()["items"];
        REQUIRE(open.size() == 2);
        CHECK(open[0]["area"] == "080*");
        // Ops declare the usual way, over part of the area.
        const auto id = d.declare(fibre_cut({"08010", "08011"}));
        REQUIRE(eventually([&] { return d.get("/v1/alerts?status=declared", d.ops).json()["items"].size() == 1; },
                           std::chrono::seconds(3)));
        auto linked = d.get("/v1/alerts?status=declared", d.ops).json()["items"][0];
        CHECK(linked["area"] == "080*");
        CHECK(linked["incident_id"] == id);
        CHECK(linked["closed_by"] == "olga");
        // 08010 and 08011 callers are linked; 08012 ones are not covered, nor is a
        // tv customer by a fibre cut.
        auto contacts = d.get("/v1/contacts?incident=" + id + "&limit=100", d.agent).json()["items"];
        CHECK(contacts.size() == 13);
        CHECK(d.incident(id)["stats"]["contacts"] == 13);
        for (const auto& c : contacts) CHECK(c["id"] != tv.json()["id"]);
        CHECK(d.get("/v1/alerts?status=open", d.ops).json()["items"][0]["area"] == "280*");
    }
}
