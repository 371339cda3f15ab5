#include "outagedesk/store/incident_repository.hpp"

#include "outagedesk/domain/time_zone.hpp"

#include <nlohmann/json.hpp>

namespace outagedesk::store {

namespace {
using nlohmann::json;
using domain::format_rfc3339_utc;

std::string encode_services(domain::service_set services) { return json(services.names()).dump(); }

domain::service_set decode_services(const std::string& text) {
    domain::service_set out;
    for (const auto& name : json::parse(text))
        if (auto s = domain::parse_service(name.get<std::string>())) out = domain::service_set::from_bits(out.bits() | s->bits());
    return out;
}

std::string encode_messages(const domain::message_set& messages) {
    json out = json::object();
    for (const auto& [lang, texts] : messages)
        for (const auto& [c, text] : texts) out[lang][std::string(domain::channel_name(c))] = text;
    return out.dump();
}

domain::message_set decode_messages(const std::string& text) {
    domain::message_set out;
    const auto doc = json::parse(text);  // items() must not outlive the document
    for (const auto& [lang, texts] : doc.items())
        for (const auto& [name, value] : texts.items())
            if (auto c = domain::parse_channel(name)) out[lang][*c] = value.get<std::string>();
    return out;
}

domain::sys_seconds time_of(const std::string& text) { return domain::parse_rfc3339(text).value_or(domain::sys_seconds{}); }

std::optional<domain::sys_seconds> optional_time(const statement& row, int column) {
    if (row.is_null(column)) return std::nullopt;
    return domain::parse_rfc3339(row.get_text(column));
}

std::optional<std::string> optional_text(const std::optional<domain::sys_seconds>& t) {
    if (!t) return std::nullopt;
    return format_rfc3339_utc(*t);
}

constexpr const char* select_columns =
    "SELECT id, title, severity, status, services, areas, started_at, declared_at, eta, resolved_at, messages, "
    "template, version, updated_at, contacts, deflected, notified, affected_customers FROM incidents ";

domain::incident read_row(const statement& row) {
    domain::incident out;
    out.id = row.get_text(0);
    out.title = row.get_text(1);
    out.level = domain::parse_severity(row.get_text(2)).value_or(domain::severity::major);
    out.status = domain::parse_status(row.get_text(3)).value_or(domain::incident_status::investigating);
    out.services = decode_services(row.get_text(4));
    for (const auto& area : json::parse(row.get_text(5))) out.areas.push_back(domain::parse_area(area.get<std::string>()));
    out.started_at = time_of(row.get_text(6));
    out.declared_at = time_of(row.get_text(7));
    out.eta = optional_time(row, 8);
    out.resolved_at = optional_time(row, 9);
    out.messages = decode_messages(row.get_text(10));
    out.template_name = row.get_text(11);
    out.version = row.get_int64(12);
    out.updated_at = time_of(row.get_text(13));
    out.stats = {row.get_int64(14), row.get_int64(15), row.get_int64(16), row.get_int64(17)};
    return out;
}

void load_timeline(connection& db, domain::incident& target) {
    auto& query = db.cached("SELECT at, actor, status, note, version FROM incident_timeline WHERE incident_id = ?1 ORDER BY id");
    query.bind(1, target.id);
    while (query.step())
        target.timeline.push_back({time_of(query.get_text(0)), query.get_text(1),
                                   domain::parse_status(query.get_text(2)).value_or(domain::incident_status::investigating),
                                   query.get_text(3), query.get_int64(4)});
    query.reset();
}

std::optional<domain::incident> find_in(connection& db, const std::string& id) {
    auto& query = db.cached(std::string(select_columns) + "WHERE id = ?1");
    query.bind(1, id);
    std::optional<domain::incident> found;
    if (query.step()) found = read_row(query);
    query.reset();
    if (found) load_timeline(db, *found);
    return found;
}

void append_timeline(connection& db, const std::string& id, const domain::timeline_entry& entry) {
    db.cached("INSERT INTO incident_timeline (incident_id, at, actor, status, note, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(1, id)
        .bind(2, format_rfc3339_utc(entry.at))
        .bind(3, entry.actor)
        .bind(4, std::string(domain::status_name(entry.status)))
        .bind(5, entry.note)
        .bind(6, entry.version)
        .run();
}

std::string encode_areas(const domain::incident& i) { return json(i.area_texts()).dump(); }
}  // namespace

std::string incident_repository::next_id(write_context& w) {
    auto& query = w.db().cached("SELECT COALESCE(MAX(number), 0) + 1 FROM incidents");
    query.step();
    auto number = query.get_int64(0);
    query.reset();
    return "INC-" + std::to_string(number);
}

std::optional<domain::incident> incident_repository::find(write_context& w, const std::string& id) {
    return find_in(w.db(), id);
}

void incident_repository::insert(write_context& w, const domain::incident& created) {
    w.db()
        .cached("INSERT INTO incidents (id, number, title, severity, status, services, areas, started_at, declared_at, "
                "eta, resolved_at, messages, template, version, updated_at) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)")
        .bind(1, created.id)
        .bind(2, static_cast<std::int64_t>(std::stoll(created.id.substr(4))))
        .bind(3, created.title)
        .bind(4, std::string(domain::severity_name(created.level)))
        .bind(5, std::string(domain::status_name(created.status)))
        .bind(6, encode_services(created.services))
        .bind(7, encode_areas(created))
        .bind(8, format_rfc3339_utc(created.started_at))
        .bind(9, format_rfc3339_utc(created.declared_at))
        .bind(10, optional_text(created.eta))
        .bind(11, optional_text(created.resolved_at))
        .bind(12, encode_messages(created.messages))
        .bind(13, created.template_name)
        .bind(14, created.version)
        .bind(15, format_rfc3339_utc(created.updated_at))
        .run();
    for (const auto& entry : created.timeline) append_timeline(w.db(), created.id, entry);
}

void incident_repository::update(write_context& w, const domain::incident& changed) {
    w.db()
        .cached("UPDATE incidents SET title = ?2, severity = ?3, status = ?4, services = ?5, areas = ?6, eta = ?7, "
                "resolved_at = ?8, messages = ?9, version = ?10, updated_at = ?11 WHERE id = ?1")
        .bind(1, changed.id)
        .bind(2, changed.title)
        .bind(3, std::string(domain::severity_name(changed.level)))
        .bind(4, std::string(domain::status_name(changed.status)))
        .bind(5, encode_services(changed.services))
        .bind(6, encode_areas(changed))
        .bind(7, optional_text(changed.eta))
        .bind(8, optional_text(changed.resolved_at))
        .bind(9, encode_messages(changed.messages))
        .bind(10, changed.version)
        .bind(11, format_rfc3339_utc(changed.updated_at))
        .run();
    if (!changed.timeline.empty()) append_timeline(w.db(), changed.id, changed.timeline.back());
}

void incident_repository::add_stats(write_context& w, const std::string& id, std::int64_t contacts,
                                    std::int64_t deflected) {
    w.db()
        .cached("UPDATE incidents SET contacts = contacts + ?2, deflected = deflected + ?3 WHERE id = ?1")
        .bind(1, id)
        .bind(2, contacts)
        .bind(3, deflected)
        .run();
}

void incident_repository::mark_alerts_linked(write_context& w, const std::string& id, std::int64_t version) {
    w.db()
        .cached("UPDATE incidents SET alerts_linked_version = ?2 WHERE id = ?1 AND alerts_linked_version < ?2")
        .bind(1, id)
        .bind(2, version)
        .run();
}

std::vector<std::string> incident_repository::active_unlinked(write_context& w) {
    auto& query = w.db().cached(
        "SELECT id FROM incidents WHERE status <> 'resolved' AND alerts_linked_version < version ORDER BY number");
    std::vector<std::string> out;
    try {
        while (query.step()) out.push_back(query.get_text(0));
    } catch (...) {
        query.reset();
        throw;
    }
    query.reset();
    return out;
}

std::optional<domain::incident> incident_repository::find(const std::string& id) {
    auto reader = db_.read();
    return find_in(*reader, id);
}

std::vector<domain::incident> incident_repository::list(incident_state_filter state, std::size_t limit) {
    std::string where = state == incident_state_filter::active     ? "WHERE status <> 'resolved' "
                        : state == incident_state_filter::resolved ? "WHERE status = 'resolved' "
                                                                   : "";
    auto reader = db_.read();
    auto& query = reader->cached(std::string(select_columns) + where + "ORDER BY number DESC LIMIT ?1");
    query.bind(1, static_cast<std::int64_t>(limit));
    std::vector<domain::incident> out;
    while (query.step()) out.push_back(read_row(query));
    query.reset();
    return out;
}

std::vector<domain::incident> incident_repository::load_active() {
    auto reader = db_.read();
    auto& query = reader->cached(std::string(select_columns) + "WHERE status <> 'resolved' ORDER BY number");
    std::vector<domain::incident> out;
    while (query.step()) out.push_back(read_row(query));
    query.reset();
    return out;
}

std::int64_t event_log::append(write_context& w, const std::string& type, const std::string& payload,
                               const std::string& at) {
    w.db().cached("INSERT INTO events (type, payload, at) VALUES (?1, ?2, ?3)").bind(1, type).bind(2, payload).bind(3, at).run();
    return w.db().last_insert_rowid();
}

void audit_log::append(write_context& w, const std::string& at, const std::string& actor, const std::string& action,
                       const std::string& subject, const std::string& detail) {
    w.db()
        .cached("INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(1, at)
        .bind(2, actor)
        .bind(3, action)
        .bind(4, subject)
        .bind(5, detail)
        .run();
}

std::optional<idempotency_keys::record> idempotency_keys::find(write_context& w, const std::string& actor,
                                                                const std::string& key, const std::string& route) {
    auto& query = w.db().cached(
        "SELECT request_hash, resource_id, response FROM idempotency_keys WHERE actor = ?1 AND key = ?2 AND route = ?3");
    query.bind(1, actor).bind(2, key).bind(3, route);
    std::optional<record> found;
    if (query.step()) found = record{query.get_text(0), query.get_text(1), query.get_text(2)};
    query.reset();
    return found;
}

void idempotency_keys::save(write_context& w, const std::string& actor, const std::string& key,
                            const std::string& route, const std::string& request_hash,
                            const std::string& resource_id, const std::string& at, const std::string& response) {
    w.db()
        .cached("INSERT INTO idempotency_keys (actor, key, route, request_hash, resource_id, created_at, response) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind(1, actor)
        .bind(2, key)
        .bind(3, route)
        .bind(4, request_hash)
        .bind(5, resource_id)
        .bind(6, at)
        .bind(7, response)
        .run();
}

}  // namespace outagedesk::store
