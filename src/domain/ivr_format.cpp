#include "outagedesk/domain/ivr_format.hpp"

#include <cstdint>
#include <vector>

namespace outagedesk::domain {
namespace {

constexpr std::string_view xml_declaration = R"(<?xml version="1.0" encoding="UTF-8"?>)";
constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

// XML 1.0 "Char": tab, newline, carriage return and everything from space up,
// except surrogates and U+FFFE/U+FFFF.
bool is_xml_char(std::uint32_t cp) {
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

// Length of the well-formed UTF-8 sequence at the start of `s` and its code
// point, or 0 when the bytes are not valid UTF-8 (overlong, surrogate, cut).
std::size_t decode_utf8(std::string_view s, std::uint32_t& cp) {
    const auto byte = [&s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) {
        cp = lead;
        return 1;
    }
    std::size_t len = 0;
    std::uint32_t min = 0;
    if ((lead & 0xE0) == 0xC0) {
        len = 2;
        cp = lead & 0x1Fu;
        min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        len = 3;
        cp = lead & 0x0Fu;
        min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        len = 4;
        cp = lead & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (s.size() < len) return 0;
    for (std::size_t i = 1; i < len; ++i) {
        if ((byte(i) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i) & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

std::string_view trim(std::string_view s) {
    constexpr std::string_view blanks = " \t\r\n\f\v";
    const auto first = s.find_first_not_of(blanks);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

// Blank lines separate paragraphs; the lines inside one are joined by a space,
// since line breaks mean nothing to a voice.
std::vector<std::string> paragraphs(std::string_view text) {
    std::vector<std::string> out;
    std::string current;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const auto end = text.find('\n', pos);
        const std::string_view line = trim(text.substr(pos, end == std::string_view::npos ? end : end - pos));
        if (line.empty()) {
            if (!current.empty()) out.push_back(std::move(current));
            current.clear();
        } else {
            if (!current.empty()) current += ' ';
            current += line;
        }
        if (end == std::string_view::npos) break;
        pos = end + 1;
    }
    if (!current.empty()) out.push_back(std::move(current));
    return out;
}

std::string paragraph_elements(std::string_view text) {
    std::string out;
    for (const auto& p : paragraphs(text)) {
        out += "<p>";
        out += xml_escape(p);
        out += "</p>";
    }
    return out;
}

}  // namespace

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    while (!text.empty()) {
        std::uint32_t cp = 0;
        const std::size_t len = decode_utf8(text, cp);
        if (len == 0) {
            out += replacement_character;
            text.remove_prefix(1);
            continue;
        }
        const std::string_view unit = text.substr(0, len);
        text.remove_prefix(len);
        if (!is_xml_char(cp)) continue;
        switch (cp) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += unit; break;
        }
    }
    return out;
}

std::string voice_language(std::string_view lang) {
    if (lang == "es") return "es-ES";
    if (lang == "en") return "en-GB";
    return std::string(lang);
}

std::string to_ssml(std::string_view text, std::string_view lang) {
    std::string out(xml_declaration);
    out += R"(<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang=")";
    out += xml_escape(voice_language(lang));
    out += "\">";
    out += paragraph_elements(text);
    out += "</speak>";
    return out;
}

std::string to_voicexml(std::string_view text, std::string_view lang) {
    std::string out(xml_declaration);
    out += R"(<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml" xml:lang=")";
    out += xml_escape(voice_language(lang));
    out += "\"><form><block><prompt>";
    out += paragraph_elements(text);
    out += "</prompt></block></form></vxml>";
    return out;
}

std::string to_twiml(std::string_view text, std::string_view lang) {
    const std::string language = xml_escape(voice_language(lang));
    std::string out(xml_declaration);
    out += "<Response>";
    for (const auto& p : paragraphs(text)) {
        out += "<Say language=\"" + language + "\">";
        out += xml_escape(p);
        out += "</Say>";
    }
    out += "</Response>";
    return out;
}

}  // namespace outagedesk::domain
