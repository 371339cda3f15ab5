#pragma once
// Postcodes and phone numbers as clients type them, turned into the one
// canonical form the rest of the server compares: postcodes upper-cased with
// spaces and hyphens removed, phones in E.164. Pure string work: it must never
// do I/O, read a clock, or consult a locale (upper-casing is ASCII only, so a
// server's environment cannot change what matches).
#include <optional>
#include <string>
#include <string_view>

namespace outagedesk::domain {

// Bounds of a normalised postcode, shared with area expressions so that an
// area and a postcode can never disagree about what a postcode is.
inline constexpr std::size_t min_postcode_length = 2;
inline constexpr std::size_t max_postcode_length = 10;

// True when `text` is already canonical: 2–10 characters, each 0-9 or A-Z.
bool is_normalised_postcode(std::string_view text) noexcept;

// "sw1a 1aa" → "SW1A1AA", "1000-001" → "1000001"; nullopt unless the result
// is 2–10 ASCII letters or digits.
std::optional<std::string> normalise_postcode(std::string_view raw);

// As normalise_postcode, but a bad postcode is the client's mistake: throws
// invalid_input naming `field`.
std::string require_postcode(std::string_view raw, const std::string& field);

// E.164 ("+" and 8–15 digits). Spaces, hyphens, dots and parentheses are
// ignored; "+" or a leading "00" marks an international number; anything else
// is national: one trunk "0" is dropped and `default_country_code` ("34", or
// "+34") is prepended. Letters, stray symbols or a bad length give nullopt.
std::optional<std::string> normalise_phone(std::string_view raw,
                                           std::string_view default_country_code);

}  // namespace outagedesk::domain
