#include "outagedesk/domain/service.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "outagedesk/domain/errors.hpp"

using namespace outagedesk::domain;

namespace {

std::optional<invalid_input> parse_error(const std::vector<std::string>& names,
                                         const std::string& field) {
    try {
        parse_services(names, field);
    } catch (const invalid_input& e) {
        return e;
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("every service has a name that parses back to it") {
    const std::vector<std::string> expected = {"mobile_voice", "mobile_data", "fixed_voice",
                                               "broadband", "tv"};
    REQUIRE(all_services.size() == expected.size());
    for (std::size_t i = 0; i < all_services.size(); ++i) {
        CHECK(service_name(all_services[i]) == expected[i]);
        CHECK(service_from_name(expected[i]) == all_services[i]);
        CHECK(parse_service(expected[i]) == service_set{all_services[i]});
    }
}

TEST_CASE("an unknown service name parses to nothing") {
    const std::string name = GENERATE(as<std::string>{}, "", "TV", " tv", "tv ", "internet", "voice");
    CAPTURE(name);
    CHECK_FALSE(parse_service(name).has_value());
    CHECK_FALSE(service_from_name(name).has_value());
}

TEST_CASE("a service set behaves as a set") {
    service_set set;
    CHECK(set.empty());
    CHECK(set.size() == 0);
    set.insert(service::tv);
    set.insert(service::tv);
    set.insert(service::mobile_voice);
    CHECK(set.size() == 2);
    CHECK(set.contains(service::tv));
    CHECK_FALSE(set.contains(service::broadband));
    CHECK(set == service_set{service::mobile_voice, service::tv});
    CHECK_FALSE(set == service_set{service::tv});
    set.erase(service::tv);
    CHECK(set == service_set{service::mobile_voice});
    CHECK(set.overlaps(service_set{service::mobile_voice, service::broadband}));
    CHECK_FALSE(set.overlaps(service_set{service::broadband}));
    CHECK_FALSE(set.overlaps(service_set{}));
}

TEST_CASE("a service set lists its members in canonical order") {
    const service_set set{service::tv, service::broadband, service::mobile_voice};
    CHECK(set.names() == std::vector<std::string>{"mobile_voice", "broadband", "tv"});
    CHECK(set.members() == std::vector<service>{service::mobile_voice, service::broadband, service::tv});
    CHECK(service_set{}.names().empty());
}

TEST_CASE("a service set survives a round trip through its bits and drops unknown ones") {
    const service_set set{service::fixed_voice, service::tv};
    CHECK(service_set::from_bits(set.bits()) == set);
    CHECK(service_set::from_bits(0xFF).size() == all_services.size());
    CHECK(service_set::from_bits(0xE0).empty());
}

TEST_CASE("a list of service names parses to a set") {
    CHECK(parse_services({}, "services").empty());
    CHECK(parse_services({"broadband", "mobile_data"}, "services") ==
          service_set{service::broadband, service::mobile_data});
}

TEST_CASE("an unknown service in a list is reported by its index with the valid names") {
    const auto e = parse_error({"tv", "internet"}, "services");
    REQUIRE(e);
    CHECK(e->field() == "services[1]");
    CHECK(std::string(e->what()) ==
          "services[1]: unknown service 'internet' (valid: mobile_voice, mobile_data, fixed_voice, "
          "broadband, tv)");
}

TEST_CASE("a repeated service in a list is reported by the index of the repeat") {
    const auto e = parse_error({"tv", "broadband", "tv"}, "customer.services");
    REQUIRE(e);
    CHECK(e->field() == "customer.services[2]");
    CHECK(std::string(e->what()) ==
          "customer.services[2]: 'tv' is listed twice; name each of mobile_voice, mobile_data, "
          "fixed_voice, broadband, tv at most once");
}

TEST_CASE("a very long unknown service name is cut short in the error") {
    const auto e = parse_error({std::string(5000, 'x')}, "services");
    REQUIRE(e);
    CHECK(std::string(e->what()).size() < 200);
}

TEST_CASE("a customer is affected unless both list services and share none") {
    const service_set none;
    const service_set voice{service::fixed_voice};
    const service_set net{service::broadband, service::mobile_data};
    const service_set both{service::fixed_voice, service::broadband};
    CHECK(customer_affected(none, none));
    CHECK(customer_affected(none, voice));
    CHECK(customer_affected(voice, none));
    CHECK(customer_affected(voice, both));
    CHECK(customer_affected(both, net));
    CHECK_FALSE(customer_affected(voice, net));
    CHECK_FALSE(customer_affected(net, voice));
    CHECK_FALSE(customer_affected(service_set{service::tv}, both));
}

TEST_CASE("telephony is fixed and mobile voice and internet access is broadband and mobile data") {
    CHECK(is_telephony(service::fixed_voice));
    CHECK(is_telephony(service::mobile_voice));
    CHECK_FALSE(is_telephony(service::broadband));
    CHECK_FALSE(is_telephony(service::mobile_data));
    CHECK_FALSE(is_telephony(service::tv));
    CHECK(is_internet_access(service::broadband));
    CHECK(is_internet_access(service::mobile_data));
    CHECK_FALSE(is_internet_access(service::fixed_voice));
    CHECK_FALSE(is_internet_access(service::mobile_voice));
    CHECK_FALSE(is_internet_access(service::tv));
}
