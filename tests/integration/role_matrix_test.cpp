// The role matrix: every endpoint of the API tried with no token, a bad
// token, a revoked token and a token of each role, against the real binary.
// The expected table is written from the contract (ARCHITECTURE.md §4: the
// endpoint table, "Roles" and "Routing hint"), not from the router, so a
// route granted to the wrong role fails here. A second test checks that the
// table covers every route the server registered.
#include "support/server_process.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <catch2/catch.hpp>

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

using outagedesk::test::server_process;

namespace {

enum class access { public_, token };

struct endpoint {
    std::string method;
    std::string pattern;  // as the router names it, for the coverage check
    std::string target;   // what is requested: ids that do not exist, since the role check comes first
    std::set<std::string> roles;  // roles that get in; empty for public endpoints
    std::string content_type;
    std::string body;
};

endpoint ep(std::string method, std::string pattern, std::string target, std::set<std::string> roles,
            std::string content_type = "", std::string body = "") {
    return {std::move(method), std::move(pattern), std::move(target), std::move(roles), std::move(content_type), std::move(body)};
}

const std::set<std::string> everyone = {"admin", "ops", "agent", "ivr"};
const std::set<std::string> ops_up = {"admin", "ops"};              // "ops" in the table
const std::set<std::string> agent_up = {"admin", "ops", "agent"};   // "agent": admin ⊇ ops ⊇ agent
const std::set<std::string> ivr_only = {"admin", "ivr"};            // "ivr" is separate; admin may use everything
const std::set<std::string> admin_only = {"admin"};

std::vector<endpoint> contract() {
    return {
        ep("POST", "/v1/incidents", "/v1/incidents", ops_up, "application/json", "{}"),
        ep("GET", "/v1/incidents", "/v1/incidents?state=all", agent_up),
        ep("GET", "/v1/incidents/{id}", "/v1/incidents/INC-999999", agent_up),
        ep("PATCH", "/v1/incidents/{id}", "/v1/incidents/INC-999999", ops_up, "application/json", R"({"note":"x"})"),
        ep("POST", "/v1/incidents/{id}/resolve", "/v1/incidents/INC-999999/resolve", ops_up, "application/json", "{}"),
        ep("GET", "/v1/ivr/announcement", "/v1/ivr/announcement?postcode=28001", ivr_only),
        ep("GET", "/v1/agent/context", "/v1/agent/context?postcode=28001", agent_up),
        // agent, ivr: so ops and admin by inclusion
        ep("POST", "/v1/contacts", "/v1/contacts", everyone, "application/json", "{}"),
        ep("GET", "/v1/contacts", "/v1/contacts?customer_id=C-NONE", agent_up),
        ep("GET", "/v1/routing/hint", "/v1/routing/hint?phone=%2B34600000000", everyone),
        ep("GET", "/v1/alerts", "/v1/alerts", ops_up),
        ep("POST", "/v1/alerts/{id}/dismiss", "/v1/alerts/999999/dismiss", ops_up, "application/json", "{}"),
        ep("POST", "/v1/alerts/{id}/declare", "/v1/alerts/999999/declare", ops_up, "application/json", "{}"),
        ep("POST", "/v1/callbacks", "/v1/callbacks", agent_up, "application/json", "{}"),
        ep("GET", "/v1/callbacks", "/v1/callbacks?state=open", agent_up),
        ep("POST", "/v1/callbacks/{id}/complete", "/v1/callbacks/999999/complete", agent_up, "application/json", "{}"),
        ep("PUT", "/v1/customers/{id}", "/v1/customers/C-MATRIX", ops_up, "application/json", "{}"),
        ep("GET", "/v1/customers/{id}", "/v1/customers/C-NONE", ops_up),
        ep("POST", "/v1/customers/import", "/v1/customers/import", ops_up, "text/csv", "id,phone\n"),
        ep("GET", "/v1/incidents/{id}/notifications", "/v1/incidents/INC-999999/notifications", ops_up),
        ep("GET", "/v1/incidents/{id}/compensations", "/v1/incidents/INC-999999/compensations", ops_up),
        // The event streams: agent and ivr (ops, admin by inclusion). The
        // ticket for browsers is part of them, though the table does not list it.
        ep("GET", "/v1/events", "/v1/events", everyone),
        ep("GET", "/v1/ws", "/v1/ws", everyone),
        ep("POST", "/v1/events/ticket", "/v1/events/ticket", everyone, "application/json", "{}"),
        ep("POST", "/v1/webhooks", "/v1/webhooks", admin_only, "application/json", "{}"),
        ep("GET", "/v1/webhooks", "/v1/webhooks", admin_only),
        ep("DELETE", "/v1/webhooks/{id}", "/v1/webhooks/999999", admin_only),
        // Not in the table; a part of the webhooks, so admin like them.
        ep("GET", "/v1/webhooks/{id}/deliveries", "/v1/webhooks/999999/deliveries", admin_only),
        ep("GET", "/v1/status", "/v1/status?postcode=28001", {}),
        ep("GET", "/status", "/status", {}),
        ep("GET", "/ops", "/ops", {}),
        ep("GET", "/desk", "/desk", {}),
        ep("HEAD", "/status", "/status", {}),
        ep("GET", "/healthz", "/healthz", {}),
        ep("GET", "/readyz", "/readyz", {}),
        ep("GET", "/metrics", "/metrics", {}),
    };
}

// Sends one request on its own connection and returns the status of the
// answer's head; the body is not read, so event streams (SSE, a WebSocket
// upgrade) are judged by their head like everything else.
int status_of(std::uint16_t port, const endpoint& e, const std::string& authorization) {
    boost::asio::io_context io;
    boost::beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    std::string request = e.method + " " + e.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!authorization.empty()) request += "Authorization: " + authorization + "\r\n";
    if (e.pattern == "/v1/ws")
        request += "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    if (e.method == "POST" || e.method == "PUT" || e.method == "PATCH")
        request += "Content-Type: " + e.content_type + "\r\nContent-Length: " + std::to_string(e.body.size()) + "\r\n";
    request += "\r\n" + e.body;
    boost::asio::write(stream, boost::asio::buffer(request));
    std::string head;
    boost::asio::read_until(stream, boost::asio::dynamic_buffer(head), "\r\n\r\n");
    static const std::regex status_line(R"(^HTTP/1\.1 ([0-9]{3}) )");
    std::smatch found;
    if (!std::regex_search(head, found, status_line)) throw std::runtime_error("no status line in: " + head);
    return std::stoi(found[1]);
}

}  // namespace

