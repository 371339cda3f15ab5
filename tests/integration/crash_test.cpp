// Crash safety: SIGKILL the real server at random moments while clients
// write, restart it, and check that every acknowledged write is there exactly
// once and that the store is intact.
#include "outagedesk/store/sqlite.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

using outagedesk::test::http_client;
using outagedesk::test::server_process;

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
