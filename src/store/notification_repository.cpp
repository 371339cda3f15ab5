#include "outagedesk/store/notification_repository.hpp"

#include <stdexcept>
#include <string_view>
#include <tuple>

namespace outagedesk::store {

namespace {

domain::compensation_row read_compensation(const statement& row, int first) {
    domain::compensation_row c;
    c.customer_id = row.get_text(first);
    c.rule = domain::parse_compensation_rule(row.get_text(first + 1)).value_or(domain::compensation_rule::es_rd899_2009);
    c.service = row.get_text(first + 2);
    c.duration_seconds = row.get_int64(first + 3);
    c.amount_cents = row.get_int64(first + 4);
    c.payable = row.get_int64(first + 5) != 0;
    c.explanation = row.get_text(first + 6);
    return c;
}

std::optional<std::string> non_empty(const std::string& s) {
    if (s.empty()) return std::nullopt;
    return s;
}

void add_count(notification_counts& counts, const std::string& state, std::int64_t n) {
    if (state == "queued") counts.queued += n;
    else if (state == "sent") counts.sent += n;
    else if (state == "failed") counts.failed += n;
    else if (state == "held") counts.held += n;
}

// Steps through every row of `query`, then resets it (also when `each` throws).
template <typename Fn>
void for_each_row(statement& query, Fn each) {
    try {
        while (query.step()) each(query);
    } catch (...) {
        query.reset();
        throw;
    }
    query.reset();
}

// What one write did to the outbox counts, applied in the same transaction.
class tally_changes {
public:
    void add(const std::string& incident_id, std::string_view kind, std::string_view state, std::int64_t n) {
        if (n != 0) changes_[{incident_id, std::string(kind), std::string(state)}] += n;
    }
    // One message of (incident, kind) moved from one state to another.
    void move(const std::string& incident_id, std::string_view kind, std::string_view from, std::string_view to) {
        if (from == to) return;
        add(incident_id, kind, from, -1);
        add(incident_id, kind, to, 1);
    }
    void apply(write_context& w) const {
        auto& upsert = w.db().cached(
            "INSERT INTO notification_tallies (incident_id, kind, state, n) VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT (incident_id, kind, state) DO UPDATE SET n = n + excluded.n");
        for (const auto& [key, n] : changes_) {
            if (n == 0) continue;
            const auto& [incident_id, kind, state] = key;
            upsert.bind(1, incident_id).bind(2, kind).bind(3, state).bind(4, n).run();
        }
    }

private:
    std::map<std::tuple<std::string, std::string, std::string>, std::int64_t> changes_;
};

const char* state_after(delivery_outcome::result what) {
    using result = delivery_outcome::result;
    switch (what) {
        case result::sent: return "sent";
        case result::failed: return "failed";
        case result::hold: return "held";
        case result::retry: return "queued";
    }
    return "queued";
}

}  // namespace

std::int64_t notification_repository::enqueue(write_context& w, const std::vector<outbox_entry>& entries,
                                              const std::string& at) {
    auto& insert = w.db().cached(
        "INSERT OR IGNORE INTO notifications (incident_id, customer_id, kind, channel, recipient, body, critical, state, "
        "idempotency_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    std::int64_t added = 0;
    tally_changes tallies;
    for (const auto& e : entries) {
        insert.bind(1, e.incident_id)
            .bind(2, non_empty(e.customer_id))
            .bind(3, domain::notice_kind_name(e.kind))
            .bind(4, e.channel)
            .bind(5, e.recipient)
            .bind(6, e.body)
            .bind(7, e.critical ? 1 : 0)
            .bind(8, e.held ? "held" : "queued")
            .bind(9, e.key)
            .bind(10, at)
            .run();
        if (w.db().changes() == 0) continue;
        ++added;
        tallies.add(e.incident_id, domain::notice_kind_name(e.kind), e.held ? "held" : "queued", 1);
    }
    tallies.apply(w);
    return added;
}

std::int64_t notification_repository::save_text(write_context& w, const std::string& incident_id, const std::string& body) {
    w.db()
        .cached("INSERT INTO notification_texts (incident_id, body) VALUES (?1, ?2) ON CONFLICT (incident_id, body) DO NOTHING")
        .bind(1, incident_id)
        .bind(2, body)
        .run();
    auto& find = w.db().cached("SELECT id FROM notification_texts WHERE incident_id = ?1 AND body = ?2");
    find.bind(1, incident_id).bind(2, body);
    if (!find.step()) {
        find.reset();
        throw std::runtime_error("notification text not stored");
    }
    const auto id = find.get_int64(0);
    find.reset();
    return id;
}

std::int64_t notification_repository::enqueue_customers(write_context& w, const customer_notice& notice,
                                                        std::optional<std::int64_t> sms_text,
                                                        std::optional<std::int64_t> email_text,
                                                        const std::vector<std::int64_t>& customer_refs,
                                                        const std::string& at) {
    if (customer_refs.empty() || (!sms_text && !email_text)) return 0;
    // The references go in as one JSON array, so a chunk is one statement and
    // every per-message byte is built inside SQLite, in the order given (the
    // CROSS JOIN keeps json_each outside).
    std::string refs = "[";
    refs.reserve(customer_refs.size() * 8 + 2);
    for (auto ref : customer_refs) {
        if (refs.size() > 1) refs += ',';
        refs += std::to_string(ref);
    }
    refs += ']';
    // Outside quiet hours every message is queued and the count of changed
    // rows says how many. Only a quiet-hours chunk needs each row's state
    // back, and RETURNING costs a row in a temporary table per message.
    const std::string insert_sql =
        "INSERT OR IGNORE INTO notifications (incident_id, customer_id, kind, channel, recipient, text_id, critical, state, "
        "idempotency_key, created_at) "
        "SELECT ?1, c.id, ?2, c.preferred_channel, "
        "COALESCE(CASE c.preferred_channel WHEN 'sms' THEN c.phone ELSE c.email END, ''), "
        "CASE c.preferred_channel WHEN 'sms' THEN ?3 ELSE ?4 END, ?5, "
        "CASE WHEN c.preferred_channel = 'sms' AND ?6 THEN 'held' ELSE 'queued' END, ?7 || c.id || ?8, ?9 "
        "FROM json_each(?10) AS j CROSS JOIN customers AS c ON c.rowid = j.value "
        "WHERE c.consent <> 0 AND (CASE c.preferred_channel WHEN 'sms' THEN ?3 WHEN 'email' THEN ?4 END) IS NOT NULL";
    auto& insert = w.db().cached(notice.hold_sms ? insert_sql + " RETURNING state = 'held'" : insert_sql);
    insert.bind(1, notice.incident_id)
        .bind(2, domain::notice_kind_name(notice.kind))
        .bind(3, sms_text)
        .bind(4, email_text)
        .bind(5, notice.critical ? 1 : 0)
        .bind(6, notice.hold_sms ? 1 : 0)
        .bind(7, notice.key_prefix)
        .bind(8, notice.key_suffix)
        .bind(9, at)
        .bind(10, refs);
    std::int64_t held = 0;
    std::int64_t queued = 0;
    if (notice.hold_sms) {
        for_each_row(insert, [&](const statement& row) { ++(row.get_int64(0) != 0 ? held : queued); });
    } else {
        insert.run();
        queued = w.db().changes();
    }
    const auto kind = domain::notice_kind_name(notice.kind);
    tally_changes tallies;
    tallies.add(notice.incident_id, kind, "held", held);
    tallies.add(notice.incident_id, kind, "queued", queued);
    tallies.apply(w);
    return held + queued;
}

void notification_repository::record(write_context& w, const delivery_outcome& o, const std::string& at) {
    using result = delivery_outcome::result;
    // Each UPDATE names the kind of the message it moved out of 'queued' (no
    // row: it was not queued, and nothing changed).
    std::optional<std::string> moved_kind;
    auto moved = [&](statement& update) {
        for_each_row(update, [&](const statement& row) { moved_kind = row.get_text(0); });
        if (!moved_kind) return false;
        tally_changes tallies;
        tallies.move(o.incident_id, *moved_kind, "queued", state_after(o.what));
        tallies.apply(w);
        return true;
    };
    if (o.what == result::sent) {
        // Counted once per recipient: look before this message joins the sent ones.
        auto& reached = o.customer_id.empty()
                            ? w.db().cached("SELECT 1 FROM notifications WHERE incident_id = ?1 AND customer_id IS NULL "
                                            "AND recipient = ?3 AND state = 'sent' LIMIT 1")
                            : w.db().cached("SELECT 1 FROM notifications WHERE incident_id = ?1 AND customer_id = ?2 "
                                            "AND state = 'sent' LIMIT 1");
        reached.bind(1, o.incident_id);
        if (o.customer_id.empty())
            reached.bind(3, o.recipient);
        else
            reached.bind(2, o.customer_id);
        const bool known = reached.step();
        reached.reset();
        auto& update = w.db()
                           .cached("UPDATE notifications SET state = 'sent', attempts = attempts + 1, last_status = ?2, "
                                   "last_error = NULL, sent_at = ?3, updated_at = ?3 WHERE id = ?1 AND state = 'queued' "
                                   "RETURNING kind")
                           .bind(1, o.id)
                           .bind(2, o.status)
                           .bind(3, at);
        if (moved(update) && !known)
            w.db().cached("UPDATE incidents SET notified = notified + 1 WHERE id = ?1").bind(1, o.incident_id).run();
        return;
    }
    if (o.what == result::hold) {
        moved(w.db()
                  .cached("UPDATE notifications SET state = 'held', next_attempt_ms = 0, updated_at = ?2 "
                          "WHERE id = ?1 AND state = 'queued' RETURNING kind")
                  .bind(1, o.id)
                  .bind(2, at));
        return;
    }
    moved(w.db()
              .cached("UPDATE notifications SET state = ?2, attempts = attempts + 1, next_attempt_ms = ?3, last_status = ?4, "
                      "last_error = ?5, updated_at = ?6 WHERE id = ?1 AND state = 'queued' RETURNING kind")
              .bind(1, o.id)
              .bind(2, state_after(o.what))
              .bind(3, o.next_attempt_ms)
              .bind(4, o.status)
              .bind(5, o.error)
              .bind(6, at));
}

namespace {
// Runs an UPDATE that moves messages from one state to another and returns
// (incident_id, kind) of each moved row; keeps the counts and says how many moved.
std::int64_t move_all(write_context& w, statement& update, std::string_view from, std::string_view to) {
    std::int64_t moved = 0;
    tally_changes tallies;
    for_each_row(update, [&](const statement& row) {
        tallies.move(row.get_text(0), row.get_text(1), from, to);
        ++moved;
    });
    tallies.apply(w);
    return moved;
}
}  // namespace

std::int64_t notification_repository::hold_quiet_sms(write_context& w, const std::string& at) {
    auto& update = w.db().cached(
        "UPDATE notifications SET state = 'held', next_attempt_ms = 0, updated_at = ?1 "
        "WHERE state = 'queued' AND channel = 'sms' AND critical = 0 RETURNING incident_id, kind");
    return move_all(w, update.bind(1, at), "queued", "held");
}

std::int64_t notification_repository::release_held(write_context& w, const std::string& at) {
    auto& update = w.db().cached(
        "UPDATE notifications SET state = 'queued', next_attempt_ms = 0, updated_at = ?1 WHERE state = 'held' "
        "RETURNING incident_id, kind");
    return move_all(w, update.bind(1, at), "held", "queued");
}

void notification_repository::save_compensations(write_context& w, const std::string& incident_id,
                                                 const std::vector<domain::compensation_row>& rows, const std::string& at) {
    auto& insert = w.db().cached(
        "INSERT OR REPLACE INTO compensations (incident_id, customer_id, rule, service, duration_seconds, amount_cents, "
        "payable, explanation, computed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    for (const auto& r : rows)
        insert.bind(1, incident_id)
            .bind(2, r.customer_id)
            .bind(3, domain::compensation_rule_name(r.rule))
            .bind(4, r.service)
            .bind(5, r.duration_seconds)
            .bind(6, r.amount_cents)
            .bind(7, r.payable ? 1 : 0)
            .bind(8, r.explanation)
            .bind(9, at)
            .run();
}

void notification_repository::set_affected(write_context& w, const std::string& incident_id, std::int64_t count) {
    w.db().cached("UPDATE incidents SET affected_customers = ?2 WHERE id = ?1").bind(1, incident_id).bind(2, count).run();
}

void notification_repository::save_run(write_context& w, const notification_run& run) {
    w.db()
        .cached("INSERT INTO notification_runs (incident_id, scope, eta, declared_at, resolved_at, compensated_at, eta_round) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (incident_id) DO UPDATE SET scope = excluded.scope, "
                "eta = excluded.eta, declared_at = excluded.declared_at, resolved_at = excluded.resolved_at, "
                "compensated_at = excluded.compensated_at, eta_round = excluded.eta_round")
        .bind(1, run.incident_id)
        .bind(2, run.scope)
        .bind(3, run.eta)
        .bind(4, run.declared_at)
        .bind(5, run.resolved_at)
        .bind(6, run.compensated_at)
        .bind(7, run.eta_round)
        .run();
}

void notification_repository::save_cursor(write_context& w, std::int64_t seq) {
    w.db()
        .cached("INSERT INTO notification_cursor (id, seq) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq")
        .bind(1, seq)
        .run();
}

notification_counts notification_repository::counts(const std::string& incident_id) {
    notification_counts out;
    for (const auto& [kind, c] : counts_by_kind(incident_id)) {
        out.queued += c.queued;
        out.sent += c.sent;
        out.failed += c.failed;
        out.held += c.held;
    }
    return out;
}

std::map<std::string, notification_counts> notification_repository::counts_by_kind(const std::string& incident_id) {
    auto reader = db_.read();
    auto& query = reader->cached("SELECT kind, state, n FROM notification_tallies WHERE incident_id = ?1");
    query.bind(1, incident_id);
    std::map<std::string, notification_counts> out;
    while (query.step()) add_count(out[query.get_text(0)], query.get_text(1), query.get_int64(2));
    query.reset();
    return out;
}

std::vector<outbox_message> notification_repository::due(std::int64_t now_ms, std::size_t limit) {
    auto reader = db_.read();
    auto& query = reader->cached(
        "SELECT n.id, n.incident_id, n.customer_id, n.channel, n.recipient, COALESCE(n.body, t.body, ''), n.critical, "
        "n.attempts, n.idempotency_key FROM notifications AS n LEFT JOIN notification_texts AS t ON t.id = n.text_id "
        "WHERE n.state = 'queued' AND n.next_attempt_ms <= ?1 ORDER BY n.next_attempt_ms, n.id LIMIT ?2");
    query.bind(1, now_ms).bind(2, static_cast<std::int64_t>(limit));
    std::vector<outbox_message> out;
    while (query.step()) {
        outbox_message m;
        m.id = query.get_int64(0);
        m.incident_id = query.get_text(1);
        m.customer_id = query.get_optional_text(2).value_or("");
        m.channel = query.get_text(3);
        m.recipient = query.get_text(4);
        m.body = query.get_text(5);
        m.critical = query.get_int64(6) != 0;
        m.attempts = query.get_int64(7);
        m.key = query.get_text(8);
        out.push_back(std::move(m));
    }
    query.reset();
    return out;
}

bool notification_repository::any_held() {
    auto reader = db_.read();
    auto& query = reader->cached("SELECT 1 FROM notifications WHERE state = 'held' LIMIT 1");
    const bool found = query.step();
    query.reset();
    return found;
}

bool notification_repository::any_quiet_candidate() {
    auto reader = db_.read();
    auto& query = reader->cached(
        "SELECT 1 FROM notifications WHERE state = 'queued' AND channel = 'sms' AND critical = 0 LIMIT 1");
    const bool found = query.step();
    query.reset();
    return found;
}

std::optional<notification_run> notification_repository::run(const std::string& incident_id) {
    auto reader = db_.read();
    auto& query = reader->cached(
        "SELECT incident_id, scope, eta, declared_at, resolved_at, compensated_at, eta_round FROM notification_runs "
        "WHERE incident_id = ?1");
    query.bind(1, incident_id);
    std::optional<notification_run> out;
    if (query.step())
        out = notification_run{query.get_text(0),          query.get_text(1),          query.get_optional_text(2),
                               query.get_optional_text(3), query.get_optional_text(4), query.get_optional_text(5),
                               query.get_int64(6)};
    query.reset();
    return out;
}

std::optional<std::int64_t> notification_repository::cursor() {
    auto reader = db_.read();
    auto& query = reader->cached("SELECT seq FROM notification_cursor WHERE id = 1");
    std::optional<std::int64_t> out;
    if (query.step()) out = query.get_int64(0);
    query.reset();
    return out;
}

std::vector<contacted_caller> notification_repository::contacted(const std::string& incident_id) {
    auto reader = db_.read();
    auto& query = reader->cached(
        "SELECT DISTINCT COALESCE(c.customer_id, ''), CASE WHEN c.customer_id IS NULL THEN c.phone ELSE '' END "
        "FROM contact_incidents ci JOIN contacts c ON c.id = ci.contact_id "
        "WHERE ci.incident_id = ?1 AND (c.customer_id IS NOT NULL OR c.phone IS NOT NULL)");
    query.bind(1, incident_id);
    std::vector<contacted_caller> out;
    while (query.step()) out.push_back({query.get_text(0), query.get_text(1)});
    query.reset();
    return out;
}

std::vector<domain::compensation_row> notification_repository::compensations(const std::string& incident_id,
                                                                             const compensation_page_key& after,
                                                                             std::size_t limit) {
    auto reader = db_.read();
    auto& query = reader->cached(
        "SELECT customer_id, rule, service, duration_seconds, amount_cents, payable, explanation FROM compensations "
        "WHERE incident_id = ?1 AND (customer_id, rule, service) > (?2, ?3, ?4) ORDER BY customer_id, rule, service "
        "LIMIT ?5");
    query.bind(1, incident_id)
        .bind(2, after.customer_id)
        .bind(3, after.rule)
        .bind(4, after.service)
        .bind(5, static_cast<std::int64_t>(limit));
    std::vector<domain::compensation_row> out;
    while (query.step()) out.push_back(read_compensation(query, 0));
    query.reset();
    return out;
}

std::vector<stored_compensation> notification_repository::compensations_for_customer(const std::string& customer_id,
                                                                                     std::size_t limit) {
    auto reader = db_.read();
    auto& query = reader->cached(
        "SELECT incident_id, customer_id, rule, service, duration_seconds, amount_cents, payable, explanation "
        "FROM compensations WHERE customer_id = ?1 ORDER BY computed_at DESC, incident_id DESC LIMIT ?2");
    query.bind(1, customer_id).bind(2, static_cast<std::int64_t>(limit));
    std::vector<stored_compensation> out;
    while (query.step()) out.push_back({query.get_text(0), read_compensation(query, 1)});
    query.reset();
    return out;
}

}  // namespace outagedesk::store
