#pragma once
// A customer of the registry: how to reach them, where they live, what they
// pay, which services they have. Validation and normalisation (E.164 phone,
// postcode, services) happen here once, for the JSON API and the CSV import
// alike. Pure: no lookups, no I/O.
#include "outagedesk/domain/service.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace outagedesk::domain {

enum class contact_preference { sms, email, none };
std::string_view contact_preference_name(contact_preference p) noexcept;

struct customer {
    std::string id;
    std::string phone;  // E.164, may be empty
    std::string email;  // may be empty
    std::string postcode;  // normalised
    std::string language;
    service_set services;
    contact_preference preferred_channel = contact_preference::sms;
    std::int64_t monthly_fee_cents = 0;
    std::int64_t avg_bill_3m_cents = 0;
    std::string tariff;
    bool consent = true;
};

// Fields as a client sent them, before validation.
struct customer_fields {
    std::string id;
    std::optional<std::string> phone;
    std::optional<std::string> email;
    std::optional<std::string> postcode;
    std::optional<std::string> language;
    std::optional<std::vector<std::string>> services;
    std::optional<std::string> preferred_channel;
    std::optional<std::int64_t> monthly_fee_cents;
    std::optional<std::int64_t> avg_bill_3m_cents;
    std::optional<std::string> tariff;
    std::optional<bool> consent;
};

// Throws invalid_input naming the field ("phone", "services[1]", ...).
customer make_customer(const customer_fields& fields, std::string_view default_country_code,
                       std::string_view default_language);

// Ids are what billing systems use: 1-64 letters, digits, '-', '_' or '.'.
bool valid_customer_id(std::string_view id) noexcept;

}  // namespace outagedesk::domain
