#include "outagedesk/domain/area.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "outagedesk/domain/errors.hpp"

using namespace outagedesk::domain;
using kind = area_expression::kind;

namespace {

std::optional<invalid_input> area_error(const std::string& text) {
    try {
        parse_area(text);
    } catch (const invalid_input& e) {
        return e;
    }
    return std::nullopt;
}

std::optional<invalid_input> areas_error(const std::vector<std::string>& texts,
                                         const std::string& field = "areas") {
    try {
        parse_areas(texts, field);
    } catch (const invalid_input& e) {
        return e;
    }
    return std::nullopt;
}

std::vector<std::string> texts_of(const std::vector<area_expression>& areas) {
    std::vector<std::string> out;
    for (const auto& area : areas) out.push_back(area.text());
    return out;
}

}  // namespace

TEST_CASE("an area expression is parsed into its canonical form") {
    const auto [raw, expected_kind, canonical] = GENERATE(table<std::string, kind, std::string>({
        {"28001", kind::exact, "28001"},
        {" sw1a 1aa ", kind::exact, "SW1A1AA"},
        {"1000-001", kind::exact, "1000001"},
        {"\t28001\r\n", kind::exact, "28001"},
        {"ab", kind::exact, "AB"},
        {"1234567890", kind::exact, "1234567890"},
        {"280*", kind::prefix, "280*"},
        {"sw1a*", kind::prefix, "SW1A*"},
        {"2 8 0 *", kind::prefix, "280*"},
        {"2*", kind::prefix, "2*"},
        {"123456789*", kind::prefix, "123456789*"},
        {"*", kind::all, "*"},
        {"  *  ", kind::all, "*"},
        {"28100..28199", kind::range, "28100..28199"},
        {"28100 .. 28199", kind::range, "28100..28199"},
        {"ab10..ab19", kind::range, "AB10..AB19"},
        {"1000-001..1000-099", kind::range, "1000001..1000099"},
        {"28001..28001", kind::range, "28001..28001"},
        {"10..99", kind::range, "10..99"},
    }));
    CAPTURE(raw);
    const auto area = parse_area(raw);
    CHECK(area.kind_ == expected_kind);
    CHECK(area.text() == canonical);
    // The canonical text is itself valid and means the same.
    CHECK(parse_area(area.text()) == area);
}

TEST_CASE("a range keeps its bounds apart") {
    const auto area = parse_area("28100..28199");
    CHECK(area.lo_ == "28100");
    CHECK(area.hi_ == "28199");
    const auto prefix = parse_area("280*");
    CHECK(prefix.lo_ == "280");
    CHECK(prefix.hi_.empty());
}

TEST_CASE("a malformed area expression is refused with a precise reason") {
    const auto [raw, reason] = GENERATE(table<std::string, std::string>({
        {"", "empty expression"},
        {"   ", "empty expression"},
        {" - ", "empty expression"},
        {"2", "an exact postcode needs at least 2 characters"},
        {"-2-", "an exact postcode needs at least 2 characters"},
        {"12345678901", "an exact postcode has at most 10 characters"},
        {"28_001", "invalid character '_'"},
        {"28,28002", "invalid character ','"},
        {"280?", "invalid character '?'"},
        {"28\t001", "invalid byte 0x09"},
        {"28\xC3\xB1", "invalid byte 0xC3"},
        {"2*8", "'*' may only end a prefix"},
        {"*28", "'*' may only end a prefix"},
        {"**", "'*' may only end a prefix"},
        {"1234567890*", "a prefix has at most 9 characters before '*'"},
        {"28.001", "a range is written lo..hi, with exactly one '..'"},
        {"28...30", "a range is written lo..hi, with exactly one '..'"},
        {"2.8..30", "a range is written lo..hi, with exactly one '..'"},
        {"10..20..30", "a range is written lo..hi, with exactly one '..'"},
        {"28*..29*", "a range bound may not contain '*'"},
        {"..28199", "range is missing its lower bound"},
        {" - ..28199", "range is missing its lower bound"},
        {"28100..", "range is missing its upper bound"},
        {"..", "range is missing its lower bound"},
        {"2..3", "each range bound needs 2 to 10 characters"},
        {"28..3", "each range bound needs 2 to 10 characters"},
        {"12345678901..12345678902", "each range bound needs 2 to 10 characters"},
        {"28..281", "range bounds differ in length"},
        {"28100..2819", "range bounds differ in length"},
        {"28199..28100", "range is reversed (lo > hi)"},
        {"AB20..AB1Z", "range is reversed (lo > hi)"},
    }));
    CAPTURE(raw);
    const auto e = area_error(raw);
    REQUIRE(e);
    CHECK(e->field() == "area");
    CHECK(std::string(e->what()) == reason);
}

TEST_CASE("an empty list of areas is refused") {
    const auto e = areas_error({});
    REQUIRE(e);
    CHECK(e->field() == "areas");
    CHECK(std::string(e->what()) == "at least one area is required");
}

TEST_CASE("a bad entry in a list of areas is named by its index") {
    const auto e = areas_error({"28001", "280*", "28..281", "x"});
    REQUIRE(e);
    CHECK(e->field() == "areas[2]");
    CHECK(std::string(e->what()) == "areas[2]: range bounds differ in length");
}

