#pragma once
// Proactive notices to customers: which kinds exist, the key that makes each
// (incident, recipient, kind) one message at most, which text a channel
// uses, and quiet hours (when non-critical SMS wait for morning). Pure: the
// clock, the zone and the store belong to the callers.
#include "outagedesk/domain/message.hpp"
#include "outagedesk/domain/time_zone.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace outagedesk::domain {

enum class notice_kind { declared, eta_changed, resolved };
std::string_view notice_kind_name(notice_kind k) noexcept;
std::optional<notice_kind> parse_notice_kind(std::string_view name) noexcept;

// "INC-12:C-1001:declared"; `recipient` is the customer id, or the phone of
// a caller without a record.
std::string notice_key(std::string_view incident_id, std::string_view recipient, notice_kind kind);

// The template for a notice on `c` (sms or email) in `lang`: the incident's
// text for that channel, else its text for the other one, else its status
// page text, in the usual language fallback order. Empty when it has none.
picked_text pick_notice_text(const message_set& messages, std::string_view lang, channel c,
                             std::string_view default_lang);

// Quiet hours as minutes after local midnight. from == to means never quiet;
// from > to wraps past midnight (22:00-08:00).
struct quiet_window {
    int from_minute = 0;
    int to_minute = 0;
};
// "22:00" and "08:00" → a window; nullopt when either is not HH:MM.
std::optional<quiet_window> parse_quiet_window(std::string_view from, std::string_view to);
bool in_quiet_hours(const quiet_window& window, const local_time& now) noexcept;

}  // namespace outagedesk::domain
