#pragma once
// Area expressions, the strings ops type to say where an incident is: an
// exact postcode "28001", a prefix "280*", an inclusive range "28100..28199"
// (bounds of one length, compared as strings) or the whole country "*".
// This is the one place their syntax is checked and their meaning defined;
// postcode_index must agree with area_expression::matches. Pure: never I/O,
// never a locale; bad syntax is the client's mistake and throws invalid_input.
#include <string>
#include <string_view>
#include <vector>

namespace outagedesk::domain {

// A prefix leaves room for at least one more character of a postcode.
inline constexpr std::size_t max_prefix_length = 9;

struct area_expression {
    enum class kind { exact, prefix, range, all };

    kind kind_ = kind::all;
    std::string lo_;  // the postcode (exact), the prefix (prefix), the lower bound (range)
    std::string hi_;  // the upper bound (range); empty otherwise

    // `postcode` should come from normalise_postcode; anything that is not a
    // normalised postcode matches nothing, not even "*".
    bool matches(std::string_view postcode) const noexcept;

    // Whether some postcode that starts with `prefix` could match: never false
    // when one does, so a caller may skip what lies under a prefix (a surge
    // alert's area) without reading it.
    bool may_match_under(std::string_view prefix) const noexcept;

    // Canonical spelling: "28001", "280*", "28100..28199", "*".
    std::string text() const;

    friend bool operator==(const area_expression&, const area_expression&) = default;
};

// Trims surrounding whitespace and normalises like a postcode (upper case;
// spaces and hyphens dropped). Throws invalid_input (field "area") whose
// message is the bare reason, e.g. "range bounds differ in length".
area_expression parse_area(std::string_view text);

// Parses every entry; the first bad one throws invalid_input with field
// "areas[2]" and a message that starts with it ("areas[2]: …"). An empty list
// is an error. Entries with the same canonical text are kept once, in order.
std::vector<area_expression> parse_areas(const std::vector<std::string>& texts,
                                         const std::string& field = "areas");

// Whether any expression matches; linear, for tests and small lists — hot
// paths use postcode_index.
bool areas_match(const std::vector<area_expression>& areas, std::string_view postcode) noexcept;

}  // namespace outagedesk::domain
