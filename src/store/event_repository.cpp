#include "outagedesk/store/event_repository.hpp"

namespace outagedesk::store {

std::vector<stored_event> event_repository::after(std::int64_t after, std::size_t limit) {
    auto reader = db_.read();
    auto& query = reader->cached("SELECT seq, type, payload, at FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    query.bind(1, after).bind(2, static_cast<std::int64_t>(limit));
    std::vector<stored_event> out;
    while (query.step()) out.push_back({query.get_int64(0), query.get_text(1), query.get_text(2), query.get_text(3)});
    query.reset();
    return out;
}

std::optional<stored_event> event_repository::find(std::int64_t seq) {
    auto found = after(seq - 1, 1);
    if (found.empty() || found.front().seq != seq) return std::nullopt;
    return found.front();
}

std::int64_t event_repository::last_seq() {
    auto reader = db_.read();
    auto& query = reader->cached("SELECT COALESCE(MAX(seq), 0) FROM events");
    query.step();
    auto seq = query.get_int64(0);
    query.reset();
    return seq;
}

std::int64_t event_repository::prune(write_context& w, const std::string& before) {
    w.db()
        .cached("DELETE FROM events WHERE at < ?1 AND seq < (SELECT MAX(seq) FROM events)")
        .bind(1, before)
        .run();
    return w.db().changes();
}

}  // namespace outagedesk::store
