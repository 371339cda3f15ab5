#include "outagedesk/domain/postcode_index.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "outagedesk/domain/area.hpp"

using namespace outagedesk::domain;
using keys = std::vector<std::uint32_t>;

namespace {

postcode_index index_of(const std::vector<std::pair<std::uint32_t, std::string>>& entries) {
    postcode_index index;
    for (const auto& [key, text] : entries) index.add(key, parse_area(text));
    index.build();
    return index;
}

}  // namespace

TEST_CASE("an empty index matches nothing") {
    postcode_index index;
    index.build();
    CHECK(index.size() == 0);
    CHECK(index.match("28001").empty());
}

TEST_CASE("the index finds exact postcodes, prefixes, ranges and the whole country") {
    const auto index = index_of({
        {10, "28001"},
        {11, "280*"},
        {12, "28000..28099"},
        {13, "*"},
        {14, "SW1A 1AA"},
        {15, "SW1*"},
        {16, "AB10..AB1Z"},
        {17, "2*"},
    });
    CHECK(index.size() == 8);
    CHECK(index.match("28001") == keys{10, 11, 12, 13, 17});
    CHECK(index.match("28002") == keys{11, 12, 13, 17});
    CHECK(index.match("28100") == keys{13, 17});
    CHECK(index.match("280") == keys{11, 13, 17});
    CHECK(index.match("2800") == keys{11, 13, 17});
    CHECK(index.match("28") == keys{13, 17});
    CHECK(index.match("SW1A1AA") == keys{13, 14, 15});
    CHECK(index.match("SW1P3JA") == keys{13, 15});
    CHECK(index.match("AB1A") == keys{13, 16});
    CHECK(index.match("AB10") == keys{13, 16});
    CHECK(index.match("AB1Z") == keys{13, 16});
    CHECK(index.match("AB20") == keys{13});
    CHECK(index.match("AB0Z") == keys{13});
    CHECK(index.match("99") == keys{13});
}

TEST_CASE("a key matched by several of its expressions is returned once") {
    const auto index = index_of({
        {7, "28001"},
        {7, "280*"},
        {7, "28000..28005"},
        {7, "28001..28001"},
        {7, "*"},
        {3, "28*"},
        {3, "28*"},
    });
    CHECK(index.size() == 7);
    CHECK(index.match("28001") == keys{3, 7});
}

TEST_CASE("nested and overlapping ranges all stab the postcodes they share") {
    const auto index = index_of({
        {1, "10..90"},
        {2, "20..80"},
        {3, "30..70"},
        {4, "40..60"},
        {5, "50..50"},
        {6, "45..95"},
        {7, "05..15"},
    });
    CHECK(index.match("04").empty());
    CHECK(index.match("05") == keys{7});
    CHECK(index.match("10") == keys{1, 7});
    CHECK(index.match("12") == keys{1, 7});
    CHECK(index.match("16") == keys{1});
    CHECK(index.match("45") == keys{1, 2, 3, 4, 6});
    CHECK(index.match("50") == keys{1, 2, 3, 4, 5, 6});
    CHECK(index.match("5A") == keys{1, 2, 3, 4, 6});  // "40" < "5A" < "60" as strings
    CHECK(index.match("90") == keys{1, 6});
    CHECK(index.match("91") == keys{6});
    CHECK(index.match("96").empty());
    CHECK(index.match("500").empty());
}

TEST_CASE("the index matches nothing for a string that is not a normalised postcode") {
    const auto index = index_of({{1, "*"}, {2, "28*"}, {3, "28001"}});
    CHECK(index.match("").empty());
    CHECK(index.match("2").empty());
    CHECK(index.match("28 001").empty());
    CHECK(index.match("sw1a1aa").empty());
    CHECK(index.match("12345678901").empty());
}

TEST_CASE("the index refuses to change after build and to answer before it") {
    postcode_index index;
    index.add(1, parse_area("28001"));
    CHECK_THROWS_AS(index.match("28001"), std::logic_error);
    index.build();
    index.build();
    CHECK(index.match("28001") == keys{1});
    CHECK_THROWS_AS(index.add(2, parse_area("28002")), std::logic_error);
}

