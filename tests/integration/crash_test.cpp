// Crash safety: SIGKILL the real server at random moments while clients
// write, restart it, and check that every acknowledged write is there exactly
// once, that the store is intact, and that what follows the event log (an SSE
// client resuming with Last-Event-ID, the notification and webhook outboxes)
// carries on from where it was.
#include "outagedesk/store/sqlite.hpp"
#include "support/fake_gateway.hpp"
#include "support/server_process.hpp"
#include "support/stream_clients.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

using outagedesk::test::eventually;
using outagedesk::test::fake_gateway;
using outagedesk::test::http_client;
using outagedesk::test::io_runner;
using outagedesk::test::server_process;
using outagedesk::test::sse_client;
using outagedesk::test::webhook_receiver;
using namespace std::chrono_literals;

TEST_CASE("every acknowledged write survives SIGKILL, exactly once, over 20 crash cycles", "[integration][crash]") {
    server_process server;
    auto ops = server.create_token("ops", "ops-crash");
    std::mt19937 random(20261125);
    std::mutex acked_mutex;
    std::set<std::string> acked_titles;     // declares answered 201
    std::set<std::string> acked_customers;  // customers answered 200/201
    std::map<std::string, int> acked_versions;  // incident id -> version an acknowledged PATCH produced

    for (int cycle = 0; cycle < 20; ++cycle) {
        server.start();
        std::atomic<bool> down{false};
        std::vector<std::thread> writers;
        for (int w = 0; w < 3; ++w) {
            writers.emplace_back([&, w] {
                try {
                    http_client client(server.port());
                    for (int n = 0; !down; ++n) {
                        const std::string tag = "c" + std::to_string(cycle) + "-w" + std::to_string(w) + "-n" + std::to_string(n);
                        if (w == 2) {
                            nlohmann::json customer = {{"phone", "+3461" + std::to_string(1000000 + cycle * 10000 + n)},
                                                       {"postcode", "28001"}, {"services", {"broadband"}}};
                            auto r = client.request("PUT", "/v1/customers/" + tag, customer.dump(),
                                                    {{"Authorization", "Bearer " + ops}, {"Content-Type", "application/json"}});
                            if (r.status == 200 || r.status == 201) {
                                std::lock_guard lock(acked_mutex);
                                acked_customers.insert(tag);
                            }
                            continue;
                        }
                        nlohmann::json body = {{"title", tag}, {"areas", {"280*"}}, {"messages", {{"es", {{"ivr", "Avería " + tag}}}}}};
                        auto r = client.request("POST", "/v1/incidents", body.dump(),
                                                {{"Authorization", "Bearer " + ops},
                                                 {"Content-Type", "application/json"},
                                                 {"Idempotency-Key", tag}});
                        if (r.status != 201) continue;
                        const auto id = r.json()["id"].get<std::string>();
                        {
                            std::lock_guard lock(acked_mutex);
                            acked_titles.insert(tag);
                        }
                        auto p = client.request("PATCH", "/v1/incidents/" + id, R"({"status":"identified"})",
                                                {{"Authorization", "Bearer " + ops}, {"Content-Type", "application/json"}});
                        if (p.status == 200) {
                            std::lock_guard lock(acked_mutex);
                            acked_versions[id] = p.json()["version"].get<int>();
                        }
                    }
                } catch (const std::exception&) {
                    // The server died under us: expected.
                }
            });
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(30, 250)(random)));
        down = true;
        REQUIRE(server.stop(SIGKILL) == 128 + SIGKILL);
        for (auto& t : writers) t.join();
    }

    REQUIRE(acked_titles.size() > 20);
    server.start();
    auto list = server.call("GET", "/v1/incidents?state=all&limit=1000", ops);
    REQUIRE(list.status == 200);
    std::map<std::string, int> seen;
    std::map<std::string, nlohmann::json> by_id;
    const auto listed = list.json();  // the loop must not range over a temporary
    for (const auto& item : listed["items"]) {
        seen[item["title"].get<std::string>()] += 1;
        by_id[item["id"].get<std::string>()] = item;
    }
    for (const auto& title : acked_titles) {
        INFO("acknowledged declare " << title);
        CHECK(seen[title] == 1);
    }
    for (const auto& [title, count] : seen) CHECK(count == 1);
    for (const auto& [id, version] : acked_versions) {
        INFO("acknowledged update of " << id);
        REQUIRE(by_id.count(id) == 1);
        CHECK(by_id[id]["version"].get<int>() >= version);
        CHECK(by_id[id]["status"] == "identified");
    }
    for (const auto& id : acked_customers) {
        INFO("acknowledged customer " << id);
        CHECK(server.call("GET", "/v1/customers/" + id, ops).status == 200);
    }
    server.stop(SIGTERM);

    // The store is intact, and every change has its event: the log that SSE
    // resumes from carries on where it was.
    outagedesk::store::connection db(server.database(), outagedesk::store::connection::mode::read_only, 1000);
    outagedesk::store::statement check(db.handle(), "PRAGMA integrity_check");
    REQUIRE(check.step());
    CHECK(check.get_text(0) == "ok");
    outagedesk::store::statement declared(db.handle(),
        "SELECT (SELECT COUNT(*) FROM incidents), (SELECT COUNT(*) FROM events WHERE type = 'incident.declared'), "
        "(SELECT COUNT(*) FROM incident_timeline), (SELECT COUNT(*) FROM events WHERE type LIKE 'incident.%')");
    REQUIRE(declared.step());
    CHECK(declared.get_int64(0) == declared.get_int64(1));
    CHECK(declared.get_int64(2) == declared.get_int64(3));
}

