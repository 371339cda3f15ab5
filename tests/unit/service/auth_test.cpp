#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/service/auth.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

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
