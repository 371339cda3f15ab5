#include "outagedesk/store/callback_repository.hpp"

#include "outagedesk/domain/time_zone.hpp"

namespace outagedesk::store {

namespace {
using domain::format_rfc3339_utc;

domain::sys_seconds time_of(const std::string& text) { return domain::parse_rfc3339(text).value_or(domain::sys_seconds{}); }

constexpr const char* select_columns =
    "SELECT id, customer_id, due_at, agent, note, state, created_at, created_by, completed_at, completed_by, "
    "due_notified FROM callbacks ";

domain::callback read_row(const statement& row) {
    domain::callback c;
    c.number = row.get_int64(0);
    c.customer_id = row.get_text(1);
    c.due_at = time_of(row.get_text(2));
    c.agent = row.get_text(3);
    c.note = row.get_text(4);
    c.state = row.get_text(5) == "done" ? domain::callback_state::done : domain::callback_state::open;
    c.created_at = time_of(row.get_text(6));
    c.created_by = row.get_text(7);
    if (auto at = row.get_optional_text(8)) c.completed_at = time_of(*at);
    c.completed_by = row.get_optional_text(9).value_or("");
    c.due_notified = row.get_int64(10) != 0;
    return c;
}

std::vector<domain::callback> read_all(statement& query) {
    std::vector<domain::callback> out;
    while (query.step()) out.push_back(read_row(query));
    query.reset();
    return out;
}

std::optional<domain::callback> find_in(connection& db, std::int64_t number) {
    auto& query = db.cached(std::string(select_columns) + "WHERE id = ?1");
    query.bind(1, number);
    auto found = read_all(query);
    if (found.empty()) return std::nullopt;
    return found.front();
}
}  // namespace

std::int64_t callback_repository::insert(write_context& w, const domain::callback& c) {
    w.db()
        .cached("INSERT INTO callbacks (customer_id, due_at, agent, note, state, created_by, created_at) "
                "VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6)")
        .bind(1, c.customer_id)
        .bind(2, format_rfc3339_utc(c.due_at))
        .bind(3, c.agent)
        .bind(4, c.note)
        .bind(5, c.created_by)
        .bind(6, format_rfc3339_utc(c.created_at))
        .run();
    return w.db().last_insert_rowid();
}

std::optional<domain::callback> callback_repository::find(write_context& w, std::int64_t number) {
    return find_in(w.db(), number);
}

void callback_repository::save_completion(write_context& w, const domain::callback& c) {
    std::optional<std::string> completed_at;
    if (c.completed_at) completed_at = format_rfc3339_utc(*c.completed_at);
    w.db()
        .cached("UPDATE callbacks SET state = ?2, completed_at = ?3, completed_by = ?4 WHERE id = ?1")
        .bind(1, c.number)
        .bind(2, std::string(domain::callback_state_name(c.state)))
        .bind(3, completed_at)
        .bind(4, c.completed_by)
        .run();
}

std::vector<domain::callback> callback_repository::due_unnotified(write_context& w, domain::sys_seconds now,
                                                                  std::size_t limit) {
    auto& query = w.db().cached(std::string(select_columns) +
                                "WHERE state = 'open' AND due_at < ?1 AND due_notified = 0 ORDER BY due_at, id LIMIT ?2");
    query.bind(1, format_rfc3339_utc(now)).bind(2, static_cast<std::int64_t>(limit));
    return read_all(query);
}

void callback_repository::mark_notified(write_context& w, std::int64_t number) {
    w.db().cached("UPDATE callbacks SET due_notified = 1 WHERE id = ?1").bind(1, number).run();
}

std::optional<domain::callback> callback_repository::find(std::int64_t number) {
    auto reader = db_.read();
    return find_in(*reader, number);
}

std::vector<domain::callback> callback_repository::list(domain::callback_filter filter, const std::string& agent,
                                                        const std::string& customer_id, domain::sys_seconds now,
                                                        std::size_t limit) {
    std::string where;
    switch (filter) {
        case domain::callback_filter::open: where = "WHERE state = 'open' "; break;
        case domain::callback_filter::overdue: where = "WHERE state = 'open' AND due_at < ?3 "; break;
        case domain::callback_filter::done: where = "WHERE state = 'done' "; break;
    }
    auto reader = db_.read();
    auto& query = reader->cached(std::string(select_columns) + where +
                                 "AND (?1 IS NULL OR agent = ?1) AND (?2 IS NULL OR customer_id = ?2) " +
                                 (filter == domain::callback_filter::done ? "ORDER BY due_at DESC, id DESC "
                                                                          : "ORDER BY due_at, id ") +
                                 "LIMIT ?4");
    std::optional<std::string> agent_param, customer_param;
    if (!agent.empty()) agent_param = agent;
    if (!customer_id.empty()) customer_param = customer_id;
    query.bind(1, agent_param).bind(2, customer_param).bind(3, format_rfc3339_utc(now)).bind(4, static_cast<std::int64_t>(limit));
    return read_all(query);
}

}  // namespace outagedesk::store
