#include "outagedesk/store/contact_repository.hpp"

#include "outagedesk/domain/time_zone.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace outagedesk::store {

namespace {
using nlohmann::json;
using domain::format_rfc3339_utc;

domain::sys_seconds time_of(const std::string& text) { return domain::parse_rfc3339(text).value_or(domain::sys_seconds{}); }

std::optional<std::string> non_empty(const std::string& s) {
    if (s.empty()) return std::nullopt;
    return s;
}

std::optional<std::string> encode_ivr(const std::optional<domain::ivr_handoff>& ivr) {
    if (!ivr) return std::nullopt;
    json out = {{"reason", ivr->reason ? json(domain::contact_reason_name(*ivr->reason)) : json(nullptr)},
                {"postcode", ivr->postcode},
                {"verified", ivr->verified},
                {"announcement_version", ivr->announcement_version ? json(*ivr->announcement_version) : json(nullptr)}};
    return out.dump();
}

std::optional<domain::ivr_handoff> decode_ivr(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    const auto doc = json::parse(*text);
    domain::ivr_handoff out;
    if (doc.contains("reason") && doc["reason"].is_string())
        out.reason = domain::parse_contact_reason(doc["reason"].get<std::string>());
    out.postcode = doc.value("postcode", "");
    out.verified = doc.value("verified", false);
    if (doc.contains("announcement_version") && doc["announcement_version"].is_number_integer())
        out.announcement_version = doc["announcement_version"].get<std::int64_t>();
    return out;
}

std::int64_t incident_number(const std::string& id) {
    try {
        return id.size() > 4 ? std::stoll(id.substr(4)) : 0;
    } catch (const std::exception&) {
        return 0;
    }
}

constexpr const char* select_columns =
    "SELECT c.id, c.channel, c.customer_id, c.phone, c.postcode, c.reason, c.note, c.agent, c.outcome, c.ivr, "
    "c.script, c.created_at, "
    "(SELECT group_concat(incident_id, ',') FROM contact_incidents WHERE contact_id = c.id) FROM contacts c ";

domain::contact read_row(const statement& row) {
    domain::contact c;
    c.number = row.get_int64(0);
    c.channel = domain::parse_contact_channel(row.get_text(1)).value_or(domain::contact_channel::voice);
    c.customer_id = row.get_optional_text(2).value_or("");
    c.phone = row.get_optional_text(3).value_or("");
    c.postcode = row.get_optional_text(4).value_or("");
    c.reason = domain::parse_contact_reason(row.get_text(5)).value_or(domain::contact_reason::other);
    c.note = row.get_text(6);
    c.agent = row.get_text(7);
    c.outcome = domain::parse_contact_outcome(row.get_text(8)).value_or(domain::contact_outcome::handled);
    c.ivr = decode_ivr(row.get_optional_text(9));
    c.script = row.get_text(10);
    c.created_at = time_of(row.get_text(11));
    const auto links = row.get_optional_text(12).value_or("");
    for (std::size_t start = 0; start < links.size();) {
        auto comma = links.find(',', start);
        if (comma == std::string::npos) comma = links.size();
        c.incident_ids.push_back(links.substr(start, comma - start));
        start = comma + 1;
    }
    std::sort(c.incident_ids.begin(), c.incident_ids.end(),
              [](const std::string& a, const std::string& b) { return incident_number(a) < incident_number(b); });
    return c;
}

std::vector<domain::contact> read_all(statement& query) {
    std::vector<domain::contact> out;
    try {
        while (query.step()) out.push_back(read_row(query));
    } catch (...) {
        query.reset();
        throw;
    }
    query.reset();
    return out;
}

std::optional<domain::ownership> read_owner(connection& db, const std::string& customer_id) {
    auto& query = db.cached("SELECT agent, since, until FROM owners WHERE customer_id = ?1");
    query.bind(1, customer_id);
    std::optional<domain::ownership> found;
    if (query.step())
        found = domain::ownership{customer_id, query.get_text(0), time_of(query.get_text(1)), time_of(query.get_text(2))};
    query.reset();
    return found;
}
}  // namespace