TEST_CASE("the index refuses an expression that parse_area could not have produced") {
    using kind = area_expression::kind;
    postcode_index index;
    CHECK_THROWS_AS(index.add(1, area_expression{kind::exact, "sw1a", ""}), std::invalid_argument);
    CHECK_THROWS_AS(index.add(1, area_expression{kind::prefix, "", ""}), std::invalid_argument);
    CHECK_THROWS_AS(index.add(1, area_expression{kind::prefix, "1234567890", ""}),
                    std::invalid_argument);
    CHECK_THROWS_AS(index.add(1, area_expression{kind::range, "29", "28"}), std::invalid_argument);
    CHECK_THROWS_AS(index.add(1, area_expression{kind::range, "28", "280"}), std::invalid_argument);
    CHECK(index.size() == 0);
}

namespace {

// Portable across standard libraries, unlike std::uniform_int_distribution,
// so a failing seed reproduces everywhere.
std::size_t pick(std::mt19937& rng, std::size_t n) { return rng() % n; }

std::string random_code(std::mt19937& rng, std::string_view alphabet, std::size_t length) {
    std::string out;
    for (std::size_t i = 0; i < length; ++i) out.push_back(alphabet[pick(rng, alphabet.size())]);
    return out;
}

struct random_case {
    std::vector<std::pair<std::uint32_t, area_expression>> entries;
    std::vector<std::string> postcodes;
};

// A small alphabet that straddles the digit/letter boundary and short codes
// make expressions overlap often, so most postcodes match several keys.
random_case make_case(std::uint32_t seed, std::size_t expression_count, std::uint32_t key_count) {
    constexpr std::string_view alphabet = "019ABZ";
    std::mt19937 rng(seed);
    random_case c;
    for (std::size_t i = 0; i < expression_count; ++i) {
        const auto key = static_cast<std::uint32_t>(pick(rng, key_count));
        const std::size_t roll = pick(rng, 1000);
        const std::string text = [&]() -> std::string {
            if (roll < 3) return "*";
            if (roll < 350) return random_code(rng, alphabet, 2 + pick(rng, 5));
            if (roll < 650) return random_code(rng, alphabet, 1 + pick(rng, 5)) + "*";
            const std::size_t length = 2 + pick(rng, 5);
            std::string lo = random_code(rng, alphabet, length);
            std::string hi = random_code(rng, alphabet, length);
            if (hi < lo) std::swap(lo, hi);
            return lo + ".." + hi;
        }();
        c.entries.emplace_back(key, parse_area(text));
    }
    // Lengths up to 7 include postcodes longer than any expression.
    for (int i = 0; i < 1000; ++i) c.postcodes.push_back(random_code(rng, alphabet, 2 + pick(rng, 6)));
    // Bounds are where off-by-one mistakes live.
    std::vector<std::string> bounds;
    for (const auto& [key, area] : c.entries) {
        if (area.lo_.size() >= 2) bounds.push_back(area.lo_);
        if (!area.hi_.empty()) bounds.push_back(area.hi_);
    }
    for (std::size_t i = 0; i < std::min<std::size_t>(bounds.size(), 1000); ++i) {
        c.postcodes.push_back(bounds[pick(rng, bounds.size())]);
    }
    return c;
}

keys brute_force(const random_case& c, std::string_view postcode) {
    keys out;
    for (const auto& [key, area] : c.entries) {
        if (area.matches(postcode)) out.push_back(key);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace

TEST_CASE("the index agrees with a brute-force matcher on random areas and postcodes") {
    const std::uint32_t seed = GENERATE(1u, 7u, 42u, 2024u, 987654321u);
    const auto [expression_count, key_count] = GENERATE(table<std::size_t, std::uint32_t>({
        {1, 1},
        {2, 2},
        {5, 3},
        {40, 10},
        {3000, 300},
    }));
    CAPTURE(seed, expression_count, key_count);

    const auto c = make_case(seed, expression_count, key_count);
    postcode_index index;
    for (const auto& [key, area] : c.entries) index.add(key, area);
    index.build();
    REQUIRE(index.size() == c.entries.size());

    std::size_t mismatches = 0;
    std::size_t matched = 0;
    for (const auto& postcode : c.postcodes) {
        const auto want = brute_force(c, postcode);
        const auto got = index.match(postcode);
        if (!want.empty()) ++matched;
        if (got != want) {
            ++mismatches;
            CAPTURE(postcode);
            CHECK(got == want);
        }
    }
    CHECK(mismatches == 0);
    // Guards the test itself: with many expressions most postcodes must match.
    if (expression_count >= 3000) CHECK(matched * 2 > c.postcodes.size());
}
