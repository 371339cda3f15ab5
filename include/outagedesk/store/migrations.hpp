#pragma once
// Numbered schema migrations, applied in order, each in its own transaction
// and recorded in schema_migrations, so a half-applied migration never
// persists and re-running is a no-op.
#include <string>
#include <vector>

namespace outagedesk::store {

class connection;

struct migration {
    int version;
    std::string name;
    std::string sql;
};

const std::vector<migration>& all_migrations();
// Applies what is missing; returns how many were applied.
int migrate(connection& db);
int schema_version(connection& db);

}  // namespace outagedesk::store
