#include "outagedesk/domain/message.hpp"

#include <array>
#include <cstdlib>
#include <utility>

#include "outagedesk/domain/errors.hpp"

namespace outagedesk::domain {
namespace {

enum class placeholder { ref, title, eta, status, areas, compensation };

constexpr std::array<std::pair<std::string_view, placeholder>, 6> placeholders{{
    {"ref", placeholder::ref},
    {"title", placeholder::title},
    {"eta", placeholder::eta},
    {"status", placeholder::status},
    {"areas", placeholder::areas},
    {"compensation", placeholder::compensation},
}};

constexpr std::array<std::pair<channel, std::string_view>, 6> channel_names{{
    {channel::agent_script, "agent_script"},
    {channel::ivr, "ivr"},
    {channel::sms, "sms"},
    {channel::email, "email"},
    {channel::status_page, "status_page"},
    {channel::social, "social"},
}};

std::optional<placeholder> placeholder_named(std::string_view name) {
    for (const auto& [text, p] : placeholders) {
        if (text == name) return p;
    }
    return std::nullopt;
}

std::string_view trim(std::string_view s) {
    constexpr std::string_view blanks = " \t\r\n";
    const auto first = s.find_first_not_of(blanks);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

// Walks `text`, handing literal runs to on_literal and each {{...}} to
// on_tag(trimmed name, raw text with braces). Returns the offset of a "{{"
// that is never closed, after handing it and the rest over as literal.
template <class Literal, class Tag>
std::optional<std::size_t> scan_template(std::string_view text, Literal&& on_literal, Tag&& on_tag) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto open = text.find("{{", pos);
        if (open == std::string_view::npos) break;
        const auto close = text.find("}}", open + 2);
        if (close == std::string_view::npos) {
            on_literal(text.substr(pos));
            return open;
        }
        on_literal(text.substr(pos, open - pos));
        on_tag(trim(text.substr(open + 2, close - open - 2)), text.substr(open, close + 2 - open));
        pos = close + 2;
    }
    if (pos < text.size()) on_literal(text.substr(pos));
    return std::nullopt;
}

std::string known_placeholder_list() {
    std::string out;
    for (const auto& [text, p] : placeholders) {
        if (!out.empty()) out += ", ";
        out += text;
    }
    return out;
}

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool valid_language_code(std::string_view code) {
    const auto dash = code.find('-');
    const std::string_view language = code.substr(0, dash);
    if (language.size() < 2 || language.size() > 3) return false;
    for (char c : language) {
        if (!is_lower(c)) return false;
    }
    if (dash == std::string_view::npos) return true;
    const std::string_view region = code.substr(dash + 1);
    if (region.size() == 2) return is_upper(region[0]) && is_upper(region[1]);
    if (region.size() == 3) return is_digit(region[0]) && is_digit(region[1]) && is_digit(region[2]);
    return false;
}

// "es-MX" -> "es", lowercased, so that wording and fallback follow the
// language whatever region or case a client sent.
std::string primary_language(std::string_view lang) {
    const auto end = lang.find_first_of("-_");
    std::string out(lang.substr(0, end));
    for (char& c : out) {
        if (is_upper(c)) c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

enum class wording { es, en };

wording wording_for(std::string_view lang) {
    return primary_language(lang) == "es" ? wording::es : wording::en;
}

std::string status_text(std::string_view status, wording w) {
    struct row {
        std::string_view status, es, en;
    };
    constexpr std::array<row, 4> rows{{
        {"investigating", "en investigación", "under investigation"},
        {"identified", "causa identificada", "cause identified"},
        {"monitoring", "en observación", "being monitored"},
        {"resolved", "resuelta", "resolved"},
    }};
    for (const auto& r : rows) {
        if (r.status == status) return std::string(w == wording::es ? r.es : r.en);
    }
    return std::string(status);
}

std::string two_digits(int v) {
    std::string out = std::to_string(v);
    return out.size() < 2 ? "0" + out : out;
}

std::chrono::sys_days day_number(const local_time& t) {
    return std::chrono::sys_days{std::chrono::year{t.year} / t.month / t.day};
}

std::string eta_text(const std::optional<std::chrono::sys_seconds>& eta, const time_zone& zone, wording w,
                     std::chrono::sys_seconds now) {
    if (!eta) return w == wording::es ? "sin hora estimada todavía" : "no estimate yet";

    constexpr std::array<std::string_view, 12> months_es{
        "enero", "febrero", "marzo", "abril", "mayo", "junio",
        "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"};
    constexpr std::array<std::string_view, 12> months_en{
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December"};

    const local_time at = zone.to_local(*eta);
    const local_time today = zone.to_local(now);
    const auto days_ahead = (day_number(at) - day_number(today)).count();
    const std::string clock = two_digits(at.hour) + ":" + two_digits(at.minute);
    // Within half a year either way a date reads unambiguously without a year.
    const bool with_year = std::abs(days_ahead) > 180;
    const std::string year = std::to_string(at.year);
    const auto month = static_cast<std::size_t>(at.month - 1);

    if (w == wording::es) {
        // Spanish says "a la una" but "a las dos", "a las trece"...
        const std::string at_clock = (at.hour == 1 ? "a la " : "a las ") + clock;
        if (days_ahead == 0) return "hoy " + at_clock;
        if (days_ahead == 1) return "mañana " + at_clock;
        std::string out = "el " + std::to_string(at.day) + " de " + std::string(months_es[month]);
        if (with_year) out += " de " + year;
        return out + " " + at_clock;
    }
    if (days_ahead == 0) return "today at " + clock;
    if (days_ahead == 1) return "tomorrow at " + clock;
    std::string out = "on " + std::to_string(at.day) + " " + std::string(months_en[month]);
    if (with_year) out += " " + year;
    return out + " at " + clock;
}

std::string areas_text(const std::vector<std::string>& areas, wording w) {
    std::string out;
    for (std::size_t i = 0; i < areas.size(); ++i) {
        if (i > 0) out += i + 1 == areas.size() ? (w == wording::es ? " y " : " and ") : ", ";
        out += areas[i];
    }
    return out;
}

}  // namespace

std::string_view channel_name(channel c) noexcept {
    for (const auto& [value, name] : channel_names) {
        if (value == c) return name;
    }
    return "unknown";
}

std::optional<channel> parse_channel(std::string_view name) noexcept {
    for (const auto& [value, text] : channel_names) {
        if (text == name) return value;
    }
    return std::nullopt;
}

void validate_template(std::string_view text, const std::string& field) {
    const auto unclosed = scan_template(
        text, [](std::string_view) {},
        [&field](std::string_view name, std::string_view) {
            if (placeholder_named(name)) return;
            // Quote a long stray "{{ ... }}" only in part; the message is for people.
            const std::string shown = name.size() > 40 ? std::string(name.substr(0, 40)) + "..." : std::string(name);
            throw invalid_input(field, "unknown placeholder {{" + shown + "}}; known: " + known_placeholder_list());
        });
    if (unclosed) {
        // Counted in characters, not bytes, so the position matches an editor's.
        std::size_t position = 1;
        for (char ch : text.substr(0, *unclosed)) {
            if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++position;
        }
        throw invalid_input(field, "unclosed {{ at character " + std::to_string(position) +
                                       "; placeholders are written like {{eta}}");
    }
}

void validate_messages(const message_set& messages, const std::string& field_prefix) {
    for (const auto& [lang, texts] : messages) {
        const std::string lang_field = field_prefix + "." + lang;
        if (!valid_language_code(lang)) {
            throw invalid_input(lang_field, "language code \"" + lang +
                                                "\" is not valid; use 2-3 lowercase letters, optionally "
                                                "with a region, such as es or en-GB");
        }
        for (const auto& [c, text] : texts) {
            validate_template(text, lang_field + "." + std::string(channel_name(c)));
        }
    }
}

std::string render(std::string_view text, const render_values& values, const time_zone& zone,
                   std::string_view lang, std::chrono::sys_seconds now) {
    const wording w = wording_for(lang);
    std::string out;
    out.reserve(text.size() + 64);
    scan_template(
        text, [&out](std::string_view literal) { out += literal; },
        [&](std::string_view name, std::string_view raw) {
            const auto p = placeholder_named(name);
            if (!p) {
                out += raw;
                return;
            }
            switch (*p) {
                case placeholder::ref: out += values.ref; break;
                case placeholder::title: out += values.title; break;
                case placeholder::eta: out += eta_text(values.eta, zone, w, now); break;
                case placeholder::status: out += status_text(values.status, w); break;
                case placeholder::areas: out += areas_text(values.areas, w); break;
                case placeholder::compensation: out += values.compensation; break;
            }
        });
    return out;
}

picked_text pick_message(const message_set& messages, std::string_view lang, channel c, std::string_view default_lang) {
    auto text_for = [&](const std::string& code) -> const std::string* {
        const auto texts = messages.find(code);
        if (texts == messages.end()) return nullptr;
        const auto text = texts->second.find(c);
        if (text == texts->second.end() || text->second.empty()) return nullptr;
        return &text->second;
    };
    for (const std::string_view wanted : {lang, default_lang}) {
        if (const auto* t = text_for(std::string(wanted))) return {*t, std::string(wanted)};
        if (const auto* t = text_for(primary_language(wanted))) return {*t, primary_language(wanted)};
    }
    for (const auto& [code, texts] : messages) {
        if (const auto* t = text_for(code)) return {*t, code};
    }
    return {};
}

std::string pick_text(const message_set& messages, std::string_view lang, channel c, std::string_view default_lang) {
    return pick_message(messages, lang, c, default_lang).text;
}

}  // namespace outagedesk::domain
