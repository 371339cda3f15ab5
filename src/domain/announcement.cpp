#include "outagedesk/domain/announcement.hpp"

#include <algorithm>

namespace outagedesk::domain {

announcement announce(const active_set& active, std::string_view normalised_postcode, std::string_view language,
                      service_set caller_services) {
    announcement out;
    out.postcode = std::string(normalised_postcode);
    out.language = std::string(language);
    for (const auto* item : active.covering(normalised_postcode, caller_services)) {
        const auto& text = active.text(*item, language, channel::ivr);
        out.incidents.push_back({item->data.id, item->data.title, item->data.level, item->data.status, item->data.eta,
                                 item->data.version, text});
        out.version = std::max(out.version, item->data.version);
        if (text.empty()) continue;
        if (!out.text.empty()) out.text += "\n\n";
        out.text += text;
    }
    out.active = !out.incidents.empty();
    return out;
}

}  // namespace outagedesk::domain
