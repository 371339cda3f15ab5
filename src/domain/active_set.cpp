#include "outagedesk/domain/active_set.hpp"

#include <algorithm>

namespace outagedesk::domain {

active_set::active_set(std::vector<incident> incidents, const time_zone& zone, sys_seconds now,
                       std::string default_language)
    : default_language_(std::move(default_language)) {
    std::sort(incidents.begin(), incidents.end(), [](const incident& a, const incident& b) {
        if (a.level != b.level) return a.level > b.level;
        if (a.declared_at != b.declared_at) return a.declared_at < b.declared_at;
        return a.id < b.id;
    });
    incidents_.reserve(incidents.size());
    for (auto& source : incidents) {
        if (!source.active()) continue;
        active_incident item{std::move(source), {}};
        auto values = render_values_of(item.data);
        std::vector<std::string> languages{default_language_};
        for (const auto& [lang, texts] : item.data.messages) languages.push_back(lang);
        for (const auto& lang : languages) {
            std::array<std::string, 6> texts;
            for (auto c : all_channels()) {
                auto picked = pick_message(item.data.messages, lang, c, default_language_);
                texts[static_cast<std::size_t>(c)] = render(picked.text, values, zone, picked.language, now);
            }
            item.rendered.emplace(lang, std::move(texts));
        }
        incidents_.push_back(std::move(item));
    }
    // Keys are positions in incidents_, which is sorted by precedence, so a
    // sorted match list is already in announcement order.
    for (std::uint32_t i = 0; i < incidents_.size(); ++i)
        for (const auto& area : incidents_[i].data.areas) index_.add(i, area);
    index_.build();
}

std::vector<const active_incident*> active_set::covering(std::string_view normalised_postcode,
                                                         service_set caller_services) const {
    std::vector<const active_incident*> out;
    if (incidents_.empty()) return out;
    for (auto key : index_.match(normalised_postcode)) {
        const auto& item = incidents_[key];
        if (customer_affected(caller_services, item.data.services)) out.push_back(&item);
    }
    return out;
}

const std::string& active_set::text(const active_incident& item, std::string_view lang, channel c) const {
    auto it = item.rendered.find(lang);
    if (it == item.rendered.end()) {
        auto dash = lang.find('-');
        if (dash != std::string_view::npos) it = item.rendered.find(lang.substr(0, dash));
    }
    if (it == item.rendered.end()) it = item.rendered.find(default_language_);
    return it->second[static_cast<std::size_t>(c)];
}

const active_incident* active_set::find(std::string_view id) const {
    for (const auto& item : incidents_)
        if (item.data.id == id) return &item;
    return nullptr;
}

}  // namespace outagedesk::domain
