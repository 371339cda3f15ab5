#include "outagedesk/domain/notification.hpp"

namespace outagedesk::domain {

namespace {
std::optional<int> minutes_of(std::string_view hhmm) {
    if (hhmm.size() != 5 || hhmm[2] != ':') return std::nullopt;
    for (std::size_t i : {0u, 1u, 3u, 4u})
        if (hhmm[i] < '0' || hhmm[i] > '9') return std::nullopt;
    const int h = (hhmm[0] - '0') * 10 + (hhmm[1] - '0');
    const int m = (hhmm[3] - '0') * 10 + (hhmm[4] - '0');
    if (h > 23 || m > 59) return std::nullopt;
    return h * 60 + m;
}
}  // namespace

std::string_view notice_kind_name(notice_kind k) noexcept {
    switch (k) {
        case notice_kind::declared: return "declared";
        case notice_kind::eta_changed: return "eta_changed";
        case notice_kind::resolved: return "resolved";
    }
    return "declared";
}

std::optional<notice_kind> parse_notice_kind(std::string_view name) noexcept {
    if (name == "declared") return notice_kind::declared;
    if (name == "eta_changed") return notice_kind::eta_changed;
    if (name == "resolved") return notice_kind::resolved;
    return std::nullopt;
}

std::string notice_key(std::string_view incident_id, std::string_view recipient, notice_kind kind) {
    std::string key;
    key.reserve(incident_id.size() + recipient.size() + 14);
    key.append(incident_id).append(":").append(recipient).append(":").append(notice_kind_name(kind));
    return key;
}

picked_text pick_notice_text(const message_set& messages, std::string_view lang, channel c,
                             std::string_view default_lang) {
    const channel other = c == channel::sms ? channel::email : channel::sms;
    for (channel tried : {c, other, channel::status_page}) {
        auto picked = pick_message(messages, lang, tried, default_lang);
        if (!picked.text.empty()) return picked;
    }
    return {};
}

std::optional<quiet_window> parse_quiet_window(std::string_view from, std::string_view to) {
    auto f = minutes_of(from);
    auto t = minutes_of(to);
    if (!f || !t) return std::nullopt;
    return quiet_window{*f, *t};
}

bool in_quiet_hours(const quiet_window& window, const local_time& now) noexcept {
    const int minute = now.hour * 60 + now.minute;
    if (window.from_minute == window.to_minute) return false;
    if (window.from_minute < window.to_minute) return minute >= window.from_minute && minute < window.to_minute;
    return minute >= window.from_minute || minute < window.to_minute;
}

}  // namespace outagedesk::domain
