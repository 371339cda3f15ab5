#include "outagedesk/config/config.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using outagedesk::config::config_error;
using outagedesk::config::parse_settings;

namespace {
std::string error_of(const std::string& json) {
    try {
        parse_settings(json, ".");
    } catch (const config_error& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("an empty config object yields the documented defaults", "[config]") {
    auto s = parse_settings("{}", "/etc/outagedesk");
    CHECK(s.listen.host == "127.0.0.1");
    CHECK(s.listen.port == 8080);
    CHECK(s.threads == 1);
    CHECK(s.lookup_threads == 2);
    CHECK(s.default_language == "es");
    CHECK(s.http.max_body_bytes == 1024 * 1024);
    CHECK(s.store.mmap_mib == 1024);
    CHECK(s.templates_dir == std::filesystem::path("/etc/outagedesk/templates"));
}

TEST_CASE("the shipped config file loads", "[config]") {
    auto s = outagedesk::config::load_settings(std::string(OUTAGEDESK_SOURCE_DIR) + "/config/outagedesk.json");
    CHECK(s.listen.port == 8080);
    CHECK(s.timezone == "Europe/Madrid");
    CHECK(s.notify.quiet.has_value());
    CHECK(s.surge.prefix_length == 3);
}

TEST_CASE("an unknown key stops the start and is named", "[config]") {
    CHECK_THAT(error_of(R"({"listen":"127.0.0.1:80","treads":4})"), Catch::Contains("'treads'") && Catch::Contains("not a known setting"));
    CHECK_THAT(error_of(R"({"notify":{"gateway":"x"}})"), Catch::Contains("'notify.gateway'"));
    CHECK_THAT(error_of(R"({"http":{"max_body":1}})"), Catch::Contains("'http.max_body'"));
}

TEST_CASE("bad values are refused with the key that holds them", "[config]") {
    CHECK_THAT(error_of(R"({"threads":0})"), Catch::Contains("'threads'") && Catch::Contains("between"));
    CHECK_THAT(error_of(R"({"threads":"two"})"), Catch::Contains("'threads'") && Catch::Contains("integer"));
    CHECK_THAT(error_of(R"({"lookup_threads":-1})"), Catch::Contains("'lookup_threads'") && Catch::Contains("between"));
    CHECK_THAT(error_of(R"({"lookup_threads":257})"), Catch::Contains("'lookup_threads'") && Catch::Contains("between"));
    CHECK(parse_settings(R"({"lookup_threads":0})", "/etc/outagedesk").lookup_threads == 0);
    CHECK_THAT(error_of(R"({"listen":"localhost"})"), Catch::Contains("'listen'"));
    CHECK_THAT(error_of(R"({"listen":"127.0.0.1:99999"})"), Catch::Contains("'listen'") && Catch::Contains("port"));
    CHECK_THAT(error_of(R"({"log_level":"loud"})"), Catch::Contains("'log_level'") && Catch::Contains("one of"));
    CHECK_THAT(error_of(R"({"notify":{"min_severity":"huge"}})"), Catch::Contains("'notify.min_severity'"));
    CHECK_THAT(error_of(R"({"notify":{"quiet_hours":{"from":"25:00","to":"08:00"}}})"),
               Catch::Contains("'notify.quiet_hours.from'"));
    CHECK_THAT(error_of(R"({"notify":{"gateway_url":"ftp://x"}})"), Catch::Contains("'notify.gateway_url'"));
    CHECK_THAT(error_of(R"({"compensation":{"rules":["made_up"]}})"), Catch::Contains("'compensation.rules'"));
    CHECK_THAT(error_of(R"({"database":""})"), Catch::Contains("'database'"));
    CHECK_THAT(error_of(R"({"store":{"mmap_mib":-1}})"), Catch::Contains("'store.mmap_mib'"));
    CHECK_THAT(error_of(R"([1,2])"), Catch::Contains("must be an object"));
    CHECK_THAT(error_of(R"({"threads": 2,)"), Catch::Contains("not valid JSON"));
}

TEST_CASE("quiet hours can be turned off with null", "[config]") {
    auto s = parse_settings(R"({"notify":{"quiet_hours":null}})", ".");
    CHECK_FALSE(s.notify.quiet.has_value());
}

TEST_CASE("a missing config file is reported by path", "[config]") {
    REQUIRE_THROWS_WITH(outagedesk::config::load_settings("/nonexistent/od.json"), Catch::Contains("/nonexistent/od.json"));
}
