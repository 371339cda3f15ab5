#pragma once
// The JSON shape of an incident as the contract gives it, shared by the API
// answers and the event payloads so both always agree.
#include "outagedesk/domain/incident.hpp"

#include <nlohmann/json.hpp>

namespace outagedesk::service {

nlohmann::json incident_json(const domain::incident& source, bool with_timeline = true);
nlohmann::json messages_json(const domain::message_set& messages);
// {lang: {channel: text}} → a validated message set; throws invalid_input
// naming the field ("messages.es.ivr").
domain::message_set parse_messages(const nlohmann::json& value, const std::string& field);

}  // namespace outagedesk::service
