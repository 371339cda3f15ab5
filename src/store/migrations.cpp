#include "outagedesk/store/migrations.hpp"

#include "outagedesk/store/sqlite.hpp"

namespace outagedesk::store {

const std::vector<migration>& all_migrations() {
    static const std::vector<migration> list = {
        {1, "tokens, audit log, events, idempotency", R"sql(
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'ops', 'agent', 'ivr')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX events_at ON events (at);
CREATE TABLE idempotency_keys (
    actor TEXT NOT NULL,
    key TEXT NOT NULL,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (actor, key, route)
);
)sql"},
    };
    return list;
}

int schema_version(connection& db) {
    db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))");
    statement query(db.handle(), "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    query.step();
    return static_cast<int>(query.get_int64(0));
}

int migrate(connection& db) {
    int current = schema_version(db);
    int applied = 0;
    for (const auto& m : all_migrations()) {
        if (m.version <= current) continue;
        transaction tx(db);
        db.exec(m.sql);
        statement record(db.handle(), "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)");
        record.bind(1, m.version).bind(2, m.name).run();
        tx.commit();
        ++applied;
    }
    return applied;
}

}  // namespace outagedesk::store
