#include "outagedesk/domain/incident.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "outagedesk/domain/errors.hpp"

using namespace outagedesk::domain;
using namespace std::chrono_literals;

namespace {

// Used for constants too, so it must not need a running test.
sys_seconds at(std::string_view rfc3339) { return parse_rfc3339(rfc3339).value(); }

const sys_seconds declared = at("2026-03-10T09:00:00Z");

incident_draft complete_draft() {
    incident_draft draft;
    draft.title = "Fibre cut";
    draft.level = severity::critical;
    draft.services = service_set{service::broadband};
    draft.areas = parse_areas({"28001", "280*"});
    draft.eta = at("2026-03-10T18:00:00Z");
    draft.messages["es"][channel::ivr] = "Avería: {{eta}}";
    return draft;
}

incident declared_incident() { return make_incident(complete_draft(), "INC-7", "ops-ana", declared, "es"); }

// The field of the invalid_input that `action` throws, or nullopt.
template <class Action>
std::optional<std::string> refusal(Action action) {
    try {
        action();
    } catch (const invalid_input& e) {
        return e.field();
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("make_incident builds version 1 with one timeline entry by the actor") {
    const auto made = declared_incident();
    CHECK(made.id == "INC-7");
    CHECK(made.title == "Fibre cut");
    CHECK(made.level == severity::critical);
    CHECK(made.status == incident_status::investigating);
    CHECK(made.services == service_set{service::broadband});
    CHECK(made.area_texts() == std::vector<std::string>{"28001", "280*"});
    CHECK(made.started_at == declared);
    CHECK(made.declared_at == declared);
    CHECK(made.updated_at == declared);
    CHECK(made.eta == at("2026-03-10T18:00:00Z"));
    CHECK_FALSE(made.resolved_at);
    CHECK(made.version == 1);
    CHECK(made.active());
    REQUIRE(made.timeline.size() == 1);
    CHECK(made.timeline[0].actor == "ops-ana");
    CHECK(made.timeline[0].at == declared);
    CHECK(made.timeline[0].status == incident_status::investigating);
    CHECK(made.timeline[0].note == "declared");
    CHECK(made.timeline[0].version == 1);
}

TEST_CASE("make_incident keeps a given start, status and note and defaults the rest") {
    auto draft = complete_draft();
    draft.level.reset();
    draft.services.reset();
    draft.started_at = declared - 2h;
    draft.status = incident_status::identified;
    draft.note = "seen by NOC at 07:00";
    const auto made = make_incident(draft, "INC-8", "ops-ana", declared, "es");
    CHECK(made.level == severity::major);
    CHECK(made.services.empty());
    CHECK(made.started_at == declared - 2h);
    CHECK(made.declared_at == declared);
    CHECK(made.status == incident_status::identified);
    CHECK(made.timeline[0].note == "seen by NOC at 07:00");
}

TEST_CASE("make_incident refuses a draft that is missing what every channel needs") {
    auto no_title = complete_draft();
    no_title.title.reset();
    auto empty_title = complete_draft();
    empty_title.title = "";
    auto no_areas = complete_draft();
    no_areas.areas.reset();
    auto empty_areas = complete_draft();
    empty_areas.areas = std::vector<area_expression>{};
    auto no_messages = complete_draft();
    no_messages.messages.clear();
    auto blank_messages = complete_draft();
    blank_messages.messages["es"][channel::ivr] = "";
    auto resolved = complete_draft();
    resolved.status = incident_status::resolved;
    auto future = complete_draft();
    future.started_at = declared + 1min;

    const auto field_of = [](const incident_draft& draft) {
        return refusal([&] { make_incident(draft, "INC-1", "ops", declared, "es"); });
    };
    CHECK(field_of(no_title) == "title");
    CHECK(field_of(empty_title) == "title");
    CHECK(field_of(no_areas) == "areas");
    CHECK(field_of(empty_areas) == "areas");
    CHECK(field_of(no_messages) == "messages");
    CHECK(field_of(blank_messages) == "messages");
    CHECK(field_of(resolved) == "status");
    CHECK(field_of(future) == "started_at");
}

TEST_CASE("apply_patch changes what it names, bumps the version and records who did it") {
    auto item = declared_incident();
    incident_patch patch;
    patch.status = incident_status::identified;
    patch.level = severity::major;
    patch.areas = parse_areas({"28001", "28002"});
    patch.note = "cause found";
    apply_patch(item, patch, "ops-luis", declared + 10min);

    CHECK(item.version == 2);
    CHECK(item.status == incident_status::identified);
    CHECK(item.level == severity::major);
    CHECK(item.area_texts() == std::vector<std::string>{"28001", "28002"});
    CHECK(item.title == "Fibre cut");  // untouched
    CHECK(item.eta == at("2026-03-10T18:00:00Z"));
    CHECK(item.updated_at == declared + 10min);
    CHECK(item.declared_at == declared);
    REQUIRE(item.timeline.size() == 2);
    CHECK(item.timeline[1].actor == "ops-luis");
    CHECK(item.timeline[1].note == "cause found");
    CHECK(item.timeline[1].status == incident_status::identified);
    CHECK(item.timeline[1].version == 2);
    CHECK(item.timeline[1].at == declared + 10min);

    incident_patch quiet;
    quiet.title = "Fibre cut, Madrid centre";
    apply_patch(item, quiet, "ops-ana", declared + 20min);
    CHECK(item.version == 3);
    CHECK(item.timeline.back().note == "updated");
    CHECK(item.timeline.back().version == 3);
}

TEST_CASE("apply_patch merges messages per language and channel and can clear the eta") {
    auto item = declared_incident();
    item.messages["es"][channel::sms] = "SMS {{ref}}";
    incident_patch patch;
    patch.messages = message_set{{"es", {{channel::ivr, "Nueva locución"}}}, {"en", {{channel::ivr, "New prompt"}}}};
    patch.clear_eta = true;
    apply_patch(item, patch, "ops", declared + 1min);
    CHECK(item.messages["es"][channel::ivr] == "Nueva locución");
    CHECK(item.messages["es"][channel::sms] == "SMS {{ref}}");  // not named, kept
    CHECK(item.messages["en"][channel::ivr] == "New prompt");
    CHECK_FALSE(item.eta);

    incident_patch eta;
    eta.eta = at("2026-03-11T08:00:00Z");
    apply_patch(item, eta, "ops", declared + 2min);
    CHECK(item.eta == at("2026-03-11T08:00:00Z"));
    CHECK(item.version == 3);
}

TEST_CASE("apply_patch refuses to resolve, to blank required fields, and to touch a resolved incident") {
    auto item = declared_incident();
    incident_patch resolving;
    resolving.status = incident_status::resolved;
    CHECK(refusal([&] { apply_patch(item, resolving, "ops", declared); }) == "status");
    incident_patch blank_title;
    blank_title.title = "";
    CHECK(refusal([&] { apply_patch(item, blank_title, "ops", declared); }) == "title");
    incident_patch no_areas;
    no_areas.areas = std::vector<area_expression>{};
    CHECK(refusal([&] { apply_patch(item, no_areas, "ops", declared); }) == "areas");
    // Refused patches leave no trace.
    CHECK(item.version == 1);
    CHECK(item.timeline.size() == 1);
    CHECK(item.title == "Fibre cut");

    resolve(item, std::nullopt, "", "ops", declared + 1h);
    incident_patch late;
    late.note = "one more thing";
    CHECK(refusal([&] { apply_patch(item, late, "ops", declared + 2h); }) == "status");
    CHECK(item.version == 2);
}

TEST_CASE("an incident_patch is empty only when it asks for nothing") {
    CHECK(incident_patch{}.empty());
    incident_patch note;
    note.note = "x";
    CHECK_FALSE(note.empty());
    incident_patch clear;
    clear.clear_eta = true;
    CHECK_FALSE(clear.empty());
    incident_patch messages;
    messages.messages = message_set{};
    CHECK_FALSE(messages.empty());
}

TEST_CASE("resolve sets the status, the time and a timeline entry, once") {
    auto item = declared_incident();
    resolve(item, std::nullopt, "splice repaired", "ops-ana", declared + 3h);
    CHECK(item.status == incident_status::resolved);
    CHECK_FALSE(item.active());
    CHECK(item.resolved_at == declared + 3h);
    CHECK(item.version == 2);
    CHECK(item.updated_at == declared + 3h);
    REQUIRE(item.timeline.size() == 2);
    CHECK(item.timeline[1].status == incident_status::resolved);
    CHECK(item.timeline[1].note == "splice repaired");
    CHECK(item.timeline[1].actor == "ops-ana");
    CHECK(item.timeline[1].version == 2);

    CHECK(refusal([&] { resolve(item, std::nullopt, "", "ops", declared + 4h); }) == "status");
    CHECK(item.version == 2);
    CHECK(item.resolved_at == declared + 3h);
}

TEST_CASE("resolve takes an earlier resolution time but not one before the start or in the future") {
    auto item = declared_incident();
    CHECK(refusal([&] { resolve(item, declared - 1s, "", "ops", declared + 1h); }) == "resolved_at");
    CHECK(refusal([&] { resolve(item, declared + 2h, "", "ops", declared + 1h); }) == "resolved_at");
    CHECK(item.active());
    CHECK(item.version == 1);

    resolve(item, declared + 30min, "", "ops", declared + 1h);
    CHECK(item.resolved_at == declared + 30min);
    CHECK(item.updated_at == declared + 1h);
    CHECK(item.timeline.back().note == "resolved");
}

TEST_CASE("apply_template fills only what the draft leaves out") {
    incident_template base;
    base.name = "fibre_cut";
    base.title = "Corte de fibra";
    base.level = severity::major;
    base.services = service_set{service::broadband, service::fixed_voice};
    base.messages["es"][channel::ivr] = "Plantilla IVR";
    base.messages["es"][channel::sms] = "Plantilla SMS";
    base.messages["en"][channel::ivr] = "Template IVR";

    incident_draft sparse;
    sparse.areas = parse_areas({"46*"});
    apply_template(sparse, base);
    CHECK(sparse.title == "Corte de fibra");
    CHECK(sparse.level == severity::major);
    CHECK(sparse.services == base.services);
    CHECK(sparse.messages == base.messages);
    CHECK(sparse.template_name == "fibre_cut");
    REQUIRE(sparse.areas);
    CHECK(sparse.areas->size() == 1);

    incident_draft full = complete_draft();
    full.level = severity::minor;
    full.services = service_set{service::tv};
    full.messages["es"][channel::ivr] = "Mi locución";
    apply_template(full, base);
    CHECK(full.title == "Fibre cut");
    CHECK(full.level == severity::minor);
    CHECK(full.services == service_set{service::tv});
    CHECK(full.messages["es"][channel::ivr] == "Mi locución");
    CHECK(full.messages["es"][channel::sms] == "Plantilla SMS");
    CHECK(full.messages["en"][channel::ivr] == "Template IVR");

    // The filled draft makes an incident like any other.
    const auto made = make_incident(sparse, "INC-9", "ops", declared, "es");
    CHECK(made.template_name == "fibre_cut");
    CHECK(made.messages == base.messages);
}

TEST_CASE("an incident covers the postcodes its areas match and renders its own placeholder values") {
    const auto item = declared_incident();
    CHECK(item.covers("28001"));
    CHECK(item.covers("28050"));
    CHECK_FALSE(item.covers("29001"));
    CHECK_FALSE(item.covers("28 001"));  // only normalised postcodes match
    const auto values = render_values_of(item);
    CHECK(values.ref == "INC-7");
    CHECK(values.title == "Fibre cut");
    CHECK(values.status == "investigating");
    CHECK(values.eta == item.eta);
    CHECK(values.areas == std::vector<std::string>{"28001", "280*"});
}

TEST_CASE("severity and status names round-trip and unknown names are refused") {
    for (auto s : {severity::minor, severity::major, severity::critical}) CHECK(parse_severity(severity_name(s)) == s);
    for (auto s : {incident_status::investigating, incident_status::identified, incident_status::monitoring,
                   incident_status::resolved})
        CHECK(parse_status(status_name(s)) == s);
    CHECK_FALSE(parse_severity("Critical"));
    CHECK_FALSE(parse_status("open"));
    CHECK(severity::critical > severity::major);
    CHECK(severity::major > severity::minor);
}
