#include "outagedesk/domain/postcode.hpp"

#include "outagedesk/domain/errors.hpp"

namespace outagedesk::domain {
namespace {

constexpr std::size_t min_e164_digits = 8;
constexpr std::size_t max_e164_digits = 15;

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
constexpr bool is_lower(char c) noexcept { return c >= 'a' && c <= 'z'; }

bool all_digits(std::string_view text) noexcept {
    for (char c : text) {
        if (!is_digit(c)) return false;
    }
    return true;
}

}  // namespace

bool is_normalised_postcode(std::string_view text) noexcept {
    if (text.size() < min_postcode_length || text.size() > max_postcode_length) return false;
    for (char c : text) {
        if (!is_digit(c) && !is_upper(c)) return false;
    }
    return true;
}

std::optional<std::string> normalise_postcode(std::string_view raw) {
    std::string out;
    out.reserve(max_postcode_length);
    for (char c : raw) {
        if (c == ' ' || c == '-') continue;
        if (is_lower(c)) c = static_cast<char>(c - 'a' + 'A');
        if (!is_digit(c) && !is_upper(c)) return std::nullopt;
        // Stop early so a huge body cannot make us build a huge string.
        if (out.size() == max_postcode_length) return std::nullopt;
        out.push_back(c);
    }
    if (out.size() < min_postcode_length) return std::nullopt;
    return out;
}

std::string require_postcode(std::string_view raw, const std::string& field) {
    if (auto postcode = normalise_postcode(raw)) return std::move(*postcode);
    throw invalid_input(field,
                        field + ": must be 2 to 10 letters or digits (spaces and hyphens are ignored)");
}

std::optional<std::string> normalise_phone(std::string_view raw,
                                           std::string_view default_country_code) {
    std::string digits;
    bool international = false;
    for (char c : raw) {
        if (is_digit(c)) {
            // Anything this long is invalid whatever prefix rules apply.
            if (digits.size() > max_e164_digits + 2) return std::nullopt;
            digits.push_back(c);
        } else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') {
            continue;
        } else if (c == '+' && !international && digits.empty()) {
            // "(+34) 612…" is common, so "+" may follow punctuation but no digit.
            international = true;
        } else {
            return std::nullopt;
        }
    }

    if (!international && digits.starts_with("00")) {
        digits.erase(0, 2);
    } else if (!international) {
        std::string_view country = default_country_code;
        if (country.starts_with('+')) country.remove_prefix(1);
        if (country.empty() || country.size() > 3 || !all_digits(country) || country.front() == '0') {
            return std::nullopt;
        }
        if (digits.starts_with('0')) digits.erase(0, 1);
        if (digits.empty()) return std::nullopt;
        digits.insert(0, country);
    }

    // No country code starts with 0, so "+0…" or "000…" cannot be a real number.
    if (digits.size() < min_e164_digits || digits.size() > max_e164_digits || digits.front() == '0') {
        return std::nullopt;
    }
    return "+" + digits;
}

}  // namespace outagedesk::domain
