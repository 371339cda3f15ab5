// The real binary on a free loopback port with a temporary database.
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <regex>
#include <set>
#include <thread>

using outagedesk::test::http_client;
using outagedesk::test::server_process;

TEST_CASE("the server answers health, readiness and metrics", "[integration]") {
    server_process server;
    server.start();
    auto health = server.request("GET", "/healthz");
    CHECK(health.status == 200);
    CHECK(health.json()["status"] == "ok");
    CHECK_FALSE(health.header("x-request-id").empty());
    auto ready = server.request("GET", "/readyz");
    CHECK(ready.status == 200);
    auto metrics = server.request("GET", "/metrics");
    CHECK(metrics.status == 200);
    CHECK_THAT(metrics.header("content-type"), Catch::StartsWith("text/plain"));
    CHECK_THAT(metrics.body, Catch::Contains("# TYPE outagedesk_http_requests_total counter"));
    CHECK_THAT(metrics.body, Catch::Contains(R"(outagedesk_http_requests_total{route="/healthz",status="200"} 1)"));
    CHECK_THAT(metrics.body, Catch::Contains("outagedesk_open_connections"));
    CHECK_THAT(metrics.body, Catch::Contains("outagedesk_write_queue_depth"));
    CHECK_THAT(metrics.body, Catch::Contains("outagedesk_http_request_seconds_bucket"));
}

TEST_CASE("unknown paths, wrong methods and oversized requests get JSON errors", "[integration]") {
    server_process server;
    server.start();
    auto missing = server.request("GET", "/v1/no-such-thing");
    CHECK(missing.status == 404);
    CHECK(missing.json()["error"]["code"] == "not_found");
    auto wrong = server.request("DELETE", "/healthz");
    CHECK(wrong.status == 405);
    CHECK(wrong.header("allow") == "GET");
    CHECK(wrong.json()["error"]["code"] == "method_not_allowed");
    auto big = server.request("POST", "/healthz", std::string(1024 * 1024 + 1, 'x'), {{"Content-Type", "application/json"}});
    CHECK(big.status == 413);
    CHECK(big.json()["error"]["code"] == "payload_too_large");
    auto huge_header = server.request("GET", "/healthz", "", {{"X-Padding", std::string(20000, 'a')}});
    CHECK(huge_header.status == 431);
    // The server is still well after refusing.
    CHECK(server.request("GET", "/healthz").status == 200);
}

TEST_CASE("keep-alive serves many requests on one connection with distinct request ids", "[integration]") {
    server_process server;
    server.start();
    http_client client(server.port());
    std::set<std::string> ids;
    for (int i = 0; i < 20; ++i) {
        auto r = client.request("GET", "/healthz");
        REQUIRE(r.status == 200);
        ids.insert(r.header("x-request-id"));
    }
    CHECK(ids.size() == 20);
    auto echoed = client.request("GET", "/healthz", "", {{"X-Request-Id", "call-123"}});
    CHECK(echoed.header("x-request-id") == "call-123");
    // The access log is written by a background thread: give it a moment.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (server.log().find("[call-123] GET /healthz 200") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK_THAT(server.log(), Catch::Contains("[call-123] GET /healthz 200"));
}

TEST_CASE("tokens are created by the CLI, printed once and never logged", "[integration][auth]") {
    server_process server;
    auto token = server.create_token("agent", "desk-7");
    CHECK(std::regex_match(token, std::regex("odk_[0-9a-f]{64}")));
    std::string out, err;
    CHECK(server.cli({"token", "create", "--role", "agent", "--name", "desk-7"}, &out, &err) == 1);
    CHECK_THAT(err, Catch::Contains("exists already"));
    CHECK(server.cli({"token", "create", "--role", "root", "--name", "x"}, &out, &err) == 2);
    server.start();
    CHECK(server.request("GET", "/metrics", "", {{"Authorization", "Bearer " + token}}).status == 200);
    // Stopped first, so every line the request could have logged is in the file.
    REQUIRE(server.stop(SIGTERM) == 0);
    CHECK_THAT(server.log(), Catch::Contains("GET /metrics 200"));
    CHECK(server.log().find(token) == std::string::npos);
    CHECK(server.log().find(token.substr(4, 20)) == std::string::npos);
}

TEST_CASE("SIGTERM stops the server cleanly with exit status 0", "[integration]") {
    server_process server;
    server.start();
    http_client idle(server.port());  // an idle keep-alive connection must not hold the exit
    REQUIRE(idle.request("GET", "/healthz").status == 200);
    CHECK(server.stop(SIGTERM) == 0);
    CHECK_THAT(server.log(), Catch::Contains("stopped cleanly"));
}

TEST_CASE("a bad config stops the start with the key named", "[integration][config]") {
    server_process server(nlohmann::json{{"threads", 0}});
    std::string out, err;
    CHECK(server.cli({"migrate"}, &out, &err) == 78);
    CHECK_THAT(err, Catch::Contains("'threads'"));
}

