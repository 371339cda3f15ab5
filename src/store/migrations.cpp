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
    request_hash TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (actor, key, route)
);
)sql"},
        {2, "incidents, timeline, customers", R"sql(
CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    services TEXT NOT NULL,
    areas TEXT NOT NULL,
    started_at TEXT NOT NULL,
    declared_at TEXT NOT NULL,
    eta TEXT,
    resolved_at TEXT,
    messages TEXT NOT NULL,
    template TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    contacts INTEGER NOT NULL DEFAULT 0,
    deflected INTEGER NOT NULL DEFAULT 0,
    notified INTEGER NOT NULL DEFAULT 0,
    affected_customers INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incidents_active ON incidents (status) WHERE status <> 'resolved';
CREATE TABLE incident_timeline (
    id INTEGER PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, id);
CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    phone TEXT,
    email TEXT,
    postcode TEXT NOT NULL,
    language TEXT NOT NULL,
    services INTEGER NOT NULL,
    preferred_channel TEXT NOT NULL,
    monthly_fee_cents INTEGER NOT NULL,
    avg_bill_3m_cents INTEGER NOT NULL,
    tariff TEXT NOT NULL DEFAULT '',
    consent INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX customers_phone ON customers (phone) WHERE phone IS NOT NULL;
CREATE INDEX customers_postcode ON customers (postcode, services);
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
