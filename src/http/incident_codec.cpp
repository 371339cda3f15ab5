#include "outagedesk/http/incident_codec.hpp"

#include "outagedesk/domain/errors.hpp"
#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/service/incident_json.hpp"

namespace outagedesk::http {

using domain::invalid_input;
using nlohmann::json;

std::optional<std::string> optional_string(const json& body, const std::string& field, std::size_t max_length) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) throw invalid_input(field, field + " must be a string");
    auto value = it->get<std::string>();
    if (value.size() > max_length)
        throw invalid_input(field, field + " is longer than " + std::to_string(max_length) + " characters");
    return value;
}

std::optional<std::int64_t> optional_integer(const json& body, const std::string& field) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer()) throw invalid_input(field, field + " must be an integer");
    return it->get<std::int64_t>();
}

std::optional<std::vector<std::string>> optional_strings(const json& body, const std::string& field) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_array()) throw invalid_input(field, field + " must be an array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_string())
            throw invalid_input(field + "[" + std::to_string(i) + "]", field + "[" + std::to_string(i) + "] must be a string");
        out.push_back((*it)[i].get<std::string>());
    }
    return out;
}

void reject_unknown_fields(const json& body, std::initializer_list<const char*> known) {
    for (auto it = body.begin(); it != body.end(); ++it) {
        bool found = false;
        for (const char* k : known) found = found || it.key() == k;
        if (!found) throw invalid_input(it.key(), "unknown field " + it.key());
    }
}

std::optional<domain::sys_seconds> parse_time_field(const json& body, const std::string& field) {
    auto text = optional_string(body, field, 64);
    if (!text) return std::nullopt;
    auto t = domain::parse_rfc3339(*text);
    if (!t) throw invalid_input(field, field + " must be an RFC 3339 time such as 2026-11-25T18:30:00Z");
    return t;
}

namespace {
std::optional<domain::severity> severity_field(const json& body) {
    auto text = optional_string(body, "severity", 32);
    if (!text) return std::nullopt;
    auto s = domain::parse_severity(*text);
    if (!s) throw invalid_input("severity", "severity must be minor, major or critical");
    return s;
}

std::optional<domain::incident_status> status_field(const json& body) {
    auto text = optional_string(body, "status", 32);
    if (!text) return std::nullopt;
    auto s = domain::parse_status(*text);
    if (!s) throw invalid_input("status", "status must be investigating, identified, monitoring or resolved");
    return s;
}

std::optional<std::vector<domain::area_expression>> areas_field(const json& body) {
    auto texts = optional_strings(body, "areas");
    if (!texts) return std::nullopt;
    return domain::parse_areas(*texts, "areas");
}

std::optional<domain::service_set> services_field(const json& body) {
    auto names = optional_strings(body, "services");
    if (!names) return std::nullopt;
    return domain::parse_services(*names, "services");
}
}  // namespace

domain::incident_draft parse_incident_draft(const json& body) {
    reject_unknown_fields(body, {"title", "severity", "status", "services", "areas", "started_at", "eta", "messages",
                                 "template", "note"});
    domain::incident_draft draft;
    draft.title = optional_string(body, "title", 200);
    draft.level = severity_field(body);
    draft.status = status_field(body);
    draft.services = services_field(body);
    draft.areas = areas_field(body);
    draft.started_at = parse_time_field(body, "started_at");
    draft.eta = parse_time_field(body, "eta");
    if (auto it = body.find("messages"); it != body.end() && !it->is_null()) draft.messages = service::parse_messages(*it, "messages");
    draft.template_name = optional_string(body, "template", 64).value_or("");
    draft.note = optional_string(body, "note", 2000).value_or("");
    return draft;
}

domain::incident_patch parse_incident_patch(const json& body) {
    reject_unknown_fields(body, {"title", "severity", "status", "services", "areas", "eta", "messages", "note"});
    domain::incident_patch patch;
    patch.title = optional_string(body, "title", 200);
    patch.level = severity_field(body);
    patch.status = status_field(body);
    patch.services = services_field(body);
    patch.areas = areas_field(body);
    if (auto it = body.find("eta"); it != body.end() && it->is_null())
        patch.clear_eta = true;
    else
        patch.eta = parse_time_field(body, "eta");
    if (auto it = body.find("messages"); it != body.end() && !it->is_null()) patch.messages = service::parse_messages(*it, "messages");
    patch.note = optional_string(body, "note", 2000).value_or("");
    if (patch.empty()) throw invalid_input("body", "the update changes nothing; send at least one field");
    return patch;
}

domain::customer_fields parse_customer_fields(const json& body, const std::string& id) {
    reject_unknown_fields(body, {"id", "phone", "email", "postcode", "language", "services", "preferred_channel",
                                 "monthly_fee_cents", "avg_bill_3m_cents", "tariff", "consent"});
    domain::customer_fields fields;
    fields.id = id;
    if (auto body_id = optional_string(body, "id", 64); body_id && *body_id != id)
        throw invalid_input("id", "id in the body differs from the id in the path");
    fields.phone = optional_string(body, "phone", 32);
    fields.email = optional_string(body, "email", 254);
    fields.postcode = optional_string(body, "postcode", 32);
    fields.language = optional_string(body, "language", 16);
    fields.services = optional_strings(body, "services");
    fields.preferred_channel = optional_string(body, "preferred_channel", 16);
    fields.monthly_fee_cents = optional_integer(body, "monthly_fee_cents");
    fields.avg_bill_3m_cents = optional_integer(body, "avg_bill_3m_cents");
    fields.tariff = optional_string(body, "tariff", 100);
    if (auto it = body.find("consent"); it != body.end() && !it->is_null()) {
        if (!it->is_boolean()) throw invalid_input("consent", "consent must be true or false");
        fields.consent = it->get<bool>();
    }
    return fields;
}

// Built member by member: nlohmann's initializer-list form copies every
// value once more, and this runs on every agent lookup.
json customer_json(const domain::customer& c) {
    json out(json::value_t::object);
    out["id"] = c.id;
    out["phone"] = c.phone.empty() ? json(nullptr) : json(c.phone);
    out["email"] = c.email.empty() ? json(nullptr) : json(c.email);
    out["postcode"] = c.postcode;
    out["language"] = c.language;
    auto& services = out["services"] = json::array();
    for (auto s : domain::all_services)
        if (c.services.contains(s)) services.push_back(domain::service_name(s));
    out["preferred_channel"] = domain::contact_preference_name(c.preferred_channel);
    out["monthly_fee_cents"] = c.monthly_fee_cents;
    out["avg_bill_3m_cents"] = c.avg_bill_3m_cents;
    out["tariff"] = c.tariff;
    out["consent"] = c.consent;
    return out;
}

}  // namespace outagedesk::http