std::int64_t contact_repository::insert(write_context& w, const domain::contact& c, const std::string& created_by,
                                        bool feeds_surge) {
    w.db()
        .cached("INSERT INTO contacts (channel, customer_id, phone, postcode, reason, note, agent, outcome, ivr, script, "
                "surge, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")
        .bind(1, std::string(domain::contact_channel_name(c.channel)))
        .bind(2, non_empty(c.customer_id))
        .bind(3, non_empty(c.phone))
        .bind(4, non_empty(domain::stated_postcode(c)))
        .bind(5, std::string(domain::contact_reason_name(c.reason)))
        .bind(6, c.note)
        .bind(7, c.agent)
        .bind(8, std::string(domain::contact_outcome_name(c.outcome)))
        .bind(9, encode_ivr(c.ivr))
        .bind(10, c.script)
        .bind(11, feeds_surge ? 1 : 0)
        .bind(12, created_by)
        .bind(13, format_rfc3339_utc(c.created_at))
        .run();
    return w.db().last_insert_rowid();
}

bool contact_repository::link(write_context& w, std::int64_t contact, const std::string& incident_id) {
    w.db()
        .cached("INSERT OR IGNORE INTO contact_incidents (incident_id, contact_id) VALUES (?1, ?2)")
        .bind(1, incident_id)
        .bind(2, contact)
        .run();
    return w.db().changes() > 0;
}

