// Worked examples of the compensation rules: each row of a table is one
// outage, one customer and the amount the rule owes, checked to the cent.
#include "outagedesk/domain/compensation.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>

using namespace outagedesk::domain;

namespace {

time_zone system_zone(const std::string& name) {
    std::ifstream in("/usr/share/zoneinfo/" + name, std::ios::binary);
    REQUIRE(in);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return time_zone::from_tzif(name, bytes);
}

std::chrono::sys_seconds at(std::string_view text) {
    auto t = parse_rfc3339(text);
    REQUIRE(t);
    return *t;
}

compensation_subject subject(service_set services, std::int64_t fee, std::int64_t bill) {
    return {"C1", services, fee, bill};
}

struct worked_example {
    const char* name;
    const char* from;  // local offsets spelled out, so the example reads in local time
    const char* to;
    service_set services;
    std::int64_t monthly_fee_cents;
    std::int64_t avg_bill_3m_cents;
    const char* service;
    std::int64_t amount_cents;
    bool payable;
};

const compensation_row& only_row(const std::vector<compensation_row>& rows, const std::string& service) {
    for (const auto& row : rows)
        if (row.service == service) return row;
    FAIL("no row for " << service);
    return rows.front();
}

}  // namespace

TEST_CASE("RD 899/2009 worked examples give the documented amounts in cents", "[compensation]") {
    const auto madrid = system_zone("Europe/Madrid");
    const compensation_parameters params;  // 720 h basis, 1 EUR minimum, 5 x fee, 50 % bundle split
    // Madrid is UTC+1 in November: 09:00+01:00 is 09:00 local.
    const worked_example table[] = {
        // short telephony outage: 2 h; bill 45.00 prorated = 12.5 -> 13, 5 x 30.00 prorated = 41.67 -> 42; under 1 EUR
        {"short telephony outage, below the minimum", "2026-11-24T10:00:00+01:00", "2026-11-24T12:00:00+01:00",
         {service::fixed_voice}, 3000, 4500, "telephony", 42, false},
        // long telephony outage: 48 h; bill prorated 3.00, 5 x fee prorated 10.00
        {"long telephony outage, five times the fee wins", "2026-11-24T10:00:00+01:00", "2026-11-26T10:00:00+01:00",
         {service::mobile_voice}, 3000, 4500, "telephony", 1000, true},
        // 24 h; bill 400.00 prorated 13.33, 5 x 20.00 prorated 3.33
        {"long telephony outage, the average bill wins", "2026-11-24T10:00:00+01:00", "2026-11-25T10:00:00+01:00",
         {service::fixed_voice}, 2000, 40000, "telephony", 1333, true},
        // exact half cent rounds up: 45.00 x 2 h / 720 h = 12.5 cents
        {"a half cent rounds up", "2026-11-24T10:00:00+01:00", "2026-11-24T12:00:00+01:00", {service::fixed_voice}, 0,
         4500, "telephony", 13, false},
        // internet inside 08-22: 8 h daytime > 6 h; 90.00 x 8 h / 720 h = 1.00, exactly the minimum
        {"internet outage inside 08-22, exactly the minimum", "2026-11-24T09:00:00+01:00", "2026-11-24T17:00:00+01:00",
         {service::broadband}, 9000, 0, "internet_access", 100, true},
        // internet outside 08-22: 22:00 to 07:00, 9 h long but no daytime hours
        {"internet outage outside 08-22 is not due", "2026-11-24T22:00:00+01:00", "2026-11-25T07:00:00+01:00",
         {service::broadband}, 9000, 0, "internet_access", 0, false},
        // 8 h long but only 19:00-22:00 in the window
        {"internet outage mostly at night is not due", "2026-11-24T19:00:00+01:00", "2026-11-25T03:00:00+01:00",
         {service::mobile_data}, 9000, 0, "internet_access", 0, false},
        // 20:00-12:00: 2 h + 4 h = exactly 6 h, which does not exceed 6 h
        {"exactly six daytime hours over two days is not due", "2026-11-24T20:00:00+01:00", "2026-11-25T12:00:00+01:00",
         {service::broadband}, 9000, 0, "internet_access", 0, false},
        // 20:00-12:01: 6 h 01 m of daytime; 90.00 x 16h01m / 720 h = 2.0025 -> 2.00
        {"six daytime hours and a minute is due", "2026-11-24T20:00:00+01:00", "2026-11-25T12:01:00+01:00",
         {service::broadband}, 9000, 0, "internet_access", 200, true},
        // long internet outage: 24 h, 14 h daytime; 36.00 prorated = 1.20
        {"long internet outage", "2026-11-24T10:00:00+01:00", "2026-11-25T10:00:00+01:00", {service::broadband}, 3600, 0,
         "internet_access", 120, true},
        // summer time: Madrid is UTC+2; 10:00-18:00 local is 8 h of daytime
        {"daytime is counted in local summer time", "2026-07-01T08:00:00Z", "2026-07-01T16:00:00Z", {service::broadband},
         9000, 0, "internet_access", 100, true},
    };
    for (const auto& example : table) {
        SECTION(example.name) {
            const auto outage = assess_outage(at(example.from), at(example.to), madrid, params);
            const auto rows = compensate(compensation_rule::es_rd899_2009, params, outage,
                                         subject(example.services, example.monthly_fee_cents, example.avg_bill_3m_cents),
                                         {});
            REQUIRE(rows.size() == 1);
            const auto& row = only_row(rows, example.service);
            CHECK(row.amount_cents == example.amount_cents);
            CHECK(row.payable == example.payable);
            CHECK(row.customer_id == "C1");
            CHECK(row.rule == compensation_rule::es_rd899_2009);
            CHECK(row.duration_seconds == (at(example.to) - at(example.from)).count());
            CHECK_FALSE(row.explanation.empty());
        }
    }
}

