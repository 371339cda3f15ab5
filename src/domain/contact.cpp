#include "outagedesk/domain/contact.hpp"

#include "outagedesk/domain/customer.hpp"
#include "outagedesk/domain/errors.hpp"
#include "outagedesk/domain/postcode.hpp"

#include <array>
#include <utility>

namespace outagedesk::domain {

namespace {
constexpr std::array<std::pair<contact_channel, std::string_view>, 7> channel_names{{
    {contact_channel::voice, "voice"},
    {contact_channel::ivr, "ivr"},
    {contact_channel::chat, "chat"},
    {contact_channel::email, "email"},
    {contact_channel::social, "social"},
    {contact_channel::sms, "sms"},
    {contact_channel::web, "web"},
}};
constexpr std::array<std::pair<contact_reason, std::string_view>, 5> reason_names{{
    {contact_reason::no_service, "no_service"},
    {contact_reason::degraded, "degraded"},
    {contact_reason::billing, "billing"},
    {contact_reason::sales, "sales"},
    {contact_reason::other, "other"},
}};
constexpr std::array<std::pair<contact_outcome, std::string_view>, 5> outcome_names{{
    {contact_outcome::handled, "handled"},
    {contact_outcome::deflected, "deflected"},
    {contact_outcome::escalated, "escalated"},
    {contact_outcome::callback, "callback"},
    {contact_outcome::transferred, "transferred"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum value) noexcept {
    for (const auto& [v, name] : names)
        if (v == value) return name;
    return names[0].second;
}

template <typename Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<std::pair<Enum, std::string_view>, N>& names,
                               std::string_view text) noexcept {
    for (const auto& [v, name] : names)
        if (name == text) return v;
    return std::nullopt;
}

template <typename Enum, std::size_t N>
std::string listing(const std::array<std::pair<Enum, std::string_view>, N>& names) {
    std::string out;
    for (const auto& [v, name] : names) out += (out.empty() ? "" : ", ") + std::string(name);
    return out;
}

template <typename Enum, std::size_t N>
Enum require_name(const std::array<std::pair<Enum, std::string_view>, N>& names, const std::optional<std::string>& text,
                  const std::string& field) {
    if (!text || text->empty()) throw invalid_input(field, field + " is required; one of " + listing(names));
    auto parsed = parse_name(names, *text);
    if (!parsed) throw invalid_input(field, field + " must be one of " + listing(names));
    return *parsed;
}

bool present(const std::optional<std::string>& text) { return text && !text->empty(); }
}  // namespace

std::string_view contact_channel_name(contact_channel c) noexcept { return name_of(channel_names, c); }
std::optional<contact_channel> parse_contact_channel(std::string_view name) noexcept {
    return parse_name(channel_names, name);
}
std::string_view contact_reason_name(contact_reason r) noexcept { return name_of(reason_names, r); }
std::optional<contact_reason> parse_contact_reason(std::string_view name) noexcept {
    return parse_name(reason_names, name);
}
std::string_view contact_outcome_name(contact_outcome o) noexcept { return name_of(outcome_names, o); }
std::optional<contact_outcome> parse_contact_outcome(std::string_view name) noexcept {
    return parse_name(outcome_names, name);
}

std::optional<std::int64_t> parse_contact_id(std::string_view id) noexcept {
    constexpr std::string_view prefix = "CON-";
    if (!id.starts_with(prefix) || id.size() == prefix.size() || id.size() > prefix.size() + 18) return std::nullopt;
    std::int64_t n = 0;
    for (char c : id.substr(prefix.size())) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    return n;
}

contact make_contact(const contact_fields& fields, std::string_view default_country_code,
                     const std::string& default_agent) {
    contact made;
    made.channel = require_name(channel_names, fields.channel, "channel");
    made.reason = require_name(reason_names, fields.reason, "reason");
    made.outcome = present(fields.outcome) ? require_name(outcome_names, fields.outcome, "outcome")
                                           : contact_outcome::handled;
    if (present(fields.customer_id)) {
        if (!valid_customer_id(*fields.customer_id))
            throw invalid_input("customer_id", "customer_id must be 1 to 64 letters, digits, '-', '_' or '.'");
        made.customer_id = *fields.customer_id;
    }
    if (present(fields.phone)) {
        auto phone = normalise_phone(*fields.phone, default_country_code);
        if (!phone) throw invalid_input("phone", "phone is not a valid phone number (E.164 such as +34612345678)");
        made.phone = *phone;
    }
    if (present(fields.postcode)) made.postcode = require_postcode(*fields.postcode, "postcode");
    made.note = fields.note.value_or("");
    made.agent = present(fields.agent) ? *fields.agent : default_agent;
    if (fields.has_ivr) {
        ivr_handoff ivr;
        if (present(fields.ivr_reason)) {
            ivr.reason = parse_contact_reason(*fields.ivr_reason);
            if (!ivr.reason) throw invalid_input("ivr.reason", "ivr.reason must be one of " + listing(reason_names));
        }
        if (present(fields.ivr_postcode)) ivr.postcode = require_postcode(*fields.ivr_postcode, "ivr.postcode");
        ivr.verified = fields.ivr_verified.value_or(false);
        if (fields.ivr_announcement_version && *fields.ivr_announcement_version < 0)
            throw invalid_input("ivr.announcement_version", "ivr.announcement_version must not be negative");
        ivr.announcement_version = fields.ivr_announcement_version;
        made.ivr = ivr;
    }
    if (made.customer_id.empty() && made.phone.empty() && stated_postcode(made).empty())
        throw invalid_input("customer_id", "give customer_id, phone or postcode to say who called");
    return made;
}

std::string stated_postcode(const contact& c) {
    if (!c.postcode.empty()) return c.postcode;
    if (c.ivr) return c.ivr->postcode;
    return {};
}

bool counts_as_deflected(const contact& c) noexcept {
    return c.channel == contact_channel::ivr && c.outcome == contact_outcome::deflected;
}

bool reports_fault(const contact& c) noexcept {
    return c.reason == contact_reason::no_service || c.reason == contact_reason::degraded;
}

bool handled_by_agent(const contact& c) noexcept {
    if (c.agent.empty() || c.customer_id.empty()) return false;
    return c.outcome != contact_outcome::deflected && c.outcome != contact_outcome::transferred;
}

}  // namespace outagedesk::domain
