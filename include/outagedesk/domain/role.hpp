#pragma once
// Who may do what. Roles nest for reads and writes alike (admin ⊇ ops ⊇
// agent); ivr stands apart and is granted per endpoint. Pure: no lookup of
// tokens happens here.
#include <optional>
#include <string>
#include <string_view>

namespace outagedesk::domain {

enum class role { admin, ops, agent, ivr };

std::optional<role> parse_role(std::string_view name);
std::string_view role_name(role r);
// True when a caller holding `held` may use an endpoint granted to `granted`.
bool role_permits(role held, role granted);

struct principal {
    std::string name;
    role held;
};

}  // namespace outagedesk::domain
