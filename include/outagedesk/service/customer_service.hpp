#pragma once
// The customer registry: validated writes through the group-committing
// writer, and lookups by id or phone.
#include "outagedesk/config/config.hpp"
#include "outagedesk/domain/customer.hpp"
#include "outagedesk/service/events.hpp"
#include "outagedesk/store/customer_repository.hpp"

#include <exception>
#include <functional>

namespace outagedesk::service {

class customer_service {
public:
    customer_service(store::database& db, const config::settings& settings, clock_fn clock)
        : db_(db), customers_(db), settings_(settings), clock_(std::move(clock)) {}

    // Validates (throws invalid_input) and queues the write; `done` gets
    // whether the customer was created.
    void put(const domain::customer_fields& fields, const std::string& actor,
             std::function<void(std::exception_ptr, domain::customer, bool created)> done);
    std::optional<domain::customer> find(const std::string& id) { return customers_.find(id); }
    // Accepts any phone format the caller typed; nullopt when unknown or unparseable.
    std::optional<domain::customer> find_by_phone(const std::string& raw);
    std::optional<std::string> normalise_phone(const std::string& raw) const;
    // For a request that reads several things (the agent context: customer,
    // contacts, owner, callbacks, compensation): while the returned scope
    // lives, they are read in one transaction on this thread.
    [[nodiscard]] store::database::read_scope one_read_transaction() { return store::database::read_scope(db_); }

private:
    store::database& db_;
    store::customer_repository customers_;
    const config::settings& settings_;
    clock_fn clock_;
};

}  // namespace outagedesk::service