TEST_CASE("RD 899/2009 splits a bundle's fee between telephony and internet access", "[compensation]") {
    const auto madrid = system_zone("Europe/Madrid");
    compensation_parameters params;
    const auto outage = assess_outage(at("2026-11-24T10:00:00+01:00"), at("2026-11-25T10:00:00+01:00"), madrid, params);
    CHECK(outage.daytime_seconds == 14 * 3600);
    const auto rows = compensate(compensation_rule::es_rd899_2009, params, outage,
                                 subject({service::fixed_voice, service::broadband}, 5000, 6000), {});
    REQUIRE(rows.size() == 2);
    // telephony: bill 60.00 x 50 % prorated 1.00; 5 x 50.00 x 50 % prorated 4.17
    CHECK(only_row(rows, "telephony").amount_cents == 417);
    CHECK(only_row(rows, "telephony").payable);
    // internet: 50.00 x 50 % prorated 0.83, under the minimum
    CHECK(only_row(rows, "internet_access").amount_cents == 83);
    CHECK_FALSE(only_row(rows, "internet_access").payable);
    CHECK(only_row(rows, "telephony").explanation.find("50% bundle share") != std::string::npos);

    SECTION("the split is a parameter") {
        params.telephony_share_percent = 80;
        const auto split = compensate(compensation_rule::es_rd899_2009, params, outage,
                                      subject({service::fixed_voice, service::broadband}, 5000, 6000), {});
        CHECK(only_row(split, "telephony").amount_cents == 667);       // 5 x 50.00 x 80 % / 30
        CHECK(only_row(split, "internet_access").amount_cents == 33);  // 50.00 x 20 % / 30
    }
    SECTION("only the services the incident hit are compensated") {
        const auto voice_only = compensate(compensation_rule::es_rd899_2009, params, outage,
                                           subject({service::fixed_voice, service::broadband}, 5000, 6000),
                                           {service::fixed_voice});
        REQUIRE(voice_only.size() == 1);
        CHECK(voice_only.front().service == "telephony");
        CHECK(voice_only.front().amount_cents == 417);  // still the bundle's share
        CHECK(compensate(compensation_rule::es_rd899_2009, params, outage, subject({service::tv}, 5000, 6000), {}).empty());
    }
}

TEST_CASE("RD 899/2009 prorates by the billing month when configured", "[compensation]") {
    const auto madrid = system_zone("Europe/Madrid");
    compensation_parameters params;
    params.basis = proration_basis::billing_month;
    // February 2026 has 28 days = 672 h; 48 h of 5 x 30.00 = 10.71
    const auto outage = assess_outage(at("2026-02-10T10:00:00+01:00"), at("2026-02-12T10:00:00+01:00"), madrid, params);
    CHECK(outage.basis_seconds == 28 * 86400);
    const auto rows = compensate(compensation_rule::es_rd899_2009, params, outage, subject({service::mobile_voice}, 3000, 0), {});
    REQUIRE(rows.size() == 1);
    CHECK(rows.front().amount_cents == 1071);
}

TEST_CASE("the minimum decides payable, and a zero minimum still leaves zero rows unpaid", "[compensation]") {
    const auto madrid = system_zone("Europe/Madrid");
    compensation_parameters params;
    params.minimum_cents = 42;
    const auto outage = assess_outage(at("2026-11-24T10:00:00+01:00"), at("2026-11-24T12:00:00+01:00"), madrid, params);
    auto rows = compensate(compensation_rule::es_rd899_2009, params, outage, subject({service::fixed_voice}, 3000, 4500), {});
    CHECK(rows.front().amount_cents == 42);
    CHECK(rows.front().payable);
    params.minimum_cents = 43;
    rows = compensate(compensation_rule::es_rd899_2009, params, outage, subject({service::fixed_voice}, 3000, 4500), {});
    CHECK_FALSE(rows.front().payable);
    params.minimum_cents = 0;
    rows = compensate(compensation_rule::es_rd899_2009, params, outage, subject({service::broadband}, 3000, 0), {});
    CHECK(rows.front().amount_cents == 0);
    CHECK_FALSE(rows.front().payable);
}