namespace {

struct logged_event {
    std::int64_t seq;
    std::string type;
    nlohmann::json payload;
};

// The event log as the store holds it, in seq order. Read-only, so it may run
// beside a live server (WAL readers do not block its writer).
std::vector<logged_event> event_log(const std::filesystem::path& database) {
    outagedesk::store::connection db(database, outagedesk::store::connection::mode::read_only, 5000);
    outagedesk::store::statement rows(db.handle(), "SELECT seq, type, payload FROM events ORDER BY seq");
    std::vector<logged_event> out;
    while (rows.step())
        out.push_back({rows.get_int64(0), rows.get_text(1), nlohmann::json::parse(rows.get_text(2))});
    return out;
}

std::set<std::string> outbox_keys(const std::filesystem::path& database) {
    outagedesk::store::connection db(database, outagedesk::store::connection::mode::read_only, 5000);
    outagedesk::store::statement rows(db.handle(), "SELECT idempotency_key FROM notifications");
    std::set<std::string> out;
    while (rows.step()) out.insert(rows.get_text(0));
    return out;
}

}  // namespace

TEST_CASE("after every SIGKILL an SSE client resumes with exactly the missed events, and the outboxes carry on",
          "[integration][crash]") {
    fake_gateway gateway;
    webhook_receiver hooks;
    // A gateway rate that keeps each declare's notices in flight across the
    // next kill, so the delivery worker is interrupted mid-outbox.
    server_process server({{"timezone", "UTC"},
                           {"notify", {{"gateway_url", gateway.url()}, {"rate_per_second", 500}, {"min_severity", "minor"},
                                       {"retry_base_ms", 100}, {"concurrency", 4}}},
                           {"webhooks", {{"retry_base_ms", 100}, {"max_attempts", 1000}}}});
    const auto ops = server.create_token("ops", "ops-crash");
    const auto agent = server.create_token("agent", "desk-crash");
    const auto admin = server.create_token("admin", "admin-crash");
    server.start();
    std::string csv = "id,phone,postcode,language,services,preferred_channel,consent\n";
    const int customers = 150;
    for (int i = 0; i < customers; ++i)
        csv += "K" + std::to_string(i) + ",+3461" + std::to_string(2000000 + i) + ",28001,es,broadband,sms,true\n";
    auto imported = server.request("POST", "/v1/customers/import", csv,
                                   {{"Authorization", "Bearer " + ops}, {"Content-Type", "text/csv"}});
    REQUIRE(imported.status == 200);
    REQUIRE(imported.json()["inserted"] == customers);
    const std::vector<std::string> hooked_types = {"incident.declared", "incident.updated", "incident.resolved"};
    REQUIRE(server.call("POST", "/v1/webhooks", admin,
                        {{"url", hooks.url()}, {"events", hooked_types}, {"secret", "a-secret-of-at-least-16-characters"}})
                .status == 201);
    REQUIRE(server.stop(SIGKILL) == 128 + SIGKILL);

    std::mt19937 random(20261205);
    std::vector<std::int64_t> streamed;  // every seq the SSE clients got, cycle after cycle
    std::vector<std::string> streamed_types;
    std::int64_t last_seen = 0;
    const auto agent_stream = [&](io_runner& runner) {
        return sse_client::open(runner.io(), server.port(), "/v1/events",
                                {{"Authorization", "Bearer " + agent}, {"Last-Event-ID", std::to_string(last_seen)}});
    };
    const auto take = [&](const sse_client& client) {
        for (const auto& e : client.events()) {
            streamed.push_back(*e.id);
            streamed_types.push_back(e.event);
        }
        if (!streamed.empty()) last_seen = streamed.back();
    };

    for (int cycle = 0; cycle < 20; ++cycle) {
        server.start();
        io_runner runner;
        auto client = agent_stream(runner);
        REQUIRE(eventually([&] { return client->streaming(); }, 10s));
        std::atomic<bool> down{false};
        std::thread writer([&, cycle] {
            try {
                http_client http(server.port());
                const std::string tag = "k" + std::to_string(cycle);
                nlohmann::json body = {{"title", tag},
                                       {"severity", "major"},
                                       {"services", {"broadband"}},
                                       {"areas", {"28001"}},
                                       {"messages", {{"es", {{"ivr", "Avería " + tag}, {"sms", "Avería " + tag + " en su zona"}}}}}};
                const outagedesk::test::header_list as_ops = {{"Authorization", "Bearer " + ops},
                                                              {"Content-Type", "application/json"}};
                auto with_key = as_ops;
                with_key.emplace_back("Idempotency-Key", tag);
                auto r = http.request("POST", "/v1/incidents", body.dump(), with_key);
                if (r.status != 201) return;
                const auto id = r.json()["id"].get<std::string>();
                // Six notes (events and webhooks), then the resolve (its notices).
                for (int n = 0; n < 6 && !down; ++n)
                    http.request("PATCH", "/v1/incidents/" + id, nlohmann::json{{"note", tag + "-" + std::to_string(n)}}.dump(), as_ops);
                if (!down) http.request("POST", "/v1/incidents/" + id + "/resolve", "{}", as_ops);
            } catch (const std::exception&) {
                // The server died under us: expected.
            }
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 300)(random)));
        down = true;
        REQUIRE(server.stop(SIGKILL) == 128 + SIGKILL);
        writer.join();
        REQUIRE(eventually([&] { return client->ended(); }, 5s));
        take(*client);
    }

    // One more life: the last stream resumes, a final change arrives live,
    // and every outbox drains.
    server.start();
    io_runner runner;
    auto client = agent_stream(runner);
    REQUIRE(eventually([&] { return client->streaming(); }, 10s));
    auto final_declare = server.call("POST", "/v1/incidents", ops,
                                     {{"title", "after the crashes"}, {"severity", "minor"}, {"services", {"broadband"}},
                                      {"areas", {"28001"}}, {"messages", {{"es", {{"ivr", "Avería"}, {"sms", "Avería final"}}}}}});
    REQUIRE(final_declare.status == 201);
    const auto log_now = event_log(server.database());
    REQUIRE_FALSE(log_now.empty());
    const auto newest = log_now.back().seq;
    REQUIRE(eventually([&] { return !client->seqs().empty() && client->seqs().back() == newest; }, 10s));
    take(*client);

    // The SSE clients together got the whole log, each event once, in order:
    // every resume started right after the last event its predecessor saw.
    std::vector<std::int64_t> logged;
    std::vector<std::string> logged_types;
    for (const auto& e : log_now) {
        logged.push_back(e.seq);
        logged_types.push_back(e.type);
    }
    CHECK(streamed == logged);
    CHECK(streamed_types == logged_types);

    // The notification outbox: every message it holds reaches the gateway,
    // at least once and under its one key; the gateway sees no other keys.
    // The notification service works through the events it missed while
    // down, in order; under the sanitizers that takes a while after the
    // restart. Once the final declare's notices are all there, it has caught
    // up and the outbox holds everything it will.
    const auto final_id = final_declare.json()["id"].get<std::string>();
    std::set<std::string> keys;
    REQUIRE(eventually(
        [&] {
            keys = outbox_keys(server.database());
            for (int i = 0; i < customers; ++i)
                if (!keys.count(final_id + ":K" + std::to_string(i) + ":declared")) return false;
            return true;
        },
        std::chrono::milliseconds(10000 * outagedesk::test::time_scale())));
    REQUIRE(keys.size() >= static_cast<std::size_t>(customers) * 10);
    std::set<std::string> accepted;
    REQUIRE(eventually(
        [&] {
            accepted.clear();
            for (const auto& r : gateway.requests())
                if (r.answered == 200) accepted.insert(r.body["idempotency_key"].get<std::string>());
            return accepted.size() >= keys.size();
        },
        std::chrono::milliseconds(60000 * outagedesk::test::time_scale())));
    CHECK(accepted == outbox_keys(server.database()));
    // At least once, and again only for what a kill caught between its send
    // and the record of it: the calls in flight and the outcomes not yet
    // written (flushed every 100 ms or 64 outcomes), per kill. A repeat
    // carries the same key and body, so the gateway can drop it.
    std::map<std::string, nlohmann::json> first_body;
    std::size_t repeats = 0;
    for (const auto& r : gateway.requests()) {
        const auto key = r.body["idempotency_key"].get<std::string>();
        auto [it, fresh] = first_body.emplace(key, r.body);
        if (!fresh) {
            ++repeats;
            CHECK(it->second == r.body);
        }
    }
    INFO(repeats << " repeated gateway calls for " << accepted.size() << " messages");
    CHECK(repeats <= 21 * (64 + 4 + 32));

    // The webhook outbox: every event of the subscribed types is delivered.
    std::set<std::int64_t> hooked_seqs;
    for (const auto& e : log_now)
        if (std::find(hooked_types.begin(), hooked_types.end(), e.type) != hooked_types.end()) hooked_seqs.insert(e.seq);
    std::set<std::int64_t> delivered;
    REQUIRE(eventually(
        [&] {
            delivered.clear();
            for (const auto& r : hooks.requests())
                if (r.answered == 200) delivered.insert(nlohmann::json::parse(r.body)["seq"].get<std::int64_t>());
            return std::includes(delivered.begin(), delivered.end(), hooked_seqs.begin(), hooked_seqs.end());
        },
        std::chrono::milliseconds(30000 * outagedesk::test::time_scale())));
    for (auto seq : delivered) CHECK(hooked_seqs.count(seq) == 1);
    CHECK(server.stop(SIGTERM) == 0);
}
