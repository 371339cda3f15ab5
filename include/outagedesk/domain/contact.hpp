#pragma once
// A contact: one time a customer reached us, on any channel, and what came of
// it. This is where a contact's fields are validated and normalised (for the
// JSON API of agents and IVR platforms alike), and where the rules that other
// parts count by live: which contacts are deflections, which are fault
// reports the surge detector listens to, which make an agent the customer's
// owner. Pure: no lookups, no clock (times are passed in), no I/O.
#include "outagedesk/domain/incident.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outagedesk::domain {

enum class contact_channel { voice, ivr, chat, email, social, sms, web };
enum class contact_reason { no_service, degraded, billing, sales, other };
enum class contact_outcome { handled, deflected, escalated, callback, transferred };

std::string_view contact_channel_name(contact_channel c) noexcept;
std::optional<contact_channel> parse_contact_channel(std::string_view name) noexcept;
std::string_view contact_reason_name(contact_reason r) noexcept;
std::optional<contact_reason> parse_contact_reason(std::string_view name) noexcept;
std::string_view contact_outcome_name(contact_outcome o) noexcept;
std::optional<contact_outcome> parse_contact_outcome(std::string_view name) noexcept;

// What the IVR collected before the caller reached an agent, so that the agent
// does not ask again.
struct ivr_handoff {
    std::optional<contact_reason> reason;
    std::string postcode;  // normalised, may be empty
    bool verified = false;  // the IVR verified the caller's identity
    std::optional<std::int64_t> announcement_version;  // the announcement version the caller heard
};

struct contact {
    std::int64_t number = 0;  // store key; the id is "CON-<number>"
    contact_channel channel = contact_channel::voice;
    std::string customer_id;  // may be empty: a caller without a record
    std::string phone;        // E.164, may be empty
    std::string postcode;     // normalised, may be empty
    contact_reason reason = contact_reason::other;
    std::string note;
    std::string agent;  // who handled it, may be empty (IVR)
    contact_outcome outcome = contact_outcome::handled;
    std::optional<ivr_handoff> ivr;
    std::vector<std::string> incident_ids;
    std::string script;  // the agent script answered when it was logged; empty when nothing matched
    sys_seconds created_at{};

    std::string id() const { return "CON-" + std::to_string(number); }
};

// "CON-12" → 12; nullopt for anything else.
std::optional<std::int64_t> parse_contact_id(std::string_view id) noexcept;

// Fields of a contact as a client sent them, before validation.
struct contact_fields {
    std::optional<std::string> customer_id;
    std::optional<std::string> phone;
    std::optional<std::string> postcode;
    std::optional<std::string> channel;
    std::optional<std::string> reason;
    std::optional<std::string> note;
    std::optional<std::string> agent;
    std::optional<std::string> outcome;
    bool has_ivr = false;
    std::optional<std::string> ivr_reason;
    std::optional<std::string> ivr_postcode;
    std::optional<bool> ivr_verified;
    std::optional<std::int64_t> ivr_announcement_version;
};

// Validates and normalises; throws invalid_input naming the field ("channel",
// "ivr.postcode", ...). channel and reason are required, outcome defaults to
// handled; at least one of customer_id, phone, postcode (or ivr.postcode)
// must say who called. `default_agent` fills an absent agent (the caller's
// token name for agents; empty for the IVR). Matching, ids and times are the
// caller's business.
contact make_contact(const contact_fields& fields, std::string_view default_country_code,
                     const std::string& default_agent);

// The postcode a contact is matched by when the customer has no record: the
// one given, else the one the IVR collected.
std::string stated_postcode(const contact& c);

// IVR contacts that ended in the IVR: the announcement answered the caller.
bool counts_as_deflected(const contact& c) noexcept;
// Contacts that report a fault (no_service, degraded): what a surge is made of.
bool reports_fault(const contact& c) noexcept;
// A named agent dealt with the customer themselves (not deflected by the IVR,
// not passed on to someone else): the contact can make that agent the owner.
bool handled_by_agent(const contact& c) noexcept;

}  // namespace outagedesk::domain
