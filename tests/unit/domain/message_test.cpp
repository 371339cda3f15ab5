#include "outagedesk/domain/message.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "outagedesk/domain/errors.hpp"

using namespace std::chrono_literals;
using outagedesk::domain::channel;
using outagedesk::domain::invalid_input;
using outagedesk::domain::message_set;
using outagedesk::domain::parse_rfc3339;
using outagedesk::domain::render;
using outagedesk::domain::render_values;
using outagedesk::domain::time_zone;

namespace {

const time_zone& madrid() {
    static const time_zone zone = [] {
        std::ifstream in("/usr/share/zoneinfo/Europe/Madrid", std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return time_zone::from_tzif("Europe/Madrid", bytes);
    }();
    return zone;
}

std::chrono::sys_seconds at(std::string_view rfc3339) {
    const auto t = parse_rfc3339(rfc3339);
    REQUIRE(t);
    return *t;
}

render_values sample_values() {
    render_values v;
    v.ref = "INC-42";
    v.title = "Fibre cut in Chamartín";
    v.status = "identified";
    v.eta = at("2026-11-25T17:30:00Z");
    v.areas = {"28001", "280*", "28100..28199"};
    v.compensation = "3,50 €";
    return v;
}

// Asserts that `call` throws invalid_input for `field` with `message` in it.
template <class F>
void check_rejected(F&& call, const std::string& field, const std::string& message) {
    try {
        call();
        FAIL("no invalid_input thrown");
    } catch (const invalid_input& e) {
        CHECK(e.field() == field);
        CHECK_THAT(e.what(), Catch::Matchers::Contains(message));
    }
}

}  // namespace

TEST_CASE("channel names round-trip for every channel") {
    std::set<std::string_view> names;
    for (const channel c : outagedesk::domain::all_channels()) {
        const auto name = outagedesk::domain::channel_name(c);
        names.insert(name);
        CHECK(outagedesk::domain::parse_channel(name) == c);
    }
    CHECK(names == std::set<std::string_view>{"agent_script", "ivr", "sms", "email", "status_page", "social"});
    CHECK_FALSE(outagedesk::domain::parse_channel("IVR"));
    CHECK_FALSE(outagedesk::domain::parse_channel("voice"));
}

TEST_CASE("every placeholder renders in spanish and english") {
    const auto now = at("2026-11-25T10:00:00Z");
    const std::string text = "{{ref}} | {{title}} | {{status}} | {{eta}} | {{areas}} | {{compensation}}";
    CHECK(render(text, sample_values(), madrid(), "es", now) ==
          "INC-42 | Fibre cut in Chamartín | causa identificada | hoy a las 18:30 | "
          "28001, 280* y 28100..28199 | 3,50 €");
    CHECK(render(text, sample_values(), madrid(), "en", now) ==
          "INC-42 | Fibre cut in Chamartín | cause identified | today at 18:30 | "
          "28001, 280* and 28100..28199 | 3,50 €");
}

TEST_CASE("placeholders may carry spaces inside the braces and repeat") {
    const auto now = at("2026-11-25T10:00:00Z");
    CHECK(render("{{ ref }}/{{\tref}}/{{ref  }}", sample_values(), madrid(), "es", now) == "INC-42/INC-42/INC-42");
}

TEST_CASE("status renders in the language's wording") {
    struct row {
        const char* status;
        const char* es;
        const char* en;
    };
    const auto rows = {
        row{"investigating", "en investigación", "under investigation"},
        row{"identified", "causa identificada", "cause identified"},
        row{"monitoring", "en observación", "being monitored"},
        row{"resolved", "resuelta", "resolved"},
        row{"something_new", "something_new", "something_new"},
    };
    const auto now = at("2026-11-25T10:00:00Z");
    for (const auto& r : rows) {
        INFO(r.status);
        render_values v;
        v.status = r.status;
        CHECK(render("{{status}}", v, madrid(), "es", now) == r.es);
        CHECK(render("{{status}}", v, madrid(), "en", now) == r.en);
    }
}

TEST_CASE("eta reads as today, tomorrow or a date in the zone's local time") {
    struct row {
        const char* now;
        const char* eta;
        const char* es;
        const char* en;
    };
    const auto rows = {
        row{"2026-11-25T10:00:00Z", "2026-11-25T17:30:00Z", "hoy a las 18:30", "today at 18:30"},
        row{"2026-11-25T10:00:00Z", "2026-11-26T08:00:00Z", "mañana a las 09:00", "tomorrow at 09:00"},
        row{"2026-11-25T10:00:00Z", "2026-11-27T17:30:00Z", "el 27 de noviembre a las 18:30",
            "on 27 November at 18:30"},
        // 23:30 UTC is already the next day in Madrid.
        row{"2026-11-25T10:00:00Z", "2026-11-25T23:30:00Z", "mañana a las 00:30", "tomorrow at 00:30"},
        // ...and so is "now": an ETA on the next UTC day is still today.
        row{"2026-11-25T23:30:00Z", "2026-11-26T17:30:00Z", "hoy a las 18:30", "today at 18:30"},
        row{"2026-11-25T22:59:59Z", "2026-11-26T17:30:00Z", "mañana a las 18:30", "tomorrow at 18:30"},
        // Across the autumn switch (25 October 2026): CEST now, CET at the ETA.
        row{"2026-10-24T20:00:00Z", "2026-10-25T08:30:00Z", "mañana a las 09:30", "tomorrow at 09:30"},
        row{"2026-10-25T00:30:00Z", "2026-10-25T02:30:00Z", "hoy a las 03:30", "today at 03:30"},
        // Across the spring switch (29 March 2026): CET now, CEST at the ETA.
        row{"2026-03-28T22:30:00Z", "2026-03-29T16:30:00Z", "mañana a las 18:30", "tomorrow at 18:30"},
        row{"2026-03-28T23:30:00Z", "2026-03-29T01:00:00Z", "hoy a las 03:00", "today at 03:00"},
        // Spanish says "a la una".
        row{"2026-11-25T10:00:00Z", "2026-11-26T00:15:00Z", "mañana a la 01:15", "tomorrow at 01:15"},
        row{"2026-11-25T10:00:00Z", "2026-11-25T12:05:00Z", "hoy a las 13:05", "today at 13:05"},
        // A date crosses a month and a year without needing the year...
        row{"2026-12-30T10:00:00Z", "2027-01-02T10:00:00Z", "el 2 de enero a las 11:00", "on 2 January at 11:00"},
        // ...which only a date more than half a year away carries.
        row{"2026-11-25T10:00:00Z", "2027-08-01T10:00:00Z", "el 1 de agosto de 2027 a las 12:00",
            "on 1 August 2027 at 12:00"},
        // An ETA already past still names its date.
        row{"2026-11-25T10:00:00Z", "2026-11-24T17:30:00Z", "el 24 de noviembre a las 18:30",
            "on 24 November at 18:30"},
    };
    for (const auto& r : rows) {
        INFO("now " << r.now << ", eta " << r.eta);
        render_values v;
        v.eta = at(r.eta);
        CHECK(render("{{eta}}", v, madrid(), "es", at(r.now)) == r.es);
        CHECK(render("{{eta}}", v, madrid(), "en", at(r.now)) == r.en);
    }
}

TEST_CASE("a missing eta says there is no estimate yet") {
    const auto now = at("2026-11-25T10:00:00Z");
    const render_values v;
    CHECK(render("{{eta}}", v, madrid(), "es", now) == "sin hora estimada todavía");
    CHECK(render("{{eta}}", v, madrid(), "en", now) == "no estimate yet");
}

TEST_CASE("eta follows the zone it is given") {
    const auto now = at("2026-11-25T10:00:00Z");
    render_values v;
    v.eta = at("2026-11-25T23:30:00Z");
    CHECK(render("{{eta}}", v, time_zone::utc(), "en", now) == "today at 23:30");
    CHECK(render("{{eta}}", v, madrid(), "en", now) == "tomorrow at 00:30");
}

TEST_CASE("areas join with commas and a final conjunction") {
    struct row {
        std::vector<std::string> areas;
        const char* es;
        const char* en;
    };
    const auto rows = {
        row{{}, "", ""},
        row{{"28001"}, "28001", "28001"},
        row{{"28001", "46*"}, "28001 y 46*", "28001 and 46*"},
        row{{"28001", "46*", "08*", "*"}, "28001, 46*, 08* y *", "28001, 46*, 08* and *"},
    };
    const auto now = at("2026-11-25T10:00:00Z");
    for (const auto& r : rows) {
        render_values v;
        v.areas = r.areas;
        CHECK(render("{{areas}}", v, madrid(), "es", now) == r.es);
        CHECK(render("{{areas}}", v, madrid(), "en", now) == r.en);
    }
}

TEST_CASE("languages other than spanish use english wording") {
    const auto now = at("2026-11-25T10:00:00Z");
    const std::string text = "{{status}}, {{eta}}, {{areas}}";
    const std::string english = "cause identified, today at 18:30, 28001, 280* and 28100..28199";
    const std::string spanish = "causa identificada, hoy a las 18:30, 28001, 280* y 28100..28199";
    CHECK(render(text, sample_values(), madrid(), "fr", now) == english);
    CHECK(render(text, sample_values(), madrid(), "", now) == english);
    CHECK(render(text, sample_values(), madrid(), "en-GB", now) == english);
    CHECK(render(text, sample_values(), madrid(), "es-ES", now) == spanish);
    CHECK(render(text, sample_values(), madrid(), "ES", now) == spanish);
}

TEST_CASE("rendering copies unknown and unclosed placeholders instead of failing") {
    const auto now = at("2026-11-25T10:00:00Z");
    CHECK(render("{{foo}} {{ref}}", sample_values(), madrid(), "en", now) == "{{foo}} INC-42");
    CHECK(render("{{ref}} then {{eta", sample_values(), madrid(), "en", now) == "INC-42 then {{eta");
    CHECK(render("{single} }} {", sample_values(), madrid(), "en", now) == "{single} }} {");
    CHECK(render("", sample_values(), madrid(), "en", now).empty());
}

TEST_CASE("valid templates pass validation") {
    for (const char* text : {"", "plain text", "{{ref}}", "{{ eta }} and {{areas}}", "{single}", "}} stray",
                             "{{status}}{{compensation}}{{title}}"}) {
        INFO(text);
        CHECK_NOTHROW(outagedesk::domain::validate_template(text, "messages.es.sms"));
    }
}

TEST_CASE("an unknown placeholder is rejected with the field name and the known list") {
    const std::string known = "; known: ref, title, eta, status, areas, compensation";
    check_rejected([] { outagedesk::domain::validate_template("Hola {{foo}}", "messages.es.sms"); },
                   "messages.es.sms", "unknown placeholder {{foo}}" + known);
    check_rejected([] { outagedesk::domain::validate_template("{{ Eta }}", "f"); }, "f",
                   "unknown placeholder {{Eta}}");
    check_rejected([] { outagedesk::domain::validate_template("{{}}", "f"); }, "f", "unknown placeholder {{}}");
}

TEST_CASE("an unclosed placeholder is rejected with the field name and its position") {
    check_rejected([] { outagedesk::domain::validate_template("ETA: {{eta", "messages.en.ivr"); },
                   "messages.en.ivr", "unclosed {{ at character 6");
    check_rejected([] { outagedesk::domain::validate_template("{{ref}} ñ {{", "f"); }, "f",
                   "unclosed {{ at character 11");
}

TEST_CASE("message sets are validated per language and channel") {
    message_set good{{"es", {{channel::ivr, "{{status}}"}, {channel::sms, "{{eta}}"}}},
                     {"en-GB", {{channel::email, "{{ref}}"}}},
                     {"ast", {}},
                     {"es-419", {{channel::social, "hola"}}}};
    CHECK_NOTHROW(outagedesk::domain::validate_messages(good));

    message_set bad_text = good;
    bad_text["es"][channel::ivr] = "{{nope}}";
    check_rejected([&] { outagedesk::domain::validate_messages(bad_text); }, "messages.es.ivr",
                   "unknown placeholder {{nope}}");
    check_rejected([&] { outagedesk::domain::validate_messages(bad_text, "update.messages"); },
                   "update.messages.es.ivr", "unknown placeholder");

    message_set unclosed{{"en", {{channel::status_page, "{{ref"}}}};
    check_rejected([&] { outagedesk::domain::validate_messages(unclosed); }, "messages.en.status_page",
                   "unclosed {{");

    for (const char* lang : {"ES", "e", "spanish", "es-es", "es_ES", "es-", "es-GBR", "", "es-ES-x"}) {
        INFO(lang);
        message_set bad_lang{{lang, {{channel::sms, "hola"}}}};
        check_rejected([&] { outagedesk::domain::validate_messages(bad_lang); },
                       std::string("messages.") + lang, "language code");
    }
}

TEST_CASE("pick_text falls back from the language to the default to any language") {
    const message_set messages{
        {"ca", {{channel::ivr, "ca ivr"}, {channel::social, "ca social"}}},
        {"en", {{channel::ivr, "en ivr"}, {channel::sms, "en sms"}, {channel::email, ""}}},
        {"es", {{channel::ivr, "es ivr"}, {channel::email, "es email"}}},
    };
    struct row {
        const char* lang;
        channel c;
        const char* default_lang;
        const char* expected;
    };
    const auto rows = {
        row{"en", channel::ivr, "es", "en ivr"},
        row{"es", channel::ivr, "en", "es ivr"},
        row{"es-MX", channel::ivr, "en", "es ivr"},
        row{"fr", channel::ivr, "es", "es ivr"},
        row{"es", channel::sms, "en", "en sms"},
        row{"en", channel::email, "es", "es email"},  // empty counts as missing
        row{"en", channel::social, "es", "ca social"},
        row{"fr", channel::social, "de", "ca social"},
        row{"fr", channel::agent_script, "es", ""},
    };
    for (const auto& r : rows) {
        INFO(r.lang << " " << outagedesk::domain::channel_name(r.c));
        CHECK(outagedesk::domain::pick_text(messages, r.lang, r.c, r.default_lang) == r.expected);
    }
    CHECK(outagedesk::domain::pick_text({}, "es", channel::ivr, "es").empty());
}
