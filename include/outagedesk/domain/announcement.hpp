#pragma once
// What the IVR plays to one caller: the active incidents covering their
// postcode (and service), most severe first, combined into one announcement
// in their language. Pure: computed from an active_set snapshot.
#include "outagedesk/domain/active_set.hpp"

#include <string>
#include <vector>

namespace outagedesk::domain {

struct announced_incident {
    std::string id;
    std::string title;
    severity level;
    incident_status status;
    std::optional<sys_seconds> eta;
    std::int64_t version;
    std::string ivr;
};

struct announcement {
    std::string postcode;
    std::string language;
    bool active = false;
    std::int64_t version = 0;  // the highest version among the incidents played
    std::string text;          // the IVR texts joined, blank line between incidents
    std::vector<announced_incident> incidents;
};

announcement announce(const active_set& active, std::string_view normalised_postcode, std::string_view language,
                      service_set caller_services);

}  // namespace outagedesk::domain
