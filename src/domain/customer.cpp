#include "outagedesk/domain/customer.hpp"

#include "outagedesk/domain/errors.hpp"
#include "outagedesk/domain/postcode.hpp"

#include <cctype>

namespace outagedesk::domain {

std::string_view contact_preference_name(contact_preference p) noexcept {
    switch (p) {
        case contact_preference::sms: return "sms";
        case contact_preference::email: return "email";
        case contact_preference::none: return "none";
    }
    return "none";
}

bool valid_customer_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
    return true;
}

namespace {
bool plausible_email(std::string_view email) {
    auto at = email.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= email.size() || email.size() > 254) return false;
    if (email.find('@', at + 1) != std::string_view::npos) return false;
    for (char c : email)
        if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c))) return false;
    return email.find('.', at) != std::string_view::npos;
}

bool plausible_language(std::string_view lang) {
    if (lang.size() < 2 || lang.size() > 8) return false;
    for (std::size_t i = 0; i < lang.size(); ++i) {
        char c = lang[i];
        if (i < 2 && !std::islower(static_cast<unsigned char>(c))) return false;
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
    }
    return true;
}
}  // namespace

customer make_customer(const customer_fields& fields, std::string_view default_country_code,
                       std::string_view default_language) {
    customer made;
    if (!valid_customer_id(fields.id))
        throw invalid_input("id", "id must be 1 to 64 letters, digits, '-', '_' or '.'");
    made.id = fields.id;
    if (fields.phone && !fields.phone->empty()) {
        auto phone = normalise_phone(*fields.phone, default_country_code);
        if (!phone) throw invalid_input("phone", "phone is not a valid phone number (E.164 such as +34612345678)");
        made.phone = *phone;
    }
    if (fields.email && !fields.email->empty()) {
        if (!plausible_email(*fields.email)) throw invalid_input("email", "email is not a valid address");
        made.email = *fields.email;
    }
    if (!fields.postcode || fields.postcode->empty()) throw invalid_input("postcode", "postcode is required");
    made.postcode = require_postcode(*fields.postcode, "postcode");
    made.language = fields.language && !fields.language->empty() ? *fields.language : std::string(default_language);
    if (!plausible_language(made.language)) throw invalid_input("language", "language must be a code such as es or en");
    if (fields.services) made.services = parse_services(*fields.services, "services");
    if (fields.preferred_channel) {
        const auto& p = *fields.preferred_channel;
        if (p == "sms") made.preferred_channel = contact_preference::sms;
        else if (p == "email") made.preferred_channel = contact_preference::email;
        else if (p == "none") made.preferred_channel = contact_preference::none;
        else throw invalid_input("preferred_channel", "preferred_channel must be sms, email or none");
    } else {
        made.preferred_channel = !made.phone.empty()   ? contact_preference::sms
                                 : !made.email.empty() ? contact_preference::email
                                                       : contact_preference::none;
    }
    if (made.preferred_channel == contact_preference::sms && made.phone.empty())
        throw invalid_input("phone", "phone is required when preferred_channel is sms");
    if (made.preferred_channel == contact_preference::email && made.email.empty())
        throw invalid_input("email", "email is required when preferred_channel is email");
    if (fields.monthly_fee_cents) {
        if (*fields.monthly_fee_cents < 0) throw invalid_input("monthly_fee_cents", "monthly_fee_cents cannot be negative");
        made.monthly_fee_cents = *fields.monthly_fee_cents;
    }
    if (fields.avg_bill_3m_cents) {
        if (*fields.avg_bill_3m_cents < 0) throw invalid_input("avg_bill_3m_cents", "avg_bill_3m_cents cannot be negative");
        made.avg_bill_3m_cents = *fields.avg_bill_3m_cents;
    }
    if (fields.tariff) {
        if (fields.tariff->size() > 100) throw invalid_input("tariff", "tariff is longer than 100 characters");
        made.tariff = *fields.tariff;
    }
    if (fields.consent) made.consent = *fields.consent;
    return made;
}

}  // namespace outagedesk::domain
