#include "outagedesk/domain/contact.hpp"

#include "outagedesk/domain/errors.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>

using namespace outagedesk::domain;

namespace {

contact_fields basic() {
    contact_fields f;
    f.channel = "voice";
    f.reason = "no_service";
    f.postcode = "28 001";
    return f;
}

std::optional<std::string> field_error(const contact_fields& fields) {
    try {
        make_contact(fields, "34", "ana");
    } catch (const invalid_input& e) {
        return e.field();
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("a contact is validated and normalised") {
    auto f = basic();
    f.phone = "612 000 001";
    f.note = "router lights off";
    auto c = make_contact(f, "34", "ana");
    CHECK(c.channel == contact_channel::voice);
    CHECK(c.reason == contact_reason::no_service);
    CHECK(c.outcome == contact_outcome::handled);  // the default
    CHECK(c.postcode == "28001");
    CHECK(c.phone == "+34612000001");
    CHECK(c.agent == "ana");  // the default agent fills an absent one
    CHECK(c.note == "router lights off");
    CHECK_FALSE(c.ivr);
}

TEST_CASE("every channel, reason and outcome name round-trips") {
    for (auto name : {"voice", "ivr", "chat", "email", "social", "sms", "web"})
        CHECK(contact_channel_name(*parse_contact_channel(name)) == name);
    for (auto name : {"no_service", "degraded", "billing", "sales", "other"})
        CHECK(contact_reason_name(*parse_contact_reason(name)) == name);
    for (auto name : {"handled", "deflected", "escalated", "callback", "transferred"})
        CHECK(contact_outcome_name(*parse_contact_outcome(name)) == name);
    CHECK_FALSE(parse_contact_channel("fax"));
    CHECK_FALSE(parse_contact_reason("No_Service"));
    CHECK_FALSE(parse_contact_outcome(""));
}

TEST_CASE("bad contact fields are named in the error") {
    using mutate = void (*)(contact_fields&);
    const auto [expected, change] = GENERATE(table<std::string, mutate>({
        {"channel", [](contact_fields& f) { f.channel.reset(); }},
        {"channel", [](contact_fields& f) { f.channel = "fax"; }},
        {"reason", [](contact_fields& f) { f.reason = ""; }},
        {"reason", [](contact_fields& f) { f.reason = "angry"; }},
        {"outcome", [](contact_fields& f) { f.outcome = "lost"; }},
        {"postcode", [](contact_fields& f) { f.postcode = "x"; }},
        {"phone", [](contact_fields& f) { f.phone = "call me"; }},
        {"customer_id", [](contact_fields& f) { f.customer_id = "has space"; }},
        {"customer_id", [](contact_fields& f) { f.postcode.reset(); }},  // nobody named
        {"ivr.reason", [](contact_fields& f) { f.has_ivr = true; f.ivr_reason = "bored"; }},
        {"ivr.postcode", [](contact_fields& f) { f.has_ivr = true; f.ivr_postcode = "!"; }},
        {"ivr.announcement_version", [](contact_fields& f) { f.has_ivr = true; f.ivr_announcement_version = -1; }},
    }));
    auto f = basic();
    change(f);
    CHECK(field_error(f) == expected);
}

TEST_CASE("the IVR handoff keeps what the IVR collected, and its postcode identifies the caller") {
    contact_fields f;
    f.channel = "ivr";
    f.reason = "no_service";
    f.outcome = "deflected";
    f.has_ivr = true;
    f.ivr_reason = "degraded";
    f.ivr_postcode = "46 001";
    f.ivr_verified = true;
    f.ivr_announcement_version = 3;
    auto c = make_contact(f, "34", "");
    REQUIRE(c.ivr);
    CHECK(c.ivr->reason == contact_reason::degraded);
    CHECK(c.ivr->postcode == "46001");
    CHECK(c.ivr->verified);
    CHECK(c.ivr->announcement_version == 3);
    CHECK(c.postcode.empty());
    CHECK(stated_postcode(c) == "46001");
    CHECK(c.agent.empty());
}

TEST_CASE("deflections, fault reports and agent handling follow the channel, reason and outcome") {
    // channel, reason, outcome, agent, customer, deflected, fault, handled by agent
    const auto [channel, reason, outcome, agent, customer, deflected, fault, handled] =
        GENERATE(table<contact_channel, contact_reason, contact_outcome, std::string, std::string, bool, bool, bool>({
            {contact_channel::ivr, contact_reason::no_service, contact_outcome::deflected, "", "C1", true, true, false},
            {contact_channel::voice, contact_reason::no_service, contact_outcome::deflected, "ana", "C1", false, true, false},
            {contact_channel::ivr, contact_reason::billing, contact_outcome::transferred, "", "C1", false, false, false},
            {contact_channel::voice, contact_reason::degraded, contact_outcome::handled, "ana", "C1", false, true, true},
            {contact_channel::chat, contact_reason::sales, contact_outcome::escalated, "ana", "C1", false, false, true},
            {contact_channel::voice, contact_reason::other, contact_outcome::callback, "ana", "C1", false, false, true},
            {contact_channel::voice, contact_reason::other, contact_outcome::transferred, "ana", "C1", false, false, false},
            {contact_channel::voice, contact_reason::other, contact_outcome::handled, "", "C1", false, false, false},
            {contact_channel::voice, contact_reason::other, contact_outcome::handled, "ana", "", false, false, false},
        }));
    contact c;
    c.channel = channel;
    c.reason = reason;
    c.outcome = outcome;
    c.agent = agent;
    c.customer_id = customer;
    CHECK(counts_as_deflected(c) == deflected);
    CHECK(reports_fault(c) == fault);
    CHECK(handled_by_agent(c) == handled);
}

TEST_CASE("contact ids are CON- and a number") {
    contact c;
    c.number = 42;
    CHECK(c.id() == "CON-42");
    CHECK(parse_contact_id("CON-42") == 42);
    CHECK_FALSE(parse_contact_id("CON-"));
    CHECK_FALSE(parse_contact_id("CON-4x"));
    CHECK_FALSE(parse_contact_id("INC-4"));
}
