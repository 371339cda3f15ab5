#include "outagedesk/domain/compensation.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace outagedesk::domain {

namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

__extension__ typedef __int128 wide_int;

// Exact quotient rounded half up; both operands non-negative, den > 0.
std::int64_t round_half_up(wide_int num, wide_int den) { return static_cast<std::int64_t>((num + den / 2) / den); }

sys_days civil_day(const local_time& l) {
    return sys_days{std::chrono::year{l.year} / std::chrono::month{static_cast<unsigned>(l.month)} /
                    std::chrono::day{static_cast<unsigned>(l.day)}};
}

local_time wall_clock(sys_days day, int hour) {
    const std::chrono::year_month_day ymd{day};
    local_time l;
    l.year = static_cast<int>(ymd.year());
    l.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
    l.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
    l.hour = hour;
    return l;
}

bool working_day(sys_days day) {
    const auto wd = std::chrono::weekday{day}.c_encoding();  // 0 = Sunday
    return wd >= 1 && wd <= 5;
}

// Outages longer than this are not walked day by day; the daytime threshold
// and the grace period are long settled by then.
constexpr int max_days_walked = 4000;

std::string hours_text(std::int64_t seconds) {
    char text[48];
    std::snprintf(text, sizeof text, "%lldh%02lldm", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds % 3600 / 60));
    return text;
}

std::string date_text(sys_seconds t, const time_zone& zone) {
    const auto l = zone.to_local(t);
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d", l.year, l.month, l.day, l.hour, l.minute);
    return text;
}

bool spanish(std::string_view lang) { return lang.size() >= 2 && lang.substr(0, 2) == "es"; }

std::string money_en(std::int64_t cents, std::string_view currency) { return format_money(cents, currency, "en"); }

compensation_row base_row(compensation_rule rule, const outage_assessment& outage, const compensation_subject& subject,
                          std::string service) {
    compensation_row row;
    row.customer_id = subject.customer_id;
    row.rule = rule;
    row.service = std::move(service);
    row.duration_seconds = outage.duration_seconds;
    return row;
}

