#include "outagedesk/service/clock.hpp"

#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

using namespace outagedesk::service;
using std::chrono::seconds;

TEST_CASE("the clock offset file holds a signed number of seconds") {
    CHECK(parse_clock_offset("0") == seconds{0});
    CHECK(parse_clock_offset(" 1209600\n") == seconds{1209600});
    CHECK(parse_clock_offset("+60") == seconds{60});
    CHECK(parse_clock_offset("-3600") == seconds{-3600});
    CHECK_FALSE(parse_clock_offset(""));
    CHECK_FALSE(parse_clock_offset("1.5"));
    CHECK_FALSE(parse_clock_offset("12 days"));
}

TEST_CASE("the offset clock follows changes of its file") {
    outagedesk::test::temp_dir dir;
    const auto file = dir.path() / "offset";
    auto clock = offset_clock(file);
    auto system = system_clock();
    CHECK(clock() - system() <= seconds{1});  // no file yet: no offset
    std::ofstream(file) << 86400;
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    auto shifted = clock() - system();
    CHECK(shifted >= seconds{86399});
    CHECK(shifted <= seconds{86401});
}