std::optional<domain::contact> contact_repository::find(write_context& w, std::int64_t number) {
    auto& query = w.db().cached(std::string(select_columns) + "WHERE c.id = ?1");
    query.bind(1, number);
    auto found = read_all(query);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

std::vector<contact_repository::alert_member> contact_repository::of_alert(write_context& w, std::int64_t alert) {
    // The contact columns, then the customer's services as column 13.
    std::string sql = select_columns;
    sql.insert(sql.find(" FROM contacts c "), ", COALESCE((SELECT services FROM customers WHERE id = c.customer_id), 0)");
    auto& query = w.db().cached(sql + "JOIN alert_contacts a ON a.contact_id = c.id WHERE a.alert_id = ?1 ORDER BY c.id");
    query.bind(1, alert);
    std::vector<alert_member> out;
    try {
        while (query.step())
            out.push_back({read_row(query), domain::service_set::from_bits(static_cast<std::uint8_t>(query.get_int64(13)))});
    } catch (...) {
        query.reset();
        throw;
    }
    query.reset();
    return out;
}

std::optional<domain::ownership> contact_repository::owner(write_context& w, const std::string& customer_id) {
    return read_owner(w.db(), customer_id);
}

void contact_repository::save_owner(write_context& w, const domain::ownership& o) {
    w.db()
        .cached("INSERT INTO owners (customer_id, agent, since, until) VALUES (?1, ?2, ?3, ?4) "
                "ON CONFLICT (customer_id) DO UPDATE SET agent = excluded.agent, since = excluded.since, "
                "until = excluded.until")
        .bind(1, o.customer_id)
        .bind(2, o.agent)
        .bind(3, format_rfc3339_utc(o.since))
        .bind(4, format_rfc3339_utc(o.until))
        .run();
}

std::int64_t contact_repository::record_resolution_list(write_context& w, const std::string& incident_id,
                                                        const std::string& at) {
    w.db()
        .cached("INSERT OR IGNORE INTO resolution_notices (incident_id, recipient, customer_id, phone, recorded_at) "
                "SELECT ci.incident_id, COALESCE(c.customer_id, c.phone), c.customer_id, c.phone, ?2 "
                "FROM contact_incidents ci JOIN contacts c ON c.id = ci.contact_id "
                "WHERE ci.incident_id = ?1 AND COALESCE(c.customer_id, c.phone) IS NOT NULL "
                "ORDER BY c.id")
        .bind(1, incident_id)
        .bind(2, at)
        .run();
    return w.db().changes();
}

std::int64_t contact_repository::record_resolution_lists_since(write_context& w, const std::string& since,
                                                               const std::string& at) {
    w.db()
        .cached("INSERT OR IGNORE INTO resolution_notices (incident_id, recipient, customer_id, phone, recorded_at) "
                "SELECT ci.incident_id, COALESCE(c.customer_id, c.phone), c.customer_id, c.phone, ?2 "
                "FROM incidents i JOIN contact_incidents ci ON ci.incident_id = i.id "
                "JOIN contacts c ON c.id = ci.contact_id "
                "WHERE i.status = 'resolved' AND i.updated_at >= ?1 AND COALESCE(c.customer_id, c.phone) IS NOT NULL "
                "ORDER BY c.id")
        .bind(1, since)
        .bind(2, at)
        .run();
    return w.db().changes();
}

std::vector<domain::contact> contact_repository::for_incident(const std::string& incident_id, std::size_t limit) {
    auto reader = db_.read();
    auto& query = reader->cached(std::string(select_columns) +
                                 "JOIN contact_incidents l ON l.contact_id = c.id WHERE l.incident_id = ?1 "
                                 "ORDER BY c.id DESC LIMIT ?2");
    query.bind(1, incident_id).bind(2, static_cast<std::int64_t>(limit));
    return read_all(query);
}

// A caller is known by customer id, by phone, or both. One query with
// "customer_id = ? OR phone = ?" made SQLite merge two indexes and sort the
// result in a temporary b-tree on every agent lookup; two queries that each
// walk their index newest first, merged here, do neither.
std::vector<domain::contact> contact_repository::newest_of_caller(const std::string& customer_id,
                                                                  const std::string& phone,
                                                                  const caller_queries& sql,
                                                                  const std::optional<std::string>& since,
                                                                  std::size_t limit) {
    auto reader = db_.read();
    std::vector<domain::contact> out;
    auto add = [&](const std::string& text, const std::string& value) {
        if (value.empty()) return;
        auto& query = reader->cached(text);
        query.bind(1, value).bind(2, static_cast<std::int64_t>(limit));
        if (since) query.bind(3, *since);
        for (auto& c : read_all(query)) out.push_back(std::move(c));
    };
    add(sql.by_customer, customer_id);
    add(sql.by_phone, phone);
    std::sort(out.begin(), out.end(), [](const domain::contact& a, const domain::contact& b) { return a.number > b.number; });
    out.erase(std::unique(out.begin(), out.end(),
                          [](const domain::contact& a, const domain::contact& b) { return a.number == b.number; }),
              out.end());
    if (out.size() > limit) out.resize(limit);
    return out;
}

contact_repository::caller_queries contact_repository::caller_queries::with(const std::string& condition) {
    auto text = [&](const char* column) {
        return std::string(select_columns) + "WHERE c." + column + " = ?1" + condition + " ORDER BY c.id DESC LIMIT ?2";
    };
    return {text("customer_id"), text("phone")};
}

std::vector<domain::contact> contact_repository::for_caller(const std::string& customer_id, const std::string& phone,
                                                            std::size_t limit) {
    // Built once: the statement cache is keyed by the SQL text.
    static const auto sql = caller_queries::with("");
    return newest_of_caller(customer_id, phone, sql, std::nullopt, limit);
}

std::optional<domain::contact> contact_repository::last_ivr(const std::string& customer_id, const std::string& phone,
                                                            domain::sys_seconds since) {
    static const auto sql = caller_queries::with(" AND c.channel = 'ivr' AND c.created_at >= ?3");
    auto found = newest_of_caller(customer_id, phone, sql, format_rfc3339_utc(since), 1);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

std::optional<domain::ownership> contact_repository::owner(const std::string& customer_id) {
    auto reader = db_.read();
    return read_owner(*reader, customer_id);
}

std::vector<contact_repository::surge_seed> contact_repository::surge_history(domain::sys_seconds since) {
    auto reader = db_.read();
    auto& query = reader->cached(
        "SELECT id, postcode, created_at FROM contacts WHERE surge = 1 AND created_at >= ?1 ORDER BY created_at, id");
    query.bind(1, format_rfc3339_utc(since));
    std::vector<surge_seed> out;
    while (query.step()) out.push_back({query.get_int64(0), query.get_text(1), time_of(query.get_text(2))});
    query.reset();
    return out;
}

std::vector<std::string> contact_repository::resolution_list(const std::string& incident_id) {
    auto reader = db_.read();
    auto& query = reader->cached("SELECT recipient FROM resolution_notices WHERE incident_id = ?1 ORDER BY recipient");
    query.bind(1, incident_id);
    std::vector<std::string> out;
    while (query.step()) out.push_back(query.get_text(0));
    query.reset();
    return out;
}

}  // namespace outagedesk::store
