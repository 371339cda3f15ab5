#pragma once
// Request bodies of the incident and customer endpoints → domain values.
// Every wrong type, unknown field or bad value is an invalid_input naming the
// field, so the client gets a 422 that says exactly what to fix.
#include "outagedesk/domain/customer.hpp"
#include "outagedesk/domain/incident.hpp"

#include <nlohmann/json.hpp>

namespace outagedesk::http {

domain::incident_draft parse_incident_draft(const nlohmann::json& body);
domain::incident_patch parse_incident_patch(const nlohmann::json& body);
std::optional<domain::sys_seconds> parse_time_field(const nlohmann::json& body, const std::string& field);
domain::customer_fields parse_customer_fields(const nlohmann::json& body, const std::string& id);
nlohmann::json customer_json(const domain::customer& c);

// Small typed readers shared by the request decoders.
std::optional<std::string> optional_string(const nlohmann::json& body, const std::string& field,
                                           std::size_t max_length = 10000);
std::optional<std::int64_t> optional_integer(const nlohmann::json& body, const std::string& field);
std::optional<std::vector<std::string>> optional_strings(const nlohmann::json& body, const std::string& field);
void reject_unknown_fields(const nlohmann::json& body, std::initializer_list<const char*> known);

}  // namespace outagedesk::http
