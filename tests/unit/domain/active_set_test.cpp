#include "outagedesk/domain/active_set.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "outagedesk/domain/announcement.hpp"

using namespace outagedesk::domain;
using namespace std::chrono_literals;

namespace {

// Used for constants too, so it must not need a running test.
sys_seconds at(std::string_view rfc3339) { return parse_rfc3339(rfc3339).value(); }

const sys_seconds now = at("2026-03-10T09:00:00Z");

incident make(const std::string& id, severity level, std::vector<std::string> areas, sys_seconds declared_at,
              service_set services = {}, message_set messages = {}) {
    incident_draft draft;
    draft.title = "Incident " + id;
    draft.level = level;
    draft.services = services;
    draft.areas = parse_areas(areas);
    draft.eta = at("2026-03-10T18:00:00Z");
    draft.messages = messages.empty() ? message_set{{"es", {{channel::ivr, "Aviso " + id}}}} : messages;
    return make_incident(draft, id, "ops", declared_at, "es");
}

std::vector<std::string> ids_of(const std::vector<const active_incident*>& items) {
    std::vector<std::string> out;
    for (const auto* item : items) out.push_back(item->data.id);
    return out;
}

active_set snapshot(std::vector<incident> items) { return active_set(std::move(items), time_zone::utc(), now, "es"); }

}  // namespace

TEST_CASE("the active set puts the most severe incidents first, then the earliest declared") {
    const auto set = snapshot({
        make("INC-1", severity::minor, {"28001"}, now - 4h),
        make("INC-2", severity::critical, {"28*"}, now - 1h),
        make("INC-3", severity::major, {"28001"}, now - 3h),
        make("INC-4", severity::critical, {"28000..28099"}, now - 2h),
        make("INC-5", severity::major, {"28001"}, now - 3h),  // ties with INC-3: the id decides
    });
    CHECK(ids_of(set.covering("28001")) == std::vector<std::string>{"INC-4", "INC-2", "INC-3", "INC-5", "INC-1"});
    REQUIRE(set.incidents().size() == 5);
    CHECK(set.incidents()[0].data.id == "INC-4");
    CHECK(ids_of(set.covering("28500")) == std::vector<std::string>{"INC-2"});
}

TEST_CASE("the active set leaves resolved incidents out") {
    auto gone = make("INC-1", severity::critical, {"28001"}, now - 2h);
    resolve(gone, std::nullopt, "", "ops", now);
    const auto set = snapshot({gone, make("INC-2", severity::minor, {"28001"}, now - 1h)});
    CHECK(set.incidents().size() == 1);
    CHECK(ids_of(set.covering("28001")) == std::vector<std::string>{"INC-2"});
    CHECK(set.find("INC-1") == nullptr);
    REQUIRE(set.find("INC-2") != nullptr);
    CHECK(set.find("INC-2")->data.title == "Incident INC-2");
}

TEST_CASE("covering matches the postcode and the caller's services") {
    const auto set = snapshot({
        make("INC-1", severity::major, {"28001"}, now - 3h, {service::broadband}),
        make("INC-2", severity::major, {"28001"}, now - 2h),  // every service
        make("INC-3", severity::major, {"28001"}, now - 1h, {service::mobile_data, service::mobile_voice}),
    });
    CHECK(ids_of(set.covering("28001")) == std::vector<std::string>{"INC-1", "INC-2", "INC-3"});
    CHECK(ids_of(set.covering("28001", {service::mobile_data})) == std::vector<std::string>{"INC-2", "INC-3"});
    CHECK(ids_of(set.covering("28001", {service::tv})) == std::vector<std::string>{"INC-2"});
    CHECK(ids_of(set.covering("28001", {service::broadband, service::tv})) == std::vector<std::string>{"INC-1", "INC-2"});
    CHECK(set.covering("28002").empty());
    CHECK(set.covering("28 001").empty());  // callers normalise first
    CHECK(set.covering("").empty());
}

TEST_CASE("an empty active set covers nothing") {
    const active_set empty;
    CHECK(empty.covering("28001").empty());
    CHECK(empty.incidents().empty());
    CHECK(empty.find("INC-1") == nullptr);
    const auto none = snapshot({});
    CHECK(none.covering("28001").empty());
    CHECK(none.default_language() == "es");
}

