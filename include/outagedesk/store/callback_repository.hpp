#pragma once
// Promised callbacks in the store. Writer-side functions take the
// write_context of a job queued on the database; reads use a pooled reader.
// Which callbacks are overdue is computed from the `now` passed in.
#include "outagedesk/domain/callback.hpp"
#include "outagedesk/store/database.hpp"

#include <optional>
#include <string>
#include <vector>

namespace outagedesk::store {

class callback_repository {
public:
    explicit callback_repository(database& db) : db_(db) {}

    // Writer side.
    static std::int64_t insert(write_context& w, const domain::callback& c);
    static std::optional<domain::callback> find(write_context& w, std::int64_t number);
    static void save_completion(write_context& w, const domain::callback& c);
    // Open callbacks past due whose callback.due event is still to be
    // emitted, earliest due first.
    static std::vector<domain::callback> due_unnotified(write_context& w, domain::sys_seconds now, std::size_t limit);
    static void mark_notified(write_context& w, std::int64_t number);

    // Reader side. Empty `agent` / `customer_id` mean any; earliest due first.
    std::optional<domain::callback> find(std::int64_t number);
    std::vector<domain::callback> list(domain::callback_filter filter, const std::string& agent,
                                       const std::string& customer_id, domain::sys_seconds now, std::size_t limit);

private:
    database& db_;
};

}  // namespace outagedesk::store
