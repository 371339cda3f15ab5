#include "outagedesk/domain/incident.hpp"

#include "outagedesk/domain/errors.hpp"

#include <algorithm>

namespace outagedesk::domain {

std::string_view severity_name(severity s) noexcept {
    switch (s) {
        case severity::minor: return "minor";
        case severity::major: return "major";
        case severity::critical: return "critical";
    }
    return "major";
}

std::optional<severity> parse_severity(std::string_view name) noexcept {
    if (name == "minor") return severity::minor;
    if (name == "major") return severity::major;
    if (name == "critical") return severity::critical;
    return std::nullopt;
}

std::string_view status_name(incident_status s) noexcept {
    switch (s) {
        case incident_status::investigating: return "investigating";
        case incident_status::identified: return "identified";
        case incident_status::monitoring: return "monitoring";
        case incident_status::resolved: return "resolved";
    }
    return "investigating";
}

std::optional<incident_status> parse_status(std::string_view name) noexcept {
    if (name == "investigating") return incident_status::investigating;
    if (name == "identified") return incident_status::identified;
    if (name == "monitoring") return incident_status::monitoring;
    if (name == "resolved") return incident_status::resolved;
    return std::nullopt;
}

std::vector<std::string> incident::area_texts() const {
    std::vector<std::string> out;
    out.reserve(areas.size());
    for (const auto& a : areas) out.push_back(a.text());
    return out;
}

bool incident::covers(std::string_view normalised_postcode) const { return areas_match(areas, normalised_postcode); }

bool incident::may_cover_under(std::string_view prefix) const {
    return std::any_of(areas.begin(), areas.end(),
                       [prefix](const area_expression& area) { return area.may_match_under(prefix); });
}

bool incident_patch::empty() const noexcept {
    return !title && !level && !status && !services && !areas && !eta && !clear_eta && !messages && note.empty();
}

void apply_template(incident_draft& draft, const incident_template& base) {
    if (!draft.title) draft.title = base.title;
    if (!draft.level) draft.level = base.level;
    if (!draft.services) draft.services = base.services;
    for (const auto& [lang, texts] : base.messages)
        for (const auto& [ch, text] : texts) draft.messages[lang].try_emplace(ch, text);
    draft.template_name = base.name;
}

incident make_incident(const incident_draft& draft, std::string id, const std::string& actor, sys_seconds now,
                       std::string_view default_language) {
    if (!draft.title || draft.title->empty()) throw invalid_input("title", "title is required");
    if (!draft.areas || draft.areas->empty()) throw invalid_input("areas", "at least one area is required");
    if (draft.status == incident_status::resolved)
        throw invalid_input("status", "an incident cannot be declared resolved");
    bool has_text = false;
    for (const auto& [lang, texts] : draft.messages)
        for (const auto& [ch, text] : texts) has_text = has_text || !text.empty();
    if (!has_text)
        throw invalid_input("messages", "at least one message is required (messages." + std::string(default_language) +
                                            ".ivr, or a template)");
    incident made;
    made.id = std::move(id);
    made.title = *draft.title;
    made.level = draft.level.value_or(severity::major);
    made.status = draft.status.value_or(incident_status::investigating);
    made.services = draft.services.value_or(service_set{});
    made.areas = *draft.areas;
    made.started_at = draft.started_at.value_or(now);
    if (made.started_at > now) throw invalid_input("started_at", "started_at cannot be in the future");
    made.declared_at = now;
    made.eta = draft.eta;
    made.messages = draft.messages;
    made.template_name = draft.template_name;
    made.version = 1;
    made.updated_at = now;
    made.timeline.push_back({now, actor, made.status, draft.note.empty() ? "declared" : draft.note, 1});
    return made;
}

void apply_patch(incident& target, const incident_patch& patch, const std::string& actor, sys_seconds now) {
    if (!target.active()) throw invalid_input("status", "the incident is resolved and can no longer change");
    if (patch.status == incident_status::resolved)
        throw invalid_input("status", "resolve an incident with POST /v1/incidents/{id}/resolve");
    if (patch.title) {
        if (patch.title->empty()) throw invalid_input("title", "title cannot be empty");
        target.title = *patch.title;
    }
    if (patch.level) target.level = *patch.level;
    if (patch.status) target.status = *patch.status;
    if (patch.services) target.services = *patch.services;
    if (patch.areas) {
        if (patch.areas->empty()) throw invalid_input("areas", "at least one area is required");
        target.areas = *patch.areas;
    }
    if (patch.clear_eta) target.eta.reset();
    if (patch.eta) target.eta = patch.eta;
    if (patch.messages) {
        // Languages and channels not named keep their text: ops edit one at a time.
        for (const auto& [lang, texts] : *patch.messages)
            for (const auto& [ch, text] : texts) target.messages[lang][ch] = text;
    }
    target.version += 1;
    target.updated_at = now;
    target.timeline.push_back({now, actor, target.status, patch.note.empty() ? "updated" : patch.note, target.version});
}

void resolve(incident& target, std::optional<sys_seconds> resolved_at, const std::string& note,
             const std::string& actor, sys_seconds now) {
    if (!target.active()) throw invalid_input("status", "the incident is resolved already");
    sys_seconds at = resolved_at.value_or(now);
    if (at < target.started_at) throw invalid_input("resolved_at", "resolved_at cannot be before started_at");
    if (at > now) throw invalid_input("resolved_at", "resolved_at cannot be in the future");
    target.status = incident_status::resolved;
    target.resolved_at = at;
    target.version += 1;
    target.updated_at = now;
    target.timeline.push_back({now, actor, target.status, note.empty() ? "resolved" : note, target.version});
}

render_values render_values_of(const incident& source) {
    render_values values;
    values.ref = source.id;
    values.title = source.title;
    values.status = std::string(status_name(source.status));
    values.eta = source.eta;
    values.areas = source.area_texts();
    return values;
}

}  // namespace outagedesk::domain
