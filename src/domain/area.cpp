#include "outagedesk/domain/area.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_set>
#include <utility>

#include "outagedesk/domain/errors.hpp"
#include "outagedesk/domain/postcode.hpp"

namespace outagedesk::domain {
namespace {

// Either an expression or the reason there is none; parse_area and
// parse_areas report the same reasons under different field names.
struct parse_outcome {
    area_expression expression;
    std::string error;
};

parse_outcome failure(std::string reason) { return {{}, std::move(reason)}; }

constexpr bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}
constexpr bool is_alnum(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

std::string describe_invalid(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x21 && byte < 0x7f) return std::string("invalid character '") + c + "'";
    // Control or non-ASCII bytes would be unreadable (or half a UTF-8
    // sequence) inside quotes.
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(byte));
    return std::string("invalid byte ") + hex;
}

// Upper-cases and drops separators; the caller has rejected everything else.
std::string squeeze(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == ' ' || c == '-') continue;
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        out.push_back(c);
    }
    return out;
}

parse_outcome parse_range(std::string_view text) {
    const auto sep = text.find("..");
    if (sep == std::string_view::npos || text.find('.', sep + 2) != std::string_view::npos ||
        text.substr(0, sep).find('.') != std::string_view::npos) {
        return failure("a range is written lo..hi, with exactly one '..'");
    }
    if (text.find('*') != std::string_view::npos) return failure("a range bound may not contain '*'");

    std::string lo = squeeze(text.substr(0, sep));
    std::string hi = squeeze(text.substr(sep + 2));
    if (lo.empty()) return failure("range is missing its lower bound");
    if (hi.empty()) return failure("range is missing its upper bound");
    for (const std::string* bound : {&lo, &hi}) {
        if (bound->size() < min_postcode_length || bound->size() > max_postcode_length) {
            return failure("each range bound needs 2 to 10 characters");
        }
    }
    if (lo.size() != hi.size()) return failure("range bounds differ in length");
    if (lo > hi) return failure("range is reversed (lo > hi)");
    return {{area_expression::kind::range, std::move(lo), std::move(hi)}, {}};
}

parse_outcome parse_one(std::string_view raw) {
    const std::string_view text = trim(raw);
    if (text.empty()) return failure("empty expression");
    for (char c : text) {
        if (!is_alnum(c) && c != ' ' && c != '-' && c != '*' && c != '.') {
            return failure(describe_invalid(c));
        }
    }

    if (text.find('.') != std::string_view::npos) return parse_range(text);

    if (const auto star = text.find('*'); star != std::string_view::npos) {
        if (star + 1 != text.size()) return failure("'*' may only end a prefix");
        std::string prefix = squeeze(text.substr(0, star));
        if (prefix.size() > max_prefix_length) {
            return failure("a prefix has at most 9 characters before '*'");
        }
        if (prefix.empty()) return {{area_expression::kind::all, {}, {}}, {}};
        return {{area_expression::kind::prefix, std::move(prefix), {}}, {}};
    }

    std::string postcode = squeeze(text);
    // Only separators, e.g. "- -": nothing was said.
    if (postcode.empty()) return failure("empty expression");
    if (postcode.size() < min_postcode_length) {
        return failure("an exact postcode needs at least 2 characters");
    }
    if (postcode.size() > max_postcode_length) {
        return failure("an exact postcode has at most 10 characters");
    }
    return {{area_expression::kind::exact, std::move(postcode), {}}, {}};
}

}  // namespace

bool area_expression::matches(std::string_view postcode) const noexcept {
    if (!is_normalised_postcode(postcode)) return false;
    switch (kind_) {
        case kind::exact: return postcode == lo_;
        case kind::prefix: return postcode.starts_with(lo_);
        case kind::range: return postcode.size() == lo_.size() && lo_ <= postcode && postcode <= hi_;
        case kind::all: return true;
    }
    return false;
}

bool area_expression::may_match_under(std::string_view prefix) const noexcept {
    switch (kind_) {
        case kind::exact: return std::string_view(lo_).starts_with(prefix);
        case kind::prefix: return std::string_view(lo_).starts_with(prefix) || prefix.starts_with(lo_);
        case kind::range: {
            if (prefix.size() >= lo_.size()) return matches(prefix);
            // Postcodes of the range's length under the prefix run from
            // prefix+"00…" to prefix+"ZZ…": they meet [lo, hi] when the prefix
            // lies between the bounds cut to its length.
            const auto n = prefix.size();
            return std::string_view(lo_).substr(0, n) <= prefix && prefix <= std::string_view(hi_).substr(0, n);
        }
        case kind::all: return true;
    }
    return true;
}

std::string area_expression::text() const {
    switch (kind_) {
        case kind::exact: return lo_;
        case kind::prefix: return lo_ + "*";
        case kind::range: return lo_ + ".." + hi_;
        case kind::all: return "*";
    }
    return {};
}

area_expression parse_area(std::string_view text) {
    auto outcome = parse_one(text);
    if (!outcome.error.empty()) throw invalid_input("area", outcome.error);
    return std::move(outcome.expression);
}

std::vector<area_expression> parse_areas(const std::vector<std::string>& texts,
                                         const std::string& field) {
    if (texts.empty()) throw invalid_input(field, "at least one area is required");
    std::vector<area_expression> out;
    out.reserve(texts.size());
    std::unordered_set<std::string> seen;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        auto outcome = parse_one(texts[i]);
        if (!outcome.error.empty()) {
            const std::string entry = field + "[" + std::to_string(i) + "]";
            throw invalid_input(entry, entry + ": " + outcome.error);
        }
        if (seen.insert(outcome.expression.text()).second) {
            out.push_back(std::move(outcome.expression));
        }
    }
    return out;
}

bool areas_match(const std::vector<area_expression>& areas, std::string_view postcode) noexcept {
    return std::any_of(areas.begin(), areas.end(),
                       [postcode](const area_expression& area) { return area.matches(postcode); });
}

}  // namespace outagedesk::domain
