#pragma once
// The customer registry in the store.
#include "outagedesk/domain/area.hpp"
#include "outagedesk/domain/customer.hpp"
#include "outagedesk/store/database.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace outagedesk::store {

class customer_repository {
public:
    explicit customer_repository(database& db) : db_(db) {}

    // Inserts or replaces; true when the customer is new.
    static bool upsert(write_context& w, const domain::customer& c, const std::string& now);

    std::optional<domain::customer> find(const std::string& id);
    std::optional<domain::customer> find_by_phone(const std::string& e164);

    // Every customer an incident reaches: postcode matched by any of `areas`
    // and services overlapping `services` (an empty set on either side
    // matches). The areas become postcode range predicates on the postcode
    // index; the rows come in id order, read in batches, so a million of them
    // never sit in memory together and no read is held across the visits.
    // Returns how many were visited.
    std::int64_t for_each_affected(const std::vector<domain::area_expression>& areas, domain::service_set services,
                                   const std::function<void(const domain::customer&)>& visit);

private:
    database& db_;
};

}  // namespace outagedesk::store