std::vector<compensation_row> spanish_rows(const compensation_parameters& p, const outage_assessment& outage,
                                           const compensation_subject& subject, service_set hit) {
    std::vector<compensation_row> rows;
    bool telephony = false, internet = false;
    for (service s : hit.members()) {
        telephony = telephony || is_telephony(s);
        internet = internet || is_internet_access(s);
    }
    // The bundle is what the customer pays for; when they state nothing, what the outage hit.
    const service_set paid_for = subject.services.empty() ? hit : subject.services;
    bool pays_telephony = false, pays_internet = false;
    for (service s : paid_for.members()) {
        pays_telephony = pays_telephony || is_telephony(s);
        pays_internet = pays_internet || is_internet_access(s);
    }
    const bool bundle = pays_telephony && pays_internet;
    const int telephony_share = bundle ? p.telephony_share_percent : 100;
    const int internet_share = bundle ? 100 - p.telephony_share_percent : 100;
    const std::string_view eur = "EUR";
    const wide_int basis = outage.basis_seconds;
    const std::string period = hours_text(outage.duration_seconds) + " of a " + hours_text(outage.basis_seconds) + " basis";
    const std::string share_note = bundle ? " (" + std::to_string(telephony_share) + "% bundle share)" : std::string();

    if (telephony) {
        auto row = base_row(compensation_rule::es_rd899_2009, outage, subject, "telephony");
        const auto by_bill = round_half_up(wide_int(subject.avg_bill_3m_cents) * telephony_share * outage.duration_seconds,
                                           basis * 100);
        const auto by_fee = round_half_up(
            wide_int(subject.monthly_fee_cents) * p.telephony_fee_multiple * telephony_share * outage.duration_seconds,
            basis * 100);
        row.amount_cents = std::max(by_bill, by_fee);
        row.explanation = "RD 899/2009 art. 15, telephony" + share_note + ": outage " + period +
                          "; the larger of the 3-month average bill " + money_en(subject.avg_bill_3m_cents, eur) +
                          " prorated (" + money_en(by_bill, eur) + ") and " + std::to_string(p.telephony_fee_multiple) +
                          " x the monthly fee " + money_en(subject.monthly_fee_cents, eur) + " prorated (" +
                          money_en(by_fee, eur) + ") = " + money_en(row.amount_cents, eur);
        rows.push_back(std::move(row));
    }
    if (internet) {
        auto row = base_row(compensation_rule::es_rd899_2009, outage, subject, "internet_access");
        const std::string note = bundle ? " (" + std::to_string(internet_share) + "% bundle share)" : std::string();
        const std::string window = std::to_string(p.daytime_from_hour) + ":00-" + std::to_string(p.daytime_to_hour) + ":00";
        if (outage.daytime_seconds > p.internet_threshold.count()) {
            row.amount_cents = round_half_up(wide_int(subject.monthly_fee_cents) * internet_share * outage.duration_seconds,
                                             basis * 100);
            row.explanation = "RD 899/2009 art. 16, internet access" + note + ": " + hours_text(outage.daytime_seconds) +
                              " of the outage fell within " + window + " (more than " +
                              hours_text(p.internet_threshold.count()) + "); the monthly fee " +
                              money_en(subject.monthly_fee_cents, eur) + " prorated over " + period + " = " +
                              money_en(row.amount_cents, eur);
        } else {
            row.amount_cents = 0;
            row.explanation = "RD 899/2009 art. 16, internet access: not due; only " + hours_text(outage.daytime_seconds) +
                              " of the outage fell within " + window + ", which must exceed " +
                              hours_text(p.internet_threshold.count());
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<compensation_row> ofcom_rows(const compensation_parameters& p, const outage_assessment& outage,
                                         const compensation_subject& subject, service_set hit, const std::string& grace_end) {
    std::vector<compensation_row> rows;
    const std::string_view gbp = "GBP";
    for (service s : {service::fixed_voice, service::broadband}) {
        if (!hit.contains(s)) continue;
        const std::string what = s == service::fixed_voice ? "landline" : "broadband";
        auto row = base_row(compensation_rule::uk_ofcom_acs, outage, subject, std::string(service_name(s)));
        row.amount_cents = outage.ofcom_days * p.ofcom_daily_cents;
        if (outage.ofcom_days > 0)
            row.explanation = "Ofcom automatic compensation: " + what + " lost for " + hours_text(outage.duration_seconds) +
                              ", not repaired after " + std::to_string(p.ofcom_grace_working_days) +
                              " full working days (by " + grace_end + " local); " + std::to_string(outage.ofcom_days) +
                              " calendar day(s) x " + money_en(p.ofcom_daily_cents, gbp) + " = " +
                              money_en(row.amount_cents, gbp);
        else
            row.explanation = "Ofcom automatic compensation: not due; " + what + " repaired within " +
                              std::to_string(p.ofcom_grace_working_days) + " full working days (before " + grace_end +
                              " local)";
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace

std::string_view compensation_rule_name(compensation_rule r) noexcept {
    return r == compensation_rule::uk_ofcom_acs ? "uk_ofcom_acs" : "es_rd899_2009";
}

std::optional<compensation_rule> parse_compensation_rule(std::string_view name) noexcept {
    if (name == "es_rd899_2009") return compensation_rule::es_rd899_2009;
    if (name == "uk_ofcom_acs") return compensation_rule::uk_ofcom_acs;
    return std::nullopt;
}

std::string_view compensation_currency(compensation_rule rule) noexcept {
    return rule == compensation_rule::uk_ofcom_acs ? "GBP" : "EUR";
}

outage_assessment assess_outage(sys_seconds started_at, sys_seconds resolved_at, const time_zone& zone,
                                const compensation_parameters& params) {
    outage_assessment out;
    out.started_at = started_at;
    out.resolved_at = std::max(resolved_at, started_at);
    out.duration_seconds = (out.resolved_at - started_at).count();

    const auto first = civil_day(zone.to_local(started_at));
    const auto last = civil_day(zone.to_local(out.resolved_at));
    if (params.basis == proration_basis::billing_month) {
        const std::chrono::year_month_day ymd{first};
        const std::chrono::year_month_day_last month_end{ymd.year() / ymd.month() / std::chrono::last};
        out.basis_seconds = static_cast<std::int64_t>(static_cast<unsigned>(month_end.day())) * 86400;
    } else {
        out.basis_seconds = 720 * 3600;
    }

    int walked = 0;
    for (auto day = first; day <= last && walked < max_days_walked; day += days{1}, ++walked) {
        const auto from = std::max(zone.to_sys(wall_clock(day, params.daytime_from_hour)), started_at);
        const auto to = std::min(zone.to_sys(wall_clock(day, params.daytime_to_hour)), out.resolved_at);
        if (to > from) out.daytime_seconds += (to - from).count();
    }

    // The first full day is the start's own only when the outage began at its midnight.
    auto day = zone.to_sys(wall_clock(first, 0)) >= started_at ? first : first + days{1};
    if (params.ofcom_grace_working_days <= 0) {
        out.ofcom_grace_end = started_at;
    } else {
        int counted = 0;
        for (walked = 0; walked < max_days_walked; ++walked, day += days{1}) {
            if (working_day(day) && ++counted == params.ofcom_grace_working_days) break;
        }
        out.ofcom_grace_end = zone.to_sys(wall_clock(day + days{1}, 0));
    }
    out.ofcom_grace_end_local = date_text(out.ofcom_grace_end, zone);
    if (out.resolved_at > out.ofcom_grace_end) {
        const auto grace_day = civil_day(zone.to_local(out.ofcom_grace_end));
        const auto repair_day = civil_day(zone.to_local(out.resolved_at - std::chrono::seconds(1)));
        out.ofcom_days = std::max<std::int64_t>(0, (repair_day - grace_day).count() + 1);
    }
    return out;
}

service_set affected_services(service_set customer, service_set incident) noexcept {
    service_set all;
    for (service s : all_services) all.insert(s);
    const auto c = customer.empty() ? all : customer;
    const auto i = incident.empty() ? all : incident;
    return service_set::from_bits(static_cast<std::uint8_t>(c.bits() & i.bits()));
}

std::vector<compensation_row> compensate(compensation_rule rule, const compensation_parameters& params,
                                         const outage_assessment& outage, const compensation_subject& subject,
                                         service_set incident_services) {
    const auto hit = affected_services(subject.services, incident_services);
    std::vector<compensation_row> rows;
    if (rule == compensation_rule::es_rd899_2009) {
        rows = spanish_rows(params, outage, subject, hit);
    } else {
        rows = ofcom_rows(params, outage, subject, hit, outage.ofcom_grace_end_local);
    }
    for (auto& row : rows) row.payable = row.amount_cents > 0 && row.amount_cents >= params.minimum_cents;
    return rows;
}

std::string format_money(std::int64_t cents, std::string_view currency, std::string_view lang) {
    const bool negative = cents < 0;
    const auto magnitude = negative ? -cents : cents;
    char digits[48];
    std::snprintf(digits, sizeof digits, "%lld%c%02lld", static_cast<long long>(magnitude / 100),
                  spanish(lang) ? ',' : '.', static_cast<long long>(magnitude % 100));
    const std::string symbol = currency == "EUR" ? "€" : currency == "GBP" ? "£" : std::string(currency);
    const std::string sign = negative ? "-" : "";
    if (spanish(lang)) return sign + digits + " " + symbol;
    if (currency == "EUR" || currency == "GBP") return sign + symbol + digits;
    return sign + digits + " " + symbol;
}

std::string describe_compensation(const std::vector<compensation_row>& rows, std::string_view lang) {
    std::map<std::string, std::int64_t> totals;
    for (const auto& row : rows)
        if (row.payable) totals[std::string(compensation_currency(row.rule))] += row.amount_cents;
    if (totals.empty()) return {};
    std::string amounts;
    std::size_t i = 0;
    for (const auto& [currency, cents] : totals) {
        if (i > 0) amounts += i + 1 == totals.size() ? (spanish(lang) ? " y " : " and ") : ", ";
        amounts += format_money(cents, currency, lang);
        ++i;
    }
    if (spanish(lang)) return "Le abonaremos " + amounts + " en su próxima factura como compensación.";
    return "We will credit " + amounts + " to your next bill as compensation.";
}

}  // namespace outagedesk::domain
