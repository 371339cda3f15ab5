#pragma once
// Compensation a customer is owed for an outage, by the rule sets operators
// choose in config, each a documented formula with its parameters:
//
// es_rd899_2009 (Spain, Real Decreto 899/2009, arts. 15 and 16)
//   D = the outage's duration, B = the proration basis (720 h by default, or
//   the hours of the calendar month, in local time, in which it started).
//   telephony (fixed_voice, mobile_voice), art. 15:
//     max(avg_bill_3m × D / B, 5 × monthly_fee × D / B)
//   internet access (broadband, mobile_data), art. 16:
//     monthly_fee × D / B, but only when more than 6 hours of the outage fall
//     between 08:00 and 22:00 local time (summed over every day it spans);
//     otherwise nothing.
//   Bundle split: a customer who subscribes to both families pays one fee
//   for both, so telephony gets `telephony_share_percent` of the fee and of
//   the average bill and internet access the rest; with one family, 100 %.
//
// uk_ofcom_acs (UK, Ofcom automatic compensation scheme)
//   For a total loss of landline (fixed_voice) or broadband not repaired
//   after two full working days: a fixed amount (default 1034 pence) per
//   calendar day after those two days, for each of the two services lost.
//   Working days are Monday to Friday, local time; a full working day is a
//   whole local calendar day that starts at or after the outage began (public
//   holidays are not modelled). Every calendar day, weekends included, that
//   starts before the repair after the grace period counts, a part day as a
//   whole one.
//
// Amounts are integer cents (pence for the UK rule). Rounding: each amount is
// computed exactly in integer arithmetic and rounded once, half up, to the
// cent. Each row is payable when its amount is at least `minimum_cents`; rows
// under the minimum (including zero rows that say why nothing is due) are
// kept with payable = false.
//
// Pure: no clock, no I/O, no store. Times and the zone are passed in.
#include "outagedesk/domain/service.hpp"
#include "outagedesk/domain/time_zone.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outagedesk::domain {

enum class compensation_rule { es_rd899_2009, uk_ofcom_acs };

std::string_view compensation_rule_name(compensation_rule r) noexcept;
std::optional<compensation_rule> parse_compensation_rule(std::string_view name) noexcept;

enum class proration_basis { hours_720, billing_month };

struct compensation_parameters {
    std::int64_t minimum_cents = 100;
    proration_basis basis = proration_basis::hours_720;
    int telephony_share_percent = 50;  // bundle split, 0..100
    int telephony_fee_multiple = 5;
    std::chrono::seconds internet_threshold{6 * 3600};
    int daytime_from_hour = 8;
    int daytime_to_hour = 22;
    std::int64_t ofcom_daily_cents = 1034;
    int ofcom_grace_working_days = 2;
};

// What depends on the outage alone, worked out once per incident.
struct outage_assessment {
    std::chrono::sys_seconds started_at{};
    std::chrono::sys_seconds resolved_at{};
    std::int64_t duration_seconds = 0;
    std::int64_t daytime_seconds = 0;   // within the daytime window, local time
    std::int64_t basis_seconds = 720 * 3600;
    std::chrono::sys_seconds ofcom_grace_end{};  // local midnight after the grace working days
    std::string ofcom_grace_end_local;           // the same, "2026-11-26 00:00", for explanations
    std::int64_t ofcom_days = 0;                 // calendar days counted after it
};

outage_assessment assess_outage(std::chrono::sys_seconds started_at, std::chrono::sys_seconds resolved_at,
                                const time_zone& zone, const compensation_parameters& params);

// The customer's side: what they subscribe to and pay.
struct compensation_subject {
    std::string customer_id;
    service_set services;  // empty: not stated
    std::int64_t monthly_fee_cents = 0;
    std::int64_t avg_bill_3m_cents = 0;
};

struct compensation_row {
    std::string customer_id;
    compensation_rule rule = compensation_rule::es_rd899_2009;
    std::string service;  // "telephony" | "internet_access" (es); "fixed_voice" | "broadband" (uk)
    std::int64_t duration_seconds = 0;
    std::int64_t amount_cents = 0;
    bool payable = false;
    std::string explanation;  // English, for agents and billing

    bool operator==(const compensation_row&) const = default;
};

// The services of the subject the outage hit: the overlap of both sets, an
// empty set meaning "every service" on either side.
service_set affected_services(service_set customer, service_set incident) noexcept;

// One row per service (family) the rule covers and the outage hit; none when
// the rule covers none of them.
std::vector<compensation_row> compensate(compensation_rule rule, const compensation_parameters& params,
                                         const outage_assessment& outage, const compensation_subject& subject,
                                         service_set incident_services);

// The ISO currency of a rule's amounts ("EUR", "GBP").
std::string_view compensation_currency(compensation_rule rule) noexcept;
// "12,34 €" in Spanish, "€12.34" otherwise; "£10.34" / "10,34 £".
std::string format_money(std::int64_t cents, std::string_view currency, std::string_view lang);

// The sentence for {{compensation}} in `lang` (Spanish for es*, else
// English): what will be credited, summed per currency over payable rows;
// empty when nothing is payable.
std::string describe_compensation(const std::vector<compensation_row>& rows, std::string_view lang);

}  // namespace outagedesk::domain
