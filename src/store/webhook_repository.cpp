#include "outagedesk/store/webhook_repository.hpp"

#include <nlohmann/json.hpp>

namespace outagedesk::store {

namespace {
constexpr const char* webhook_columns = "SELECT id, url, events, secret, created_at, created_by, cursor, deleted_at FROM webhooks ";
constexpr const char* delivery_columns =
    "SELECT id, webhook_id, event_seq, event_type, state, attempts, next_attempt_ms, last_status, last_error, created_at, "
    "updated_at FROM webhook_deliveries ";

webhook read_webhook(const statement& row) {
    webhook h;
    h.id = row.get_int64(0);
    h.url = row.get_text(1);
    h.events = nlohmann::json::parse(row.get_text(2)).get<std::vector<std::string>>();
    h.secret = row.get_text(3);
    h.created_at = row.get_text(4);
    h.created_by = row.get_text(5);
    h.cursor = row.get_int64(6);
    h.deleted = !row.is_null(7);
    return h;
}

webhook_delivery read_delivery(const statement& row) {
    webhook_delivery d;
    d.id = row.get_int64(0);
    d.webhook_id = row.get_int64(1);
    d.event_seq = row.get_int64(2);
    d.event_type = row.get_text(3);
    d.state = row.get_text(4);
    d.attempts = row.get_int64(5);
    d.next_attempt_ms = row.get_optional_int64(6);
    d.last_status = row.get_optional_int64(7);
    d.last_error = row.get_optional_text(8).value_or("");
    d.created_at = row.get_text(9);
    d.updated_at = row.get_text(10);
    return d;
}
}  // namespace

webhook webhook_repository::create(write_context& w, const std::string& url, const std::vector<std::string>& events,
                                   const std::string& secret, const std::string& at, const std::string& actor) {
    w.db()
        .cached("INSERT INTO webhooks (url, events, secret, created_at, created_by, cursor) "
                "VALUES (?1, ?2, ?3, ?4, ?5, (SELECT COALESCE(MAX(seq), 0) FROM events))")
        .bind(1, url)
        .bind(2, nlohmann::json(events).dump())
        .bind(3, secret)
        .bind(4, at)
        .bind(5, actor)
        .run();
    auto id = w.db().last_insert_rowid();
    auto& query = w.db().cached(std::string(webhook_columns) + "WHERE id = ?1");
    query.bind(1, id);
    query.step();
    auto created = read_webhook(query);
    query.reset();
    return created;
}

bool webhook_repository::remove(write_context& w, std::int64_t id, const std::string& at) {
    w.db().cached("UPDATE webhooks SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL").bind(1, id).bind(2, at).run();
    return w.db().changes() > 0;
}

void webhook_repository::start_delivery(write_context& w, std::int64_t webhook_id, std::int64_t seq,
                                        const std::string& type, const std::string& at) {
    w.db()
        .cached("INSERT OR IGNORE INTO webhook_deliveries (webhook_id, event_seq, event_type, state, created_at, updated_at) "
                "VALUES (?1, ?2, ?3, 'pending', ?4, ?4)")
        .bind(1, webhook_id)
        .bind(2, seq)
        .bind(3, type)
        .bind(4, at)
        .run();
}

void webhook_repository::record_attempt(write_context& w, const webhook_delivery& d, const std::string& at) {
    w.db()
        .cached("UPDATE webhook_deliveries SET state = ?2, attempts = ?3, next_attempt_ms = ?4, last_status = ?5, "
                "last_error = ?6, updated_at = ?7 WHERE id = ?1")
        .bind(1, d.id)
        .bind(2, d.state)
        .bind(3, d.attempts)
        .bind(4, d.next_attempt_ms)
        .bind(5, d.last_status)
        .bind(6, d.last_error)
        .bind(7, at)
        .run();
}

void webhook_repository::advance(write_context& w, std::int64_t webhook_id, std::int64_t seq) {
    w.db().cached("UPDATE webhooks SET cursor = MAX(cursor, ?2) WHERE id = ?1").bind(1, webhook_id).bind(2, seq).run();
}

std::vector<webhook> webhook_repository::list_active() {
    auto reader = db_.read();
    auto& query = reader->cached(std::string(webhook_columns) + "WHERE deleted_at IS NULL ORDER BY id");
    std::vector<webhook> out;
    while (query.step()) out.push_back(read_webhook(query));
    query.reset();
    return out;
}

std::optional<webhook> webhook_repository::find(std::int64_t id) {
    auto reader = db_.read();
    auto& query = reader->cached(std::string(webhook_columns) + "WHERE id = ?1");
    query.bind(1, id);
    std::optional<webhook> found;
    if (query.step()) found = read_webhook(query);
    query.reset();
    return found;
}

std::vector<webhook_delivery> webhook_repository::deliveries(std::int64_t webhook_id, std::size_t limit) {
    auto reader = db_.read();
    auto& query = reader->cached(std::string(delivery_columns) + "WHERE webhook_id = ?1 ORDER BY event_seq DESC LIMIT ?2");
    query.bind(1, webhook_id).bind(2, static_cast<std::int64_t>(limit));
    std::vector<webhook_delivery> out;
    while (query.step()) out.push_back(read_delivery(query));
    query.reset();
    return out;
}

std::optional<webhook_delivery> webhook_repository::pending(std::int64_t webhook_id) {
    auto reader = db_.read();
    auto& query = reader->cached(std::string(delivery_columns) +
                                 "WHERE webhook_id = ?1 AND state = 'pending' ORDER BY event_seq LIMIT 1");
    query.bind(1, webhook_id);
    std::optional<webhook_delivery> found;
    if (query.step()) found = read_delivery(query);
    query.reset();
    return found;
}

}  // namespace outagedesk::store
