#pragma once
// One message, every channel: an incident carries one text per language and
// channel, with placeholders that a single renderer fills in the same way for
// the agent script, the IVR, SMS, email, the status page and social posts.
// Templates are checked when ops write them, so rendering never fails later.
// This code never sends, stores or logs anything and never reads the clock:
// "now" and the zone are passed in.
#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outagedesk/domain/time_zone.hpp"

namespace outagedesk::domain {

enum class channel { agent_script, ivr, sms, email, status_page, social };

// The names the API and the store use ("agent_script", "status_page", ...).
std::string_view channel_name(channel c) noexcept;
std::optional<channel> parse_channel(std::string_view name) noexcept;

constexpr std::array<channel, 6> all_channels() noexcept {
    return {channel::agent_script, channel::ivr,         channel::sms,
            channel::email,        channel::status_page, channel::social};
}

// language code ("es", "en-GB") -> channel -> template text
using message_set = std::map<std::string, std::map<channel, std::string>>;

// Throws invalid_input(field, ...) for an unknown placeholder or a "{{" that
// is never closed. Placeholders: {{ref}} {{title}} {{eta}} {{status}}
// {{areas}} {{compensation}}, with optional spaces inside the braces.
void validate_template(std::string_view text, const std::string& field);

// Checks every language code (2-3 lowercase letters, optionally "-XX" or a
// three-digit region such as "-419") and every text; fields are named like
// "messages.es.ivr".
void validate_messages(const message_set& messages, const std::string& field_prefix = "messages");

struct render_values {
    std::string ref;
    std::string title;
    std::string status;  // investigating | identified | monitoring | resolved
    std::optional<std::chrono::sys_seconds> eta;
    std::vector<std::string> areas;
    std::string compensation;  // already worded by the caller
};

// Fills the placeholders in `lang`'s wording (Spanish for "es" and "es-*",
// English for everything else), with the ETA relative to `now` in `zone`
// ("hoy a las 18:30", "tomorrow at 09:00"). Unknown or unclosed placeholders
// are copied as they stand: rendering happens on hot read paths and must not
// fail on a template stored before a rule tightened.
std::string render(std::string_view text, const render_values& values, const time_zone& zone,
                   std::string_view lang, std::chrono::sys_seconds now);

// The text to use for `lang` on `c`: that language's (trying "es" for
// "es-MX" too), else the default language's, else the first language in map
// order that has one, else "". Empty texts count as missing.
std::string pick_text(const message_set& messages, std::string_view lang, channel c,
                      std::string_view default_lang);

// The same choice, with the language the chosen text is written in, so it
// can be rendered in that language's wording ("hoy", not "today", inside a
// Spanish sentence).
struct picked_text {
    std::string text;
    std::string language;
};
picked_text pick_message(const message_set& messages, std::string_view lang, channel c, std::string_view default_lang);

}  // namespace outagedesk::domain