TEST_CASE("every endpoint admits exactly the roles the contract names, and no one without a valid token",
          "[integration][roles]") {
    server_process server;
    std::map<std::string, std::string> tokens;
    for (const auto& role : everyone) tokens[role] = server.create_token(role, role + "-matrix");
    auto revoked = server.create_token("admin", "admin-revoked");
    REQUIRE(server.cli({"token", "revoke", "--name", "admin-revoked"}) == 0);
    server.start();

    int checked = 0;
    for (const auto& e : contract()) {
        INFO(e.method << " " << e.target);
        const bool is_public = e.roles.empty();
        for (const auto& [label, header] : std::vector<std::pair<std::string, std::string>>{
                 {"no token", ""}, {"a bad token", "Bearer not-a-token-anyone-was-given"}, {"a revoked token", "Bearer " + revoked}}) {
            INFO("with " << label);
            const int status = status_of(server.port(), e, header);
            if (is_public) {
                CHECK(status != 401);
                CHECK(status != 403);
                CHECK(status < 500);
            } else {
                CHECK(status == 401);
            }
            ++checked;
        }
        for (const auto& [role, token] : tokens) {
            INFO("as " << role);
            const int status = status_of(server.port(), e, "Bearer " + token);
            if (is_public || e.roles.count(role)) {
                CHECK(status != 401);
                CHECK(status != 403);
                CHECK(status < 500);
            } else {
                CHECK(status == 403);
            }
            ++checked;
        }
    }
    CHECK(checked == static_cast<int>(contract().size()) * 7);  // 36 endpoints, 7 callers
}

TEST_CASE("the role matrix covers every route the server registers", "[integration][roles]") {
    server_process server;
    server.start();
    // The router keeps a latency histogram per route pattern, listed in /metrics
    // even before its first request: the server's own list of its routes.
    auto metrics = server.request("GET", "/metrics").body;
    static const std::regex route_label(R"re(outagedesk_http_request_seconds_count\{route="([^"]+)"\})re");
    std::set<std::string> registered;
    for (std::sregex_iterator it(metrics.begin(), metrics.end(), route_label), end; it != end; ++it) registered.insert((*it)[1]);
    std::set<std::string> tested;
    for (const auto& e : contract()) tested.insert(e.pattern);
    REQUIRE(registered.size() > 20);
    for (const auto& pattern : registered) {
        if (pattern.rfind("/assets/", 0) == 0) continue;  // static files of the public pages
        INFO("route " << pattern << " is registered but not in the role matrix");
        CHECK(tested.count(pattern) == 1);
    }
    for (const auto& pattern : tested) {
        INFO("route " << pattern << " is in the role matrix but the server has no such route");
        CHECK(registered.count(pattern) == 1);
    }
}
