#include "outagedesk/store/alert_repository.hpp"

#include "outagedesk/domain/time_zone.hpp"

namespace outagedesk::store {

namespace {
using domain::format_rfc3339_utc;

domain::sys_seconds time_of(const std::string& text) { return domain::parse_rfc3339(text).value_or(domain::sys_seconds{}); }

constexpr const char* select_columns =
    "SELECT id, prefix, count, window_seconds, baseline, first_at, last_at, status, incident_id, raised_at, "
    "closed_at, closed_by FROM alerts ";

domain::surge_alert read_row(const statement& row) {
    domain::surge_alert a;
    a.number = row.get_int64(0);
    a.prefix = row.get_text(1);
    a.count = row.get_int64(2);
    a.window_seconds = row.get_int64(3);
    a.baseline = row.get_double(4);
    a.first_at = time_of(row.get_text(5));
    a.last_at = time_of(row.get_text(6));
    a.status = domain::parse_alert_status(row.get_text(7)).value_or(domain::alert_status::open);
    a.incident_id = row.get_optional_text(8);
    a.raised_at = time_of(row.get_text(9));
    if (auto at = row.get_optional_text(10)) a.closed_at = time_of(*at);
    a.closed_by = row.get_optional_text(11).value_or("");
    return a;
}

std::vector<domain::surge_alert> read_all(statement& query) {
    std::vector<domain::surge_alert> out;
    while (query.step()) out.push_back(read_row(query));
    query.reset();
    return out;
}

std::optional<domain::surge_alert> first_of(std::vector<domain::surge_alert> found) {
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}
}  // namespace

std::int64_t alert_repository::insert(write_context& w, const domain::surge_alert& a) {
    w.db()
        .cached("INSERT INTO alerts (prefix, count, window_seconds, baseline, first_at, last_at, status, incident_id, "
                "raised_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
        .bind(1, a.prefix)
        .bind(2, a.count)
        .bind(3, a.window_seconds)
        .bind(4, a.baseline)
        .bind(5, format_rfc3339_utc(a.first_at))
        .bind(6, format_rfc3339_utc(a.last_at))
        .bind(7, std::string(domain::alert_status_name(a.status)))
        .bind(8, a.incident_id)
        .bind(9, format_rfc3339_utc(a.raised_at))
        .run();
    return w.db().last_insert_rowid();
}

std::optional<domain::surge_alert> alert_repository::find(write_context& w, std::int64_t number) {
    auto& query = w.db().cached(std::string(select_columns) + "WHERE id = ?1");
    query.bind(1, number);
    return first_of(read_all(query));
}

std::optional<domain::surge_alert> alert_repository::find_open(write_context& w, const std::string& prefix) {
    auto& query = w.db().cached(std::string(select_columns) + "WHERE prefix = ?1 AND status = 'open'");
    query.bind(1, prefix);
    return first_of(read_all(query));
}

std::vector<domain::surge_alert> alert_repository::open_alerts(write_context& w) {
    auto& query = w.db().cached(std::string(select_columns) + "WHERE status = 'open' ORDER BY id");
    return read_all(query);
}

void alert_repository::link_contact(write_context& w, std::int64_t alert, std::int64_t contact, domain::sys_seconds at) {
    w.db()
        .cached("INSERT OR IGNORE INTO alert_contacts (alert_id, contact_id) SELECT ?1, id FROM contacts WHERE id = ?2")
        .bind(1, alert)
        .bind(2, contact)
        .run();
    if (w.db().changes() == 0) return;
    w.db()
        .cached("UPDATE alerts SET count = count + 1, last_at = MAX(last_at, ?2) WHERE id = ?1")
        .bind(1, alert)
        .bind(2, format_rfc3339_utc(at))
        .run();
}

void alert_repository::save_status(write_context& w, const domain::surge_alert& a) {
    std::optional<std::string> closed_at;
    if (a.closed_at) closed_at = format_rfc3339_utc(*a.closed_at);
    w.db()
        .cached("UPDATE alerts SET status = ?2, incident_id = ?3, closed_at = ?4, closed_by = ?5 WHERE id = ?1")
        .bind(1, a.number)
        .bind(2, std::string(domain::alert_status_name(a.status)))
        .bind(3, a.incident_id)
        .bind(4, closed_at)
        .bind(5, a.closed_by)
        .run();
}

std::optional<domain::surge_alert> alert_repository::find(std::int64_t number) {
    auto reader = db_.read();
    auto& query = reader->cached(std::string(select_columns) + "WHERE id = ?1");
    query.bind(1, number);
    return first_of(read_all(query));
}

std::vector<domain::surge_alert> alert_repository::list(std::optional<domain::alert_status> status, std::size_t limit) {
    auto reader = db_.read();
    auto& query = reader->cached(std::string(select_columns) + "WHERE (?1 IS NULL OR status = ?1) ORDER BY id DESC LIMIT ?2");
    std::optional<std::string> status_param;
    if (status) status_param = std::string(domain::alert_status_name(*status));
    query.bind(1, status_param).bind(2, static_cast<std::int64_t>(limit));
    return read_all(query);
}

}  // namespace outagedesk::store
