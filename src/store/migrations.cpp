#include "outagedesk/store/migrations.hpp"

#include "outagedesk/store/sqlite.hpp"

#include <algorithm>

namespace outagedesk::store {

namespace {
std::vector<migration> sorted(std::vector<migration> list) {
    std::sort(list.begin(), list.end(), [](const migration& a, const migration& b) { return a.version < b.version; });
    return list;
}
}  // namespace

const std::vector<migration>& all_migrations() {
    static const std::vector<migration> list = sorted({
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
    response TEXT NOT NULL DEFAULT '',
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
        {3, "contacts, owners, callbacks, surge alerts, resolution list", R"sql(
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    customer_id TEXT,
    phone TEXT,
    postcode TEXT,
    reason TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    agent TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL,
    ivr TEXT,
    script TEXT NOT NULL DEFAULT '',
    surge INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX contacts_customer ON contacts (customer_id, id) WHERE customer_id IS NOT NULL;
CREATE INDEX contacts_phone ON contacts (phone, id) WHERE phone IS NOT NULL;
CREATE INDEX contacts_surge ON contacts (created_at) WHERE surge = 1;
CREATE TABLE contact_incidents (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    PRIMARY KEY (incident_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX contact_incidents_contact ON contact_incidents (contact_id);
CREATE TABLE owners (
    customer_id TEXT PRIMARY KEY,
    agent TEXT NOT NULL,
    since TEXT NOT NULL,
    until TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE callbacks (
    id INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL,
    due_at TEXT NOT NULL,
    agent TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('open', 'done')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    completed_at TEXT,
    completed_by TEXT,
    due_notified INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX callbacks_open_due ON callbacks (due_at) WHERE state = 'open';
CREATE INDEX callbacks_customer ON callbacks (customer_id, state);
CREATE INDEX callbacks_agent ON callbacks (agent, state, due_at);
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    prefix TEXT NOT NULL,
    count INTEGER NOT NULL,
    window_seconds INTEGER NOT NULL,
    baseline REAL NOT NULL,
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'dismissed', 'declared')),
    incident_id TEXT REFERENCES incidents (id),
    raised_at TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT
);
CREATE UNIQUE INDEX alerts_open_prefix ON alerts (prefix) WHERE status = 'open';
CREATE TABLE alert_contacts (
    alert_id INTEGER NOT NULL REFERENCES alerts (id),
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    PRIMARY KEY (alert_id, contact_id)
) WITHOUT ROWID;
CREATE TABLE resolution_notices (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    recipient TEXT NOT NULL,
    customer_id TEXT,
    phone TEXT,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (incident_id, recipient)
) WITHOUT ROWID;
)sql"},
        {4, "webhooks", R"sql(
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    deleted_at TEXT,
    cursor INTEGER NOT NULL
);
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id),
    event_seq INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER,
    last_status INTEGER,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (webhook_id, event_seq)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id) WHERE state = 'pending';
)sql"},
        {5, "notification outbox, compensations", R"sql(
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    incident_id TEXT NOT NULL,
    customer_id TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('declared', 'eta_changed', 'resolved')),
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient TEXT NOT NULL,
    body TEXT NOT NULL,
    critical INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'held')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER,
    last_error TEXT,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX notifications_due ON notifications (next_attempt_ms, id) WHERE state = 'queued';
CREATE INDEX notifications_held ON notifications (id) WHERE state = 'held';
CREATE INDEX notifications_incident ON notifications (incident_id, state, kind);
CREATE INDEX notifications_reached ON notifications (incident_id, customer_id, recipient) WHERE state = 'sent';
CREATE TABLE compensations (
    incident_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    service TEXT NOT NULL,
    duration_seconds INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    payable INTEGER NOT NULL,
    explanation TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (incident_id, customer_id, rule, service)
) WITHOUT ROWID;
CREATE INDEX compensations_customer ON compensations (customer_id);
CREATE TABLE notification_runs (
    incident_id TEXT PRIMARY KEY,
    scope TEXT NOT NULL DEFAULT '',
    eta TEXT,
    declared_at TEXT,
    resolved_at TEXT,
    compensated_at TEXT
) WITHOUT ROWID;
CREATE TABLE notification_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
)sql"},
        // A declared or ETA notice has one body per language and channel, so
        // the outbox refers to it instead of storing it a million times; a
        // message's body is its own `body` (resolution notices, which carry
        // the customer's compensation) or else its text's. `updated_at` stays
        // NULL until the message changes. Existing messages keep their bodies.
        // `eta_round` counts the ETA changes notified, so that each new ETA
        // gets its own keys (an incident that had one has had round 1).
        {6, "shared notice texts; outbox rows refer to them", R"sql(
CREATE TABLE notification_texts (
    id INTEGER PRIMARY KEY,
    incident_id TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (incident_id, body)
);
CREATE TABLE notifications_v6 (
    id INTEGER PRIMARY KEY,
    incident_id TEXT NOT NULL,
    customer_id TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('declared', 'eta_changed', 'resolved')),
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient TEXT NOT NULL,
    body TEXT,
    text_id INTEGER,
    critical INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'held')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER,
    last_error TEXT,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    sent_at TEXT,
    CHECK (body IS NOT NULL OR text_id IS NOT NULL)
);
INSERT INTO notifications_v6 (id, incident_id, customer_id, kind, channel, recipient, body, text_id, critical, state,
                              attempts, next_attempt_ms, last_status, last_error, idempotency_key, created_at,
                              updated_at, sent_at)