TEST_CASE("a list of areas under another field name is reported under that name") {
    const auto e = areas_error({""}, "incident.areas");
    REQUIRE(e);
    CHECK(e->field() == "incident.areas[0]");
    CHECK(std::string(e->what()) == "incident.areas[0]: empty expression");
}

TEST_CASE("repeated areas are kept once in their first position") {
    const auto areas =
        parse_areas({"280*", "28001", " 280 * ", "sw1a 1aa", "28001", "*", "SW1A1AA", "*"});
    CHECK(texts_of(areas) == std::vector<std::string>{"280*", "28001", "SW1A1AA", "*"});
}

TEST_CASE("an area expression matches the postcodes it names") {
    const auto [expression, postcode, expected] = GENERATE(table<std::string, std::string, bool>({
        // exact
        {"28001", "28001", true},
        {"28001", "28002", false},
        {"28001", "280010", false},
        {"28001", "2800", false},
        {"SW1A 1AA", "SW1A1AA", true},
        {"SW1A 1AA", "SW1A1AB", false},
        // prefix: the prefix itself is a postcode it covers
        {"280*", "280", true},
        {"280*", "28001", true},
        {"280*", "2809999999", true},
        {"280*", "28", false},
        {"280*", "29001", false},
        {"SW1*", "SW1A1AA", true},
        {"SW1*", "SW1P3JA", true},
        {"SW1*", "SW11AA", true},
        {"SW1A*", "SW1P3JA", false},
        {"2*", "28", true},
        // range: same length only, compared as strings
        {"28100..28199", "28100", true},
        {"28100..28199", "28150", true},
        {"28100..28199", "28199", true},
        {"28100..28199", "28099", false},
        {"28100..28200", "28200", true},
        {"28100..28199", "28200", false},
        {"28100..28199", "2815", false},
        {"28100..28199", "281500", false},
        {"28100..28199", "281", false},
        {"AB10..AB19", "AB15", true},
        {"AB10..AB19", "AB1A", false},
        {"AB1A..AB2Z", "AB1Z", true},
        {"AB1A..AB2Z", "AB20", true},
        {"AB1A..AB2Z", "AB19", false},
        {"SW1A1AA..SW1A1ZZ", "SW1A1BD", true},
        {"SW1A1AA..SW1A1ZZ", "SW1A2AA", false},
        {"28001..28001", "28001", true},
        {"28001..28001", "28002", false},
        // national
        {"*", "28001", true},
        {"*", "SW1A1AA", true},
        {"*", "AB", true},
        // what is not a normalised postcode matches nothing
        {"*", "", false},
        {"*", "2", false},
        {"*", "sw1a1aa", false},
        {"*", "SW1A 1AA", false},
        {"*", "12345678901", false},
        {"sw1a*", "sw1a1aa", false},
    }));
    CAPTURE(expression, postcode);
    CHECK(parse_area(expression).matches(postcode) == expected);
}

TEST_CASE("a postcode is in a list of areas when any of them matches") {
    const auto areas = parse_areas({"28001", "460*", "08001..08099"});
    CHECK(areas_match(areas, "28001"));
    CHECK(areas_match(areas, "46015"));
    CHECK(areas_match(areas, "08050"));
    CHECK_FALSE(areas_match(areas, "08100"));
    CHECK_FALSE(areas_match(areas, "28002"));
    CHECK_FALSE(areas_match({}, "28001"));
}

TEST_CASE("an area may match under a prefix exactly when one of the prefix's postcodes could match") {
    auto [expression, prefix, expected] = GENERATE(table<std::string, std::string, bool>({
        {"28001", "280", true},
        {"28001", "281", false},
        {"28001", "28001", true},
        {"280*", "280", true},
        {"28*", "280", true},   // the area holds the whole prefix
        {"2801*", "280", true}, // the prefix holds part of the area
        {"281*", "280", false},
        {"28100..28199", "281", true},
        {"28100..28199", "280", false},
        {"28100..28199", "282", false},
        {"28050..28150", "280", true},  // the range starts inside the prefix
        {"28050..28150", "281", true},  // and ends inside the next
        {"28050..28150", "2815", true},
        {"28050..28150", "2816", false},
        {"28050..28150", "28151", false},
        {"*", "999", true},
    }));
    CAPTURE(expression, prefix);
    CHECK(parse_area(expression).may_match_under(prefix) == expected);
}

TEST_CASE("may_match_under never rules out a prefix one of whose postcodes matches") {
    // Exhaustive over short postcodes: a filter that skips an alert's area
    // must not skip one whose contacts the incident covers.
    const std::vector<std::string> expressions = {"1234", "12*", "123*", "1*", "1200..1299", "1250..1349", "0999..1001", "*"};
    for (const auto& text : expressions) {
        const auto area = parse_area(text);
        for (int n = 0; n < 10000; ++n) {
            char buffer[5];
            std::snprintf(buffer, sizeof buffer, "%04d", n);
            const std::string postcode(buffer);
            if (!area.matches(postcode)) continue;
            for (std::size_t k = 1; k <= postcode.size(); ++k) {
                CAPTURE(text, postcode, k);
                REQUIRE(area.may_match_under(postcode.substr(0, k)));
            }
        }
    }
}
