#include "outagedesk/domain/role.hpp"

#include <catch2/catch.hpp>

using namespace outagedesk::domain;

TEST_CASE("roles nest admin over ops over agent and keep ivr apart", "[role]") {
    CHECK(role_permits(role::admin, role::ops));
    CHECK(role_permits(role::admin, role::ivr));
    CHECK(role_permits(role::ops, role::agent));
    CHECK(role_permits(role::agent, role::agent));
    CHECK_FALSE(role_permits(role::agent, role::ops));
    CHECK_FALSE(role_permits(role::ops, role::admin));
    CHECK_FALSE(role_permits(role::ivr, role::agent));
    CHECK_FALSE(role_permits(role::agent, role::ivr));
    CHECK_FALSE(role_permits(role::ops, role::ivr));
}

TEST_CASE("role names parse and print back", "[role]") {
    for (auto r : {role::admin, role::ops, role::agent, role::ivr}) CHECK(parse_role(role_name(r)) == r);
    CHECK_FALSE(parse_role("root").has_value());
}
