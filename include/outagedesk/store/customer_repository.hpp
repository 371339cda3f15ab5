#pragma once
// The customer registry in the store.
#include "outagedesk/domain/customer.hpp"
#include "outagedesk/store/database.hpp"

#include <optional>
#include <string>

namespace outagedesk::store {

class customer_repository {
public:
    explicit customer_repository(database& db) : db_(db) {}

    // Inserts or replaces; true when the customer is new.
    static bool upsert(write_context& w, const domain::customer& c, const std::string& now);

    std::optional<domain::customer> find(const std::string& id);
    std::optional<domain::customer> find_by_phone(const std::string& e164);

private:
    database& db_;
};

}  // namespace outagedesk::store
