#include "outagedesk/store/customer_repository.hpp"

#include "outagedesk/domain/postcode_index.hpp"

#include <algorithm>

namespace outagedesk::store {

namespace {
constexpr const char* select_columns =
    "SELECT id, phone, email, postcode, language, services, preferred_channel, monthly_fee_cents, avg_bill_3m_cents, "
    "tariff, consent FROM customers ";

domain::customer read_row(const statement& row) {
    domain::customer c;
    c.id = row.get_text(0);
    c.phone = row.get_optional_text(1).value_or("");
    c.email = row.get_optional_text(2).value_or("");
    c.postcode = row.get_text(3);
    c.language = row.get_text(4);
    c.services = domain::service_set::from_bits(static_cast<std::uint8_t>(row.get_int64(5)));
    auto channel = row.get_text(6);
    c.preferred_channel = channel == "sms"     ? domain::contact_preference::sms
                          : channel == "email" ? domain::contact_preference::email
                                               : domain::contact_preference::none;
    c.monthly_fee_cents = row.get_int64(7);
    c.avg_bill_3m_cents = row.get_int64(8);
    c.tariff = row.get_text(9);
    c.consent = row.get_int64(10) != 0;
    return c;
}

std::optional<domain::customer> find_one(connection& db, const std::string& where, const std::string& value) {
    auto& query = db.cached(std::string(select_columns) + where);
    query.bind(1, value);
    std::optional<domain::customer> found;
    if (query.step()) found = read_row(query);
    query.reset();
    return found;
}

std::optional<std::string> non_empty(const std::string& s) {
    if (s.empty()) return std::nullopt;
    return s;
}

// The smallest string greater than every string that starts with `prefix`
// (postcode characters are 0-9 and A-Z, so the last one never overflows).
std::string prefix_end(std::string prefix) {
    prefix.back() = static_cast<char>(prefix.back() + 1);
    return prefix;
}

// "(postcode = ?2 OR (postcode >= ?3 AND postcode < ?4) OR ...)" with its
// bound values, or "1" when an area is the whole country.
std::string area_predicate(const std::vector<domain::area_expression>& areas, std::vector<std::string>& values,
                           int first_index) {
    std::string sql;
    auto param = [&](std::string value) {
        values.push_back(std::move(value));
        return "?" + std::to_string(first_index + static_cast<int>(values.size()) - 1);
    };
    for (const auto& area : areas) {
        std::string term;
        switch (area.kind_) {
            case domain::area_expression::kind::all: values.clear(); return "1";
            case domain::area_expression::kind::exact: term = "postcode = " + param(area.lo_); break;
            case domain::area_expression::kind::prefix:
                term = "(postcode >= " + param(area.lo_) + " AND postcode < " + param(prefix_end(area.lo_)) + ")";
                break;
            case domain::area_expression::kind::range:
                term = "(postcode >= " + param(area.lo_) + " AND postcode <= " + param(area.hi_) +
                       " AND length(postcode) = " + std::to_string(area.lo_.size()) + ")";
                break;
        }
        sql += (sql.empty() ? "" : " OR ") + term;
    }
    return sql.empty() ? "0" : "(" + sql + ")";
}
constexpr const char* service_match = " AND (services = 0 OR ?1 = 0 OR (services & ?1) <> 0)";

void bind_areas(statement& query, domain::service_set services, const std::vector<std::string>& values) {
    query.bind(1, static_cast<std::int64_t>(services.bits()));
    for (std::size_t i = 0; i < values.size(); ++i) query.bind(static_cast<int>(i) + 2, values[i]);
}

// How many customers the areas reach, against the size of the registry,
// decides the way into the table. An estimate is enough: each area counted
// alone through the postcode index (areas may overlap, so this is an upper
// bound), stopping as soon as the share is known to be large. One count of
// all the areas OR'ed together would make SQLite merge the index ranges and
// drop duplicates row by row: seconds over a national outage.
struct reach_estimate {
    std::int64_t registry = 0;  // highest rowid: the registry's size, near enough
    std::int64_t large = 1;     // from here on, a share is large (an eighth)
    std::int64_t matches = 0;   // at most `large` when large
    bool is_large() const noexcept { return matches >= large; }
};

reach_estimate estimate_share(connection& reader, const std::vector<domain::area_expression>& areas) {
    reach_estimate out;
    {
        statement top(reader.handle(), "SELECT COALESCE(max(rowid), 0) FROM customers");
        if (top.step()) out.registry = top.get_int64(0);
    }
    out.large = out.registry / 8 + 1;
    for (const auto& area : areas) {
        if (out.matches >= out.large) break;
        std::vector<std::string> values;
        const auto one = area_predicate({area}, values, 3);
        statement count(reader.handle(), "SELECT count(*) FROM (SELECT 1 FROM customers WHERE " + one + " LIMIT ?2)");
        count.bind(2, out.large - out.matches);
        for (std::size_t i = 0; i < values.size(); ++i) count.bind(static_cast<int>(i) + 3, values[i]);
        if (count.step()) out.matches += count.get_int64(0);
    }
    out.matches = std::min(out.matches, out.registry);
    return out;
}
}  // namespace

bool customer_repository::upsert(write_context& w, const domain::customer& c, const std::string& now) {
    auto& exists = w.db().cached("SELECT 1 FROM customers WHERE id = ?1");
    exists.bind(1, c.id);
    bool known = exists.step();
    exists.reset();
    w.db()
        .cached("INSERT INTO customers (id, phone, email, postcode, language, services, preferred_channel, "
                "monthly_fee_cents, avg_bill_3m_cents, tariff, consent, updated_at) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
                "ON CONFLICT (id) DO UPDATE SET phone = excluded.phone, email = excluded.email, "
                "postcode = excluded.postcode, language = excluded.language, services = excluded.services, "
                "preferred_channel = excluded.preferred_channel, monthly_fee_cents = excluded.monthly_fee_cents, "
                "avg_bill_3m_cents = excluded.avg_bill_3m_cents, tariff = excluded.tariff, consent = excluded.consent, "
                "updated_at = excluded.updated_at")
        .bind(1, c.id)
        .bind(2, non_empty(c.phone))
        .bind(3, non_empty(c.email))
        .bind(4, c.postcode)
        .bind(5, c.language)
        .bind(6, static_cast<std::int64_t>(c.services.bits()))
        .bind(7, std::string(domain::contact_preference_name(c.preferred_channel)))
        .bind(8, c.monthly_fee_cents)
        .bind(9, c.avg_bill_3m_cents)
        .bind(10, c.tariff)
        .bind(11, c.consent ? 1 : 0)
        .bind(12, now)
        .run();
    return !known;
}

std::optional<domain::customer> customer_repository::find(const std::string& id) {
    return find_one(*db_.read(), "WHERE id = ?1", id);
}

std::optional<domain::customer> customer_repository::find(write_context& w, const std::string& id) {
    return find_one(w.db(), "WHERE id = ?1", id);
}

std::int64_t customer_repository::count_affected(const std::vector<domain::area_expression>& areas,
                                                 domain::service_set services) {
    return affected_in_chunks(areas, services, std::size_t{1} << 16, [](const affected_customers&) { return true; });
}

std::int64_t customer_repository::affected_in_chunks(const std::vector<domain::area_expression>& areas,
                                                     domain::service_set services, std::size_t chunk_rows,
                                                     const std::function<bool(const affected_customers&)>& on_chunk) {
    chunk_rows = std::max<std::size_t>(chunk_rows, 1);
    affected_customers chunk;
    std::int64_t handed_over = 0;
    auto hand_over = [&] {
        handed_over += static_cast<std::int64_t>(chunk.customers.size());
        const bool go_on = on_chunk(chunk);
        chunk.customers.clear();
        return go_on;
    };
    auto language_index = [&chunk](std::string_view language) {
        // A registry speaks a handful of languages: a linear look is fastest.
        for (std::size_t i = 0; i < chunk.languages.size(); ++i)
            if (chunk.languages[i] == language) return static_cast<std::uint32_t>(i);
        chunk.languages.emplace_back(language);
        return static_cast<std::uint32_t>(chunk.languages.size() - 1);
    };

    // Both ways give id order: the outbox and compensation keys built from the
    // ids ("INC-1:<id>:declared") then land at the end of their indexes
    // instead of scattering every chunk over all their pages.
    struct keyed {
        std::string id;
        affected_customers::entry entry;
    };
    std::vector<keyed> found;
    bool large = false;
    {
        auto reader = db_.read();
        const auto share = estimate_share(*reader, areas);
        large = share.is_large();
        if (!large) {
            // A small share: one read through the postcode index, sorted here.
            std::vector<std::string> values;
            const auto where = area_predicate(areas, values, 2) + service_match;
            found.reserve(static_cast<std::size_t>(share.matches));
            statement query(reader->handle(), "SELECT rowid, language, id FROM customers WHERE " + where);
            bind_areas(query, services, values);
            while (query.step())
                found.push_back({query.get_text(2), {query.get_int64(0), language_index(query.get_text_view(1))}});
        }
    }
    if (!large) {
        std::sort(found.begin(), found.end(), [](const keyed& a, const keyed& b) { return a.id < b.id; });
        for (std::size_t from = 0; from < found.size(); from += chunk_rows) {
            for (std::size_t i = from; i < std::min(found.size(), from + chunk_rows); ++i)
                chunk.customers.push_back(found[i].entry);
            if (!hand_over()) break;
        }
        return handed_over;
    }

    // A large share: walk the id index, sequential reads instead of one random
    // table read per match plus a sort, and test each row here: a postcode
    // against the areas in a trie costs its length, where SQL would compare it
    // with every area expression in turn.
    domain::postcode_index reach;
    for (const auto& area : areas) reach.add(0, area);
    reach.build();
    std::string after;  // the last id handed over; every id sorts after ""
    for (;;) {
        bool more = false;
        {
            auto reader = db_.read();
            auto& query =
                reader->cached("SELECT rowid, id, language, postcode, services FROM customers WHERE id > ?1 ORDER BY id");
            query.bind(1, after);
            while (query.step()) {
                const auto their_services = domain::service_set::from_bits(static_cast<std::uint8_t>(query.get_int64(4)));
                if (!domain::customer_affected(their_services, services) || reach.match(query.get_text_view(3)).empty())
                    continue;
                chunk.customers.push_back({query.get_int64(0), language_index(query.get_text_view(2))});
                if (chunk.customers.size() == chunk_rows) {
                    after = query.get_text(1);
                    more = true;
                    break;
                }
            }
            query.reset();
        }
        if (!chunk.customers.empty() && !hand_over()) return handed_over;
        if (!more) return handed_over;
    }
}

std::int64_t customer_repository::for_each_affected(const std::vector<domain::area_expression>& areas,
                                                    domain::service_set services,
                                                    const std::function<void(const domain::customer&)>& visit) {
    // Each chunk's full rows in one short read, visited holding no read. A
    // customer changed since the walk found it is checked again.
    std::vector<domain::customer> batch;
    std::int64_t visited = 0;
    affected_in_chunks(areas, services, 1000, [&](const affected_customers& chunk) {
        batch.clear();
        {
            auto reader = db_.read();
            auto& query = reader->cached(std::string(select_columns) + "WHERE rowid = ?1");
            for (const auto& c : chunk.customers) {
                query.bind(1, c.ref);
                if (query.step()) batch.push_back(read_row(query));
                query.reset();
            }
        }
        for (const auto& c : batch) {
            if (!domain::areas_match(areas, c.postcode) || !domain::customer_affected(c.services, services)) continue;
            visit(c);
            ++visited;
        }
        return true;
    });
    return visited;
}

std::optional<domain::customer> customer_repository::find_by_phone(const std::string& e164) {
    return find_one(*db_.read(), "WHERE phone = ?1 LIMIT 1", e164);
}

std::optional<domain::customer> customer_repository::find_by_phone(write_context& w, const std::string& e164) {
    return find_one(w.db(), "WHERE phone = ?1 LIMIT 1", e164);
}

}  // namespace outagedesk::store
