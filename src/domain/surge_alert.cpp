#include "outagedesk/domain/surge_alert.hpp"

namespace outagedesk::domain {

std::string_view alert_status_name(alert_status s) noexcept {
    switch (s) {
        case alert_status::open: return "open";
        case alert_status::dismissed: return "dismissed";
        case alert_status::declared: return "declared";
    }
    return "open";
}

std::optional<alert_status> parse_alert_status(std::string_view name) noexcept {
    if (name == "open") return alert_status::open;
    if (name == "dismissed") return alert_status::dismissed;
    if (name == "declared") return alert_status::declared;
    return std::nullopt;
}

std::optional<std::int64_t> parse_alert_id(std::string_view id) noexcept {
    constexpr std::string_view prefix = "ALR-";
    if (!id.starts_with(prefix) || id.size() == prefix.size() || id.size() > prefix.size() + 18) return std::nullopt;
    std::int64_t n = 0;
    for (char c : id.substr(prefix.size())) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    return n;
}

}  // namespace outagedesk::domain