TEST_CASE("migrate applies the schema and is a no-op the second time", "[integration][store]") {
    server_process server;
    std::string out, err;
    REQUIRE(server.cli({"migrate"}, &out, &err) == 0);
    CHECK_THAT(err, Catch::Contains("applied"));
    REQUIRE(server.cli({"migrate"}, &out, &err) == 0);
    CHECK_THAT(err, Catch::Contains("applied 0 migration(s)"));
}

namespace {
std::multiset<std::string> thread_names(int pid) {
    std::multiset<std::string> found;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
        std::ifstream comm(task.path() / "comm");
        std::string name;
        std::getline(comm, name);
        found.insert(name);
    }
    return found;
}
// CPU clock ticks (user + system) of a process's threads whose name starts with `prefix`.
long thread_cpu_ticks(int pid, const std::string& prefix) {
    long ticks = 0;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
        std::ifstream comm(task.path() / "comm");
        std::string name;
        std::getline(comm, name);
        if (name.rfind(prefix, 0) != 0) continue;
        std::ifstream stat(task.path() / "stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        std::istringstream fields(text.substr(text.rfind(')') + 2));
        std::string field;
        // After the name: state is field 3 of stat(5); utime and stime are 14 and 15.
        for (int i = 3; i <= 15 && fields >> field; ++i)
            if (i == 14 || i == 15) ticks += std::stol(field);
    }
    return ticks;
}
}  // namespace

TEST_CASE("the server's threads are named for what they do", "[integration]") {
    server_process server;
    server.start();
    REQUIRE(server.request("GET", "/healthz").status == 200);
    const std::set<std::string> expected{"od-io-0",     "od-io-1",     "od-lookup-0", "od-lookup-1", "od-writer",
                                         "od-sync",     "od-checkpoint", "od-log",    "od-notify",   "od-gateway",
                                         "od-webhooks", "od-watchdog",   "od-reports"};
    auto names = [&server] { return thread_names(server.pid()); };
    // The reports thread names itself in its first job: give it a moment.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto found = names();
    while (!std::includes(found.begin(), found.end(), expected.begin(), expected.end()) &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        found = names();
    }
    for (const auto& name : expected) {
        INFO("thread " << name);
        CHECK(found.count(name) == 1);
    }
}

TEST_CASE("by default one I/O thread serves HTTP and two lookup threads read the store", "[integration]") {
    // null removes the harness's own "threads" setting: the shipped defaults.
    server_process server(nlohmann::json{{"threads", nullptr}});
    server.start();
    REQUIRE(server.request("GET", "/healthz").status == 200);
    // Each thread names itself as it starts: give them a moment.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto found = thread_names(server.pid());
    while (found.count("od-lookup-1") == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        found = thread_names(server.pid());
    }
    CHECK(found.count("od-io-0") == 1);
    CHECK(found.count("od-io-1") == 0);
    CHECK(found.count("od-lookup-0") == 1);
    CHECK(found.count("od-lookup-1") == 1);
    CHECK(found.count("od-lookup-2") == 0);

    // The agent context (a store read) is answered by the lookup threads:
    // they are idle otherwise, so any CPU time of theirs is the lookups'.
    auto agent = server.create_token("agent", "ana");
    http_client client(server.port());
    int answered = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (thread_cpu_ticks(server.pid(), "od-lookup-") == 0 && std::chrono::steady_clock::now() < until) {
        for (int i = 0; i < 200; ++i) {
            auto reply = client.request("GET", "/v1/agent/context?phone=%2B3460000" + std::to_string(1000 + i), "",
                                        {{"Authorization", "Bearer " + agent}});
            answered += reply.status == 200;
        }
    }
    CHECK(answered > 0);
    CHECK(thread_cpu_ticks(server.pid(), "od-lookup-") > 0);

    // With none, the lookups run on the I/O threads, and still answer.
    server_process inline_lookups(nlohmann::json{{"lookup_threads", 0}});
    inline_lookups.start();
    auto names = thread_names(inline_lookups.pid());
    CHECK(names.count("od-lookup-0") == 0);
    auto token = inline_lookups.create_token("agent", "ana");
    auto answer = inline_lookups.request("GET", "/v1/agent/context?postcode=28001", "", {{"Authorization", "Bearer " + token}});
    CHECK(answer.status == 200);
    CHECK(nlohmann::json::parse(answer.body)["postcode"] == "28001");
}

TEST_CASE("the server allocates through tcmalloc, unless built with sanitizers", "[integration]") {
    server_process server;
    server.start();
    REQUIRE(server.request("GET", "/healthz").status == 200);
    std::ifstream maps("/proc/" + std::to_string(server.pid()) + "/maps");
    std::string line;
    bool mapped = false;
    while (std::getline(maps, line)) mapped = mapped || line.find("libtcmalloc_minimal") != std::string::npos;
    CHECK(mapped == (OUTAGEDESK_SERVER_TCMALLOC != 0));
}