SELECT id, incident_id, customer_id, kind, channel, recipient, body, NULL, critical, state, attempts, next_attempt_ms,
       last_status, last_error, idempotency_key, created_at, updated_at, sent_at
FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_v6 RENAME TO notifications;
CREATE INDEX notifications_due ON notifications (next_attempt_ms, id) WHERE state = 'queued';
CREATE INDEX notifications_held ON notifications (id) WHERE state = 'held';
CREATE INDEX notifications_incident ON notifications (incident_id, state, kind);
CREATE INDEX notifications_reached ON notifications (incident_id, customer_id, recipient) WHERE state = 'sent';
ALTER TABLE notification_runs ADD COLUMN eta_round INTEGER NOT NULL DEFAULT 0;
UPDATE notification_runs SET eta_round = 1 WHERE EXISTS (
    SELECT 1 FROM notifications WHERE notifications.incident_id = notification_runs.incident_id AND kind = 'eta_changed');
)sql"},
        // The agent context lists a customer's compensations newest first on
        // every lookup: in index order, without a sort.
        {7, "compensations by customer, newest first", R"sql(
CREATE INDEX compensations_customer_newest ON compensations (customer_id, computed_at, incident_id);
DROP INDEX compensations_customer;
)sql"},
        // Which version of an incident its open surge alerts were linked to;
        // resolved incidents need none, active ones are linked once more.
        {8, "incidents remember the version their alerts were linked to", R"sql(
ALTER TABLE incidents ADD COLUMN alerts_linked_version INTEGER NOT NULL DEFAULT 0;
UPDATE incidents SET alerts_linked_version = version WHERE status = 'resolved';
)sql"},
        // An incident's outbox counts, kept by every write that adds a message
        // or moves one between states: counting 900,000 index entries took
        // ~90 ms per report, and the index cost every queued message a b-tree
        // insert.
        {9, "outbox counts kept per incident, kind and state", R"sql(
CREATE TABLE notification_tallies (
    incident_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (incident_id, kind, state)
) WITHOUT ROWID;
INSERT INTO notification_tallies (incident_id, kind, state, n)
    SELECT incident_id, kind, state, COUNT(*) FROM notifications GROUP BY incident_id, kind, state;
DROP INDEX notifications_incident;
)sql"},
    });
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
