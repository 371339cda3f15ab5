#pragma once
// The incidents that are active right now, with their postcode index and
// every message pre-rendered: an immutable value that the IVR, agent and
// status reads share without locks. A new one is built after every committed
// change and swapped in whole; readers keep the one they started with.
#include "outagedesk/domain/incident.hpp"
#include "outagedesk/domain/postcode_index.hpp"
#include "outagedesk/domain/time_zone.hpp"

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace outagedesk::domain {

struct active_incident {
    incident data;
    // language -> one rendered text per channel (index = channel), with the
    // fallbacks of pick_text already applied.
    std::map<std::string, std::array<std::string, 6>, std::less<>> rendered;
};

class active_set {
public:
    active_set() = default;
    active_set(std::vector<incident> incidents, const time_zone& zone, sys_seconds now, std::string default_language);

    // Active incidents covering the postcode whose services meet the caller's
    // (empty: any), most severe first, then the earliest declared.
    std::vector<const active_incident*> covering(std::string_view normalised_postcode,
                                                 service_set caller_services = {}) const;
    // The pre-rendered text for a language, falling back to the base language
    // ("es-MX" -> "es") and then the default language.
    const std::string& text(const active_incident& item, std::string_view lang, channel c) const;
    const std::vector<active_incident>& incidents() const noexcept { return incidents_; }
    const std::string& default_language() const noexcept { return default_language_; }
    const active_incident* find(std::string_view id) const;

private:
    std::vector<active_incident> incidents_;
    postcode_index index_;
    std::string default_language_;
};

}  // namespace outagedesk::domain
