#include "outagedesk/domain/role.hpp"

namespace outagedesk::domain {

std::optional<role> parse_role(std::string_view name) {
    if (name == "admin") return role::admin;
    if (name == "ops") return role::ops;
    if (name == "agent") return role::agent;
    if (name == "ivr") return role::ivr;
    return std::nullopt;
}

std::string_view role_name(role r) {
    switch (r) {
        case role::admin: return "admin";
        case role::ops: return "ops";
        case role::agent: return "agent";
        case role::ivr: return "ivr";
    }
    return "unknown";
}

bool role_permits(role held, role granted) {
    if (held == granted || held == role::admin) return true;
    return held == role::ops && granted == role::agent;
}

}  // namespace outagedesk::domain
