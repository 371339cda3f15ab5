#include "outagedesk/domain/postcode.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <utility>

#include "outagedesk/domain/errors.hpp"

using namespace outagedesk::domain;

TEST_CASE("a postcode is upper-cased and loses its spaces and hyphens") {
    const auto [raw, expected] = GENERATE(table<std::string, std::string>({
        {"sw1a 1aa", "SW1A1AA"},
        {"1000-001", "1000001"},
        {"28001", "28001"},
        {"  28001  ", "28001"},
        {"ec1a-1bb", "EC1A1BB"},
        {"d02 x285", "D02X285"},
        {"ab", "AB"},
        {"1234567890", "1234567890"},
        {"12 345 678 90", "1234567890"},
        {"-2-8-", "28"},
    }));
    CAPTURE(raw);
    CHECK(normalise_postcode(raw) == std::optional<std::string>(expected));
}

TEST_CASE("a postcode that is not 2 to 10 letters or digits is refused") {
    const std::string raw = GENERATE(as<std::string>{}, "", " ", " - ", "1", "a -", "12345678901",
                                     "28.001", "28_001", "28001\t", "SW1A 1AA!", "28\xC3\xB1",
                                     "2+8", "*", "28001..28002", std::string(1000, '1'));
    CAPTURE(raw);
    CHECK_FALSE(normalise_postcode(raw).has_value());
}

TEST_CASE("only canonical postcodes count as normalised") {
    CHECK(is_normalised_postcode("SW1A1AA"));
    CHECK(is_normalised_postcode("28"));
    CHECK(is_normalised_postcode("1234567890"));
    CHECK_FALSE(is_normalised_postcode("sw1a1aa"));
    CHECK_FALSE(is_normalised_postcode("SW1A 1AA"));
    CHECK_FALSE(is_normalised_postcode("2"));
    CHECK_FALSE(is_normalised_postcode("12345678901"));
    CHECK_FALSE(is_normalised_postcode(""));
}

TEST_CASE("require_postcode returns the normal form of a good postcode") {
    CHECK(require_postcode("sw1a 1aa", "postcode") == "SW1A1AA");
}

TEST_CASE("require_postcode names the field when the postcode is bad") {
    try {
        require_postcode("x", "customer.postcode");
        FAIL("expected invalid_input");
    } catch (const invalid_input& e) {
        CHECK(e.field() == "customer.postcode");
        CHECK(std::string(e.what()) ==
              "customer.postcode: must be 2 to 10 letters or digits (spaces and hyphens are ignored)");
    }
}

TEST_CASE("a phone number becomes E.164") {
    const auto [raw, country, expected] = GENERATE(table<std::string, std::string, std::string>({
        {"612 345 678", "34", "+34612345678"},
        {"0034612345678", "34", "+34612345678"},
        {"+44 20 7946 0958", "34", "+442079460958"},
        {"020 7946 0958", "44", "+442079460958"},
        {"(+34) 612-345-678", "44", "+34612345678"},
        {"612.345.678", "+34", "+34612345678"},
        {"+1 (415) 555-2671", "34", "+14155552671"},
        {"001 415 555 2671", "34", "+14155552671"},
        {"07700 900123", "44", "+447700900123"},
        {"+12345678", "34", "+12345678"},
        {"+123456789012345", "34", "+123456789012345"},
    }));
    CAPTURE(raw, country);
    CHECK(normalise_phone(raw, country) == std::optional<std::string>(expected));
}

TEST_CASE("a phone number with letters, stray symbols or a bad length is refused") {
    const auto [raw, country] = GENERATE(table<std::string, std::string>({
        {"", "34"},
        {"   ", "34"},
        {"abc", "34"},
        {"612 345 67a", "34"},
        {"612 345 678 ext 2", "34"},
        {"612_345_678", "34"},
        {"++34612345678", "34"},
        {"34+612345678", "34"},
        {"+34 612 345 678 +", "34"},
        {"+0034612345678", "34"},
        {"0000612345678", "34"},
        {"12345", "34"},
        {"0", "34"},
        {"00", "34"},
        {"+1234567", "34"},
        {"+1234567890123456", "34"},
        {"00 1234 5678 9012 3456", "34"},
        {"612 345 678", ""},
        {"612 345 678", "abc"},
        {"612 345 678", "0034"},
        {"612 345 678", "1234"},
        {"+34 612 345 678\n", "34"},
    }));
    CAPTURE(raw, country);
    CHECK_FALSE(normalise_phone(raw, country).has_value());
}

TEST_CASE("an international number ignores the default country code") {
    CHECK(normalise_phone("+34 612 345 678", "44") == std::optional<std::string>("+34612345678"));
    CHECK(normalise_phone("0034 612 345 678", "44") == std::optional<std::string>("+34612345678"));
}

TEST_CASE("a single leading zero is a trunk prefix but a double zero means international") {
    CHECK(normalise_phone("0612345678", "34") == std::optional<std::string>("+34612345678"));
    CHECK(normalise_phone("00612345678", "34") == std::optional<std::string>("+612345678"));
}
