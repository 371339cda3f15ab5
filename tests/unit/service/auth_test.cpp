#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/service/auth.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace outagedesk;

TEST_CASE("generated tokens are long, random and stored only as a hash", "[auth]") {
    auto a = service::generate_token();
    auto b = service::generate_token();
    CHECK(a != b);
    CHECK(a.size() == 4 + 64);
    auto hash = service::hash_token(a);
    CHECK(hash.size() == 64);
    CHECK(hash.find(a.substr(4)) == std::string::npos);
    CHECK(service::hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("a token authenticates until it is revoked", "[auth]") {
    test::temp_dir dir;
    metrics::registry metrics;
    store::database db(dir.path() / "t.db", config::store_settings{}, metrics);
    store::token_repository tokens(db);
    service::authenticator auth(tokens);
    auto token = service::generate_token();
    REQUIRE(tokens.create("desk-1", domain::role::agent, service::hash_token(token), "2026-11-25T10:00:00Z"));
    CHECK_FALSE(tokens.create("desk-1", domain::role::agent, service::hash_token("other"), "2026-11-25T10:00:00Z"));
    auto who = auth.authenticate("Bearer " + token);
    REQUIRE(who.has_value());
    CHECK(who->name == "desk-1");
    CHECK(who->held == domain::role::agent);
    CHECK(auth.authenticate("bearer " + token).has_value());
    CHECK_FALSE(auth.authenticate("Basic " + token).has_value());
    CHECK_FALSE(auth.authenticate("Bearer " + token + "x").has_value());
    CHECK_FALSE(auth.authenticate("Bearer ").has_value());
    REQUIRE(tokens.revoke("desk-1", "2026-11-25T11:00:00Z"));
    CHECK_FALSE(auth.authenticate("Bearer " + token).has_value());
    CHECK_FALSE(tokens.revoke("desk-1", "2026-11-25T11:00:00Z"));
    // The name may be used again after revocation.
    CHECK(tokens.create("desk-1", domain::role::agent, service::hash_token("new"), "2026-11-25T12:00:00Z"));
}

TEST_CASE("a remembered token stops authenticating when another process revokes it", "[auth]") {
    test::temp_dir dir;
    metrics::registry metrics;
    store::database server_db(dir.path() / "t.db", config::store_settings{}, metrics);
    store::token_repository server_tokens(server_db);
    service::authenticator auth(server_tokens, std::chrono::milliseconds(200));
    auto token = service::generate_token();
    REQUIRE(server_tokens.create("ivr-1", domain::role::ivr, service::hash_token(token), "2026-11-25T10:00:00Z"));
    REQUIRE(auth.authenticate("Bearer " + token).has_value());

    {
        // The `outagedesk token revoke` command: its own connection, its own repository.
        metrics::registry cli_metrics;
        store::database cli_db(dir.path() / "t.db", config::store_settings{}, cli_metrics);
        store::token_repository cli_tokens(cli_db);
        REQUIRE(cli_tokens.revoke("ivr-1", "2026-11-25T11:00:00Z"));
    }
    const auto revoked_at = std::chrono::steady_clock::now();
    // Within the recheck period the server may still accept the token; after it, never.
    std::optional<domain::principal> who = auth.authenticate("Bearer " + token);
    while (who && std::chrono::steady_clock::now() - revoked_at < std::chrono::seconds(5)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        who = auth.authenticate("Bearer " + token);
    }
    CHECK_FALSE(who.has_value());
    CHECK(std::chrono::steady_clock::now() - revoked_at < std::chrono::seconds(2));
    CHECK_FALSE(auth.authenticate("Bearer " + token).has_value());
}

TEST_CASE("a remembered token is only ever matched by the same token", "[auth]") {
    test::temp_dir dir;
    metrics::registry metrics;
    store::database db(dir.path() / "t.db", config::store_settings{}, metrics);
    store::token_repository tokens(db);
    service::authenticator auth(tokens, std::chrono::hours(1));
    auto agent = service::generate_token();
    auto ops = service::generate_token();
    REQUIRE(tokens.create("agent-1", domain::role::agent, service::hash_token(agent), "2026-11-25T10:00:00Z"));
    REQUIRE(tokens.create("ops-1", domain::role::ops, service::hash_token(ops), "2026-11-25T10:00:00Z"));
    for (int round = 0; round < 3; ++round) {
        auto a = auth.authenticate("Bearer " + agent);
        auto o = auth.authenticate("Bearer " + ops);
        REQUIRE(a.has_value());
        REQUIRE(o.has_value());
        CHECK(a->name == "agent-1");
        CHECK(o->held == domain::role::ops);
        auto altered = agent;
        altered.back() = altered.back() == '0' ? '1' : '0';
        CHECK_FALSE(auth.authenticate("Bearer " + altered).has_value());
    }
    // A revocation in this process is seen at once, even with a long recheck period.
    REQUIRE(tokens.revoke("agent-1", "2026-11-25T11:00:00Z"));
    CHECK_FALSE(auth.authenticate("Bearer " + agent).has_value());
    CHECK(auth.authenticate("Bearer " + ops).has_value());
}