TEST_CASE("texts are pre-rendered per language, falling back to the base and the default language") {
    const auto set = snapshot({make("INC-1", severity::major, {"28001"}, now - 1h, {},
                                    {{"es", {{channel::ivr, "Avería {{ref}}: {{eta}}"}, {channel::sms, "SMS {{status}}"}}},
                                     {"en", {{channel::ivr, "Fault {{ref}}: {{eta}}"}}}})});
    const auto& item = set.incidents().at(0);
    CHECK(set.text(item, "es", channel::ivr) == "Avería INC-1: hoy a las 18:00");
    CHECK(set.text(item, "en", channel::ivr) == "Fault INC-1: today at 18:00");
    CHECK(set.text(item, "en-GB", channel::ivr) == "Fault INC-1: today at 18:00");
    CHECK(set.text(item, "fr", channel::ivr) == "Avería INC-1: hoy a las 18:00");
    CHECK(set.text(item, "", channel::ivr) == "Avería INC-1: hoy a las 18:00");
    CHECK(set.text(item, "es", channel::sms) == "SMS en investigación");
    CHECK(set.text(item, "es", channel::email).empty());  // no text in any language
}

TEST_CASE("a fallback text is rendered in the wording of the language it is written in") {
    // Spanish default; the SMS exists only in Spanish and the IVR only in English.
    const auto set = snapshot({make("INC-1", severity::major, {"28001"}, now - 1h, {},
                                    {{"es", {{channel::sms, "Reparación {{eta}}"}}},
                                     {"en", {{channel::ivr, "Fix {{eta}}"}}}})});
    const auto& item = set.incidents().at(0);
    CHECK(set.text(item, "en", channel::ivr) == "Fix today at 18:00");
    CHECK(set.text(item, "es", channel::sms) == "Reparación hoy a las 18:00");
    // Falling back must not mix languages within one sentence.
    CHECK(set.text(item, "en", channel::sms) == "Reparación hoy a las 18:00");
    CHECK(set.text(item, "es", channel::ivr) == "Fix today at 18:00");
}

TEST_CASE("announce joins the IVR texts of the covering incidents, most severe first") {
    const auto set = snapshot({
        make("INC-1", severity::minor, {"28001"}, now - 2h, {}, {{"es", {{channel::ivr, "Lento."}}}}),
        make("INC-2", severity::critical, {"28*"}, now - 1h, {service::mobile_data},
             {{"es", {{channel::ivr, "Caída {{ref}}."}}}, {"en", {{channel::ivr, "Outage {{ref}}."}}}}),
        make("INC-3", severity::major, {"28001"}, now - 3h, {}, {{"es", {{channel::agent_script, "Solo guion."}}}}),
    });

    const auto both = announce(set, "28001", "es", {});
    CHECK(both.postcode == "28001");
    CHECK(both.language == "es");
    CHECK(both.active);
    REQUIRE(both.incidents.size() == 3);
    CHECK(both.incidents[0].id == "INC-2");
    CHECK(both.incidents[0].level == severity::critical);
    CHECK(both.incidents[0].ivr == "Caída INC-2.");
    CHECK(both.incidents[1].id == "INC-3");
    CHECK(both.incidents[1].ivr.empty());
    CHECK(both.incidents[2].id == "INC-1");
    // An incident with nothing to say adds no empty paragraph.
    CHECK(both.text == "Caída INC-2.\n\nLento.");
    CHECK(both.version == 1);

    CHECK(announce(set, "28001", "en", {}).text == "Outage INC-2.\n\nLento.");
    const auto data_only = announce(set, "28001", "es", {service::mobile_data});
    CHECK(data_only.text == "Caída INC-2.\n\nLento.");
    const auto tv = announce(set, "28001", "es", {service::tv});
    REQUIRE(tv.incidents.size() == 2);
    CHECK(tv.text == "Lento.");
}

TEST_CASE("announce takes the highest version among the incidents it plays") {
    auto older = make("INC-1", severity::major, {"28001"}, now - 2h);
    incident_patch patch;
    patch.note = "update";
    apply_patch(older, patch, "ops", now - 1h);
    apply_patch(older, patch, "ops", now - 30min);
    const auto set = snapshot({older, make("INC-2", severity::critical, {"28001"}, now - 1h)});
    const auto a = announce(set, "28001", "es", {});
    CHECK(a.version == 3);
    CHECK(a.incidents[0].version == 1);
    CHECK(a.incidents[1].version == 3);
}

TEST_CASE("announce for a postcode nothing covers is inactive and silent") {
    const auto set = snapshot({make("INC-1", severity::critical, {"28*"}, now - 1h)});
    const auto quiet = announce(set, "08001", "es", {});
    CHECK(quiet.postcode == "08001");
    CHECK_FALSE(quiet.active);
    CHECK(quiet.version == 0);
    CHECK(quiet.text.empty());
    CHECK(quiet.incidents.empty());
}