TEST_CASE("Ofcom automatic compensation counts calendar days after two full working days", "[compensation]") {
    const auto london = system_zone("Europe/London");
    const compensation_parameters params;  // 1034 pence a day
    struct ofcom_example {
        const char* name;
        const char* from;
        const char* to;
        const char* grace_end;
        std::int64_t days;
    };
    // 2026-11-23 is a Monday; London is on GMT (UTC) in November.
    const ofcom_example table[] = {
        // full working days Tue 24 and Wed 25: the clock starts Thu 26 00:00
        {"repaired within two working days", "2026-11-23T10:00:00Z", "2026-11-25T15:00:00Z", "2026-11-26T00:00:00Z", 0},
        {"repaired at the end of the grace period", "2026-11-23T10:00:00Z", "2026-11-26T00:00:00Z", "2026-11-26T00:00:00Z", 0},
        {"one day late", "2026-11-23T10:00:00Z", "2026-11-26T09:00:00Z", "2026-11-26T00:00:00Z", 1},
        {"a long outage", "2026-11-23T10:00:00Z", "2026-12-03T10:00:00Z", "2026-11-26T00:00:00Z", 8},
        // Friday fault: the weekend is not working days; Mon 30 and Tue 1 are, so Wed 2 and Thu 3 count
        {"a Friday fault waits out the weekend", "2026-11-27T10:00:00Z", "2026-12-03T12:00:00Z", "2026-12-02T00:00:00Z", 2},
        {"a Saturday fault has the same grace period", "2026-11-28T10:00:00Z", "2026-12-03T12:00:00Z", "2026-12-02T00:00:00Z", 2},
        // Wednesday fault: Thu 26 and Fri 27 are the grace days, then Sat, Sun and Mon all count
        {"weekend days after the grace period count", "2026-11-25T10:00:00Z", "2026-11-30T08:00:00Z", "2026-11-28T00:00:00Z", 3},
        // a fault at midnight makes that day a full working day
        {"a fault at midnight starts a full day", "2026-11-23T00:00:00Z", "2026-11-25T00:00:01Z", "2026-11-25T00:00:00Z", 1},
    };
    for (const auto& example : table) {
        SECTION(example.name) {
            const auto outage = assess_outage(at(example.from), at(example.to), london, params);
            CHECK(format_rfc3339_utc(outage.ofcom_grace_end) == example.grace_end);
            CHECK(outage.ofcom_days == example.days);
            const auto rows = compensate(compensation_rule::uk_ofcom_acs, params, outage,
                                         subject({service::fixed_voice, service::broadband, service::mobile_voice}, 4000, 5000), {});
            REQUIRE(rows.size() == 2);  // landline and broadband; mobile is not in the scheme
            CHECK(only_row(rows, "fixed_voice").amount_cents == example.days * 1034);
            CHECK(only_row(rows, "broadband").amount_cents == example.days * 1034);
            CHECK(only_row(rows, "broadband").payable == (example.days > 0));
            CHECK(only_row(rows, "fixed_voice").rule == compensation_rule::uk_ofcom_acs);
        }
    }
}

TEST_CASE("Ofcom's daily amount is a parameter and mobile-only customers get nothing", "[compensation]") {
    const auto london = system_zone("Europe/London");
    compensation_parameters params;
    params.ofcom_daily_cents = 1000;
    const auto outage = assess_outage(at("2026-11-23T10:00:00Z"), at("2026-11-27T10:00:00Z"), london, params);
    auto rows = compensate(compensation_rule::uk_ofcom_acs, params, outage, subject({service::broadband}, 0, 0), {});
    REQUIRE(rows.size() == 1);
    CHECK(rows.front().amount_cents == 2000);
    CHECK(rows.front().explanation.find("2 calendar day(s) x £10.00 = £20.00") != std::string::npos);
    CHECK(compensate(compensation_rule::uk_ofcom_acs, params, outage, subject({service::mobile_data}, 0, 0), {}).empty());
}

TEST_CASE("the compensation sentence sums what is payable in the customer's language", "[compensation]") {
    std::vector<compensation_row> rows(3);
    rows[0].amount_cents = 1000;
    rows[0].payable = true;
    rows[1].amount_cents = 234;
    rows[1].payable = true;
    rows[2].amount_cents = 50;  // under the minimum: not promised
    CHECK(describe_compensation(rows, "es") == "Le abonaremos 12,34 € en su próxima factura como compensación.");
    CHECK(describe_compensation(rows, "en") == "We will credit €12.34 to your next bill as compensation.");
    rows[0].rule = compensation_rule::uk_ofcom_acs;
    CHECK(describe_compensation(rows, "en-GB") == "We will credit €2.34 and £10.00 to your next bill as compensation.");
    CHECK(describe_compensation({}, "es").empty());
    CHECK(format_money(5, "GBP", "en") == "£0.05");
    CHECK(format_money(123456, "EUR", "es") == "1234,56 €");
}

TEST_CASE("rule names parse and print", "[compensation]") {
    CHECK(parse_compensation_rule("es_rd899_2009") == compensation_rule::es_rd899_2009);
    CHECK(parse_compensation_rule("uk_ofcom_acs") == compensation_rule::uk_ofcom_acs);
    CHECK_FALSE(parse_compensation_rule("uk_ofcom"));
    CHECK(compensation_rule_name(compensation_rule::uk_ofcom_acs) == "uk_ofcom_acs");
}
