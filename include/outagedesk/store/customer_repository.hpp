#pragma once
// The customer registry in the store.
#include "outagedesk/domain/area.hpp"
#include "outagedesk/domain/customer.hpp"
#include "outagedesk/store/database.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace outagedesk::store {

// The customers an incident reaches, in id order, as store references that
// only the store's bulk writers understand (notification_repository), each
// with its language as an index into `languages`.
struct affected_customers {
    struct entry {
        std::int64_t ref = 0;
        std::uint32_t language = 0;
    };
    std::vector<std::string> languages;
    std::vector<entry> customers;
};

class customer_repository {
public:
    explicit customer_repository(database& db) : db_(db) {}

    // Inserts or replaces; true when the customer is new.
    static bool upsert(write_context& w, const domain::customer& c, const std::string& now);

    std::optional<domain::customer> find(const std::string& id);
    std::optional<domain::customer> find_by_phone(const std::string& e164);
    // The same, inside a write: the writer's page cache survives its own
    // commits, while a reader's is dropped after every commit of the writer.
    static std::optional<domain::customer> find(write_context& w, const std::string& id);
    static std::optional<domain::customer> find_by_phone(write_context& w, const std::string& e164);

    // Every customer an incident reaches: postcode matched by any of `areas`
    // and services overlapping `services` (an empty set on either side
    // matches), in id order, handed over `chunk_rows` at a time so that the
    // caller can write one chunk while the next is read. A small share of the
    // registry is read in one read through the postcode index and sorted
    // here; a large share through the id index, in one short read per chunk
    // resuming after the last id handed over (a customer changed meanwhile is
    // seen as that chunk's read found it). Each chunk's `languages` lists
    // every language met so far (indexes stay valid). `on_chunk` runs holding
    // no read; returning false stops the walk. Returns how many customers
    // were handed over.
    std::int64_t affected_in_chunks(const std::vector<domain::area_expression>& areas, domain::service_set services,
                                    std::size_t chunk_rows,
                                    const std::function<bool(const affected_customers&)>& on_chunk);
    // How many that is.
    std::int64_t count_affected(const std::vector<domain::area_expression>& areas, domain::service_set services);

    // The same customers' full rows, in id order, read in batches of short
    // reads, so a million of them never sit in memory together and no read is
    // held across the visits. Returns how many were visited.
    std::int64_t for_each_affected(const std::vector<domain::area_expression>& areas, domain::service_set services,
                                   const std::function<void(const domain::customer&)>& visit);

private:
    database& db_;
};

}  // namespace outagedesk::store
