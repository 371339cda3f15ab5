#pragma once
// Things read from disk once at start: the time zone and the incident
// templates. A missing or malformed file stops the start with its path.
#include "outagedesk/domain/incident.hpp"
#include "outagedesk/domain/time_zone.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace outagedesk::service {

// Reads /usr/share/zoneinfo/<name> (or $TZDIR/<name>).
domain::time_zone load_time_zone(const std::string& name);
// Every *.json in the directory; the file name (without .json) is the
// template's name. A missing directory means no templates.
std::map<std::string, domain::incident_template> load_templates(const std::filesystem::path& dir);

}  // namespace outagedesk::service
