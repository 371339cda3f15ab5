// Overload and hostile-input limits against the real binary.
#include "support/server_process.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include <thread>

using outagedesk::test::http_client;
using outagedesk::test::server_process;

TEST_CASE("a token over its request budget gets 429 with Retry-After", "[integration][limits]") {
    server_process server(nlohmann::json{{"http", {{"rate_limit_per_token", 2}, {"rate_burst_per_token", 5}}}});
    auto token = server.create_token("agent", "busy-script");
    auto other = server.create_token("agent", "quiet-desk");
    server.start();
    http_client client(server.port());
    int ok = 0;
    int limited = 0;
    std::string retry_after;
    for (int i = 0; i < 8; ++i) {
        auto r = client.request("GET", "/v1/incidents", "", {{"Authorization", "Bearer " + token}});
        if (r.status == 200) ++ok;
        if (r.status == 429) {
            ++limited;
            retry_after = r.header("retry-after");
            CHECK(r.json()["error"]["code"] == "rate_limited");
        }
    }
    CHECK(ok >= 5);
    CHECK(ok <= 6);  // the burst, plus at most one refilled token
    CHECK(limited >= 2);
    CHECK(std::stoi(retry_after) >= 1);
    // Another caller's budget is untouched.
    CHECK(client.request("GET", "/v1/incidents", "", {{"Authorization", "Bearer " + other}}).status == 200);
}

TEST_CASE("connections beyond the per-address cap are refused and the others keep working", "[integration][limits]") {
    server_process server(nlohmann::json{{"http", {{"max_connections_per_address", 3}}}});
    server.start();
    std::vector<std::unique_ptr<http_client>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<http_client>(server.port()));
        REQUIRE(held.back()->request("GET", "/healthz").status == 200);
    }
    http_client extra(server.port());
    CHECK_THROWS(extra.request("GET", "/healthz"));  // closed by the server at accept
    CHECK(held[0]->request("GET", "/healthz").status == 200);
    held.pop_back();  // one slot frees up
    bool admitted = false;
    for (int attempt = 0; attempt < 250 && !admitted; ++attempt) {
        try {
            http_client again(server.port());
            admitted = again.request("GET", "/healthz").status == 200;
        } catch (const std::exception&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    CHECK(admitted);
    // Through a connection already admitted: a new one could still find the cap reached.
    auto metrics = held[0]->request("GET", "/metrics").body;
    const std::string name = "outagedesk_refused_connections_total ";
    auto at = metrics.find("\n" + name);
    REQUIRE(at != std::string::npos);
    CHECK(std::stoi(metrics.substr(at + 1 + name.size())) >= 1);
}

TEST_CASE("a client that sends its headers too slowly is cut off", "[integration][limits]") {
    server_process server(nlohmann::json{{"http", {{"header_read_timeout_seconds", 1}}}});
    server.start();
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
    boost::asio::write(socket, boost::asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));
    const auto started = std::chrono::steady_clock::now();
    // Dribble one header byte at a time, never finishing.
    boost::system::error_code ec;
    for (int i = 0; i < 40 && !ec; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        boost::asio::write(socket, boost::asio::buffer(std::string("X")), ec);
    }
    char byte;
    boost::asio::read(socket, boost::asio::buffer(&byte, 1), ec);
    CHECK(ec);  // closed by the server
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
    CHECK(server.request("GET", "/healthz").status == 200);
}

TEST_CASE("deeply nested or oversized JSON is refused before it reaches a service", "[integration][limits]") {
    server_process server;
    auto ops = server.create_token("ops", "ops-1");
    server.start();
    std::string deep = std::string(100, '[') + std::string(100, ']');
    auto nested = server.request("POST", "/v1/incidents", deep,
                                 {{"Authorization", "Bearer " + ops}, {"Content-Type", "application/json"}});
    CHECK(nested.status == 400);
    CHECK(nested.json()["error"]["code"] == "malformed_json");
    nlohmann::json long_title = {{"title", std::string(70 * 1024, 'x')}, {"areas", {"28001"}}};
    auto big = server.call("POST", "/v1/incidents", ops, long_title);
    CHECK(big.status == 400);
    CHECK_THAT(big.json()["error"]["message"].get<std::string>(), Catch::Contains("longer than"));
    auto list = server.call("GET", "/v1/incidents", ops);
    CHECK(list.json()["items"].empty());
}

TEST_CASE("a number too large for a double is a 400, not a 500 (fuzzer regression)", "[integration][limits]") {
    server_process server;
    auto ops = server.create_token("ops", "ops-1");
    server.start();
    auto r = server.request("POST", "/v1/incidents", R"({"title":"x","areas":["28001"],"eta":1e99999})",
                            {{"Authorization", "Bearer " + ops}, {"Content-Type", "application/json"}});
    CHECK(r.status == 400);
    CHECK(r.json()["error"]["code"] == "malformed_json");
}
