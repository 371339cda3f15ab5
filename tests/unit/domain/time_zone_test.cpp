#include "outagedesk/domain/time_zone.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;
using outagedesk::domain::format_rfc3339_utc;
using outagedesk::domain::local_time;
using outagedesk::domain::parse_rfc3339;
using outagedesk::domain::time_zone;

namespace {

time_zone system_zone(const std::string& name) {
    std::ifstream in("/usr/share/zoneinfo/" + name, std::ios::binary);
    REQUIRE(in);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return time_zone::from_tzif(name, bytes);
}

std::chrono::sys_seconds at(std::string_view rfc3339) {
    const auto t = parse_rfc3339(rfc3339);
    REQUIRE(t);
    return *t;
}

void put_u32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFF);
}

void put_u64(std::string& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFF);
}

struct ttinfo {
    std::int32_t utoff;
    bool isdst;
};

// A TZif file built by hand: the same transitions in both blocks (version 2
// when a footer is given, version 1 otherwise).
std::string make_tzif(const std::vector<std::int64_t>& times, const std::vector<std::uint8_t>& types,
                      const std::vector<ttinfo>& infos, const std::optional<std::string>& footer) {
    auto block = [&](bool wide) {
        std::string out = "TZif";
        out += footer ? '2' : '\0';
        out.append(15, '\0');
        put_u32(out, 0);  // isutcnt
        put_u32(out, 0);  // isstdcnt
        put_u32(out, 0);  // leapcnt
        put_u32(out, static_cast<std::uint32_t>(times.size()));
        put_u32(out, static_cast<std::uint32_t>(infos.size()));
        put_u32(out, 4);  // charcnt
        for (auto t : times) {
            if (wide) put_u64(out, static_cast<std::uint64_t>(t));
            else put_u32(out, static_cast<std::uint32_t>(static_cast<std::int32_t>(t)));
        }
        for (auto type : types) out += static_cast<char>(type);
        for (const auto& info : infos) {
            put_u32(out, static_cast<std::uint32_t>(info.utoff));
            out += static_cast<char>(info.isdst ? 1 : 0);
            out += '\0';
        }
        out.append("ABC\0", 4);
        return out;
    };
    std::string out = block(false);
    if (footer) out += block(true) + "\n" + *footer + "\n";
    return out;
}

std::string footer_only(const std::string& footer) {
    return make_tzif({}, {}, {{0, false}}, footer);
}

}  // namespace

TEST_CASE("utc has no offset at any instant") {
    const time_zone utc = time_zone::utc();
    CHECK(utc.name() == "UTC");
    CHECK(utc.offset_at(at("1900-01-01T00:00:00Z")) == 0s);
    CHECK(utc.offset_at(at("2026-07-01T12:00:00Z")) == 0s);
    CHECK(utc.to_local(at("2026-11-25T23:30:05Z")) == local_time{2026, 11, 25, 23, 30, 5, 3});
}

TEST_CASE("madrid is one hour ahead in winter and two in summer") {
    const time_zone madrid = system_zone("Europe/Madrid");
    CHECK(madrid.name() == "Europe/Madrid");
    CHECK(madrid.offset_at(at("2026-01-15T12:00:00Z")) == 1h);
    CHECK(madrid.offset_at(at("2026-07-15T12:00:00Z")) == 2h);
}

TEST_CASE("known offsets hold before, at and after each switch, inside and past the table") {
    struct row {
        const char* zone;
        const char* instant;
        std::chrono::seconds offset;
    };
    // The system files list transitions up to 2037; 2040 exercises the footer.
    const auto rows = {
        row{"Europe/Madrid", "2026-03-29T00:59:59Z", 1h},
        row{"Europe/Madrid", "2026-03-29T01:00:00Z", 2h},
        row{"Europe/Madrid", "2026-10-25T00:59:59Z", 2h},
        row{"Europe/Madrid", "2026-10-25T01:00:00Z", 1h},
        row{"Europe/Madrid", "2040-01-10T12:00:00Z", 1h},
        row{"Europe/Madrid", "2040-03-25T00:59:59Z", 1h},
        row{"Europe/Madrid", "2040-03-25T01:00:00Z", 2h},
        row{"Europe/Madrid", "2040-07-01T12:00:00Z", 2h},
        row{"Europe/Madrid", "2040-10-28T00:59:59Z", 2h},
        row{"Europe/Madrid", "2040-10-28T01:00:00Z", 1h},
        row{"Europe/Madrid", "2040-12-31T23:59:59Z", 1h},
        row{"Europe/London", "2026-01-15T12:00:00Z", 0s},
        row{"Europe/London", "2026-07-15T12:00:00Z", 1h},
        row{"Europe/London", "2040-03-25T00:59:59Z", 0s},
        row{"Europe/London", "2040-03-25T01:00:00Z", 1h},
        row{"Europe/London", "2040-10-28T00:59:59Z", 1h},
        row{"Europe/London", "2040-10-28T01:00:00Z", 0s},
        row{"America/New_York", "2026-01-15T12:00:00Z", -5h},
        row{"America/New_York", "2026-07-15T12:00:00Z", -4h},
        row{"America/New_York", "2040-03-11T06:59:59Z", -5h},
        row{"America/New_York", "2040-03-11T07:00:00Z", -4h},
        row{"America/New_York", "2040-11-04T05:59:59Z", -4h},
        row{"America/New_York", "2040-11-04T06:00:00Z", -5h},
        row{"America/New_York", "1800-01-01T00:00:00Z", -(4h + 56min + 2s)},
    };
    for (const auto& r : rows) {
        INFO(r.zone << " at " << r.instant);
        CHECK(system_zone(r.zone).offset_at(at(r.instant)) == r.offset);
    }
}

TEST_CASE("late evening utc is already the next day in madrid") {
    const time_zone madrid = system_zone("Europe/Madrid");
    CHECK(madrid.to_local(at("2026-11-25T23:30:00Z")) == local_time{2026, 11, 26, 0, 30, 0, 4});
    CHECK(madrid.to_local(at("2026-07-31T22:15:42Z")) == local_time{2026, 8, 1, 0, 15, 42, 6});
    CHECK(madrid.to_local(at("2040-12-31T23:00:00Z")) == local_time{2041, 1, 1, 0, 0, 0, 2});
}

TEST_CASE("to_sys inverts to_local and resolves gaps and overlaps predictably") {
    const time_zone madrid = system_zone("Europe/Madrid");
    for (const char* instant : {"2026-01-15T12:00:00Z", "2026-07-15T03:04:05Z", "2040-08-01T23:59:59Z",
                                "1970-01-01T00:00:00Z"}) {
        INFO(instant);
        CHECK(madrid.to_sys(madrid.to_local(at(instant))) == at(instant));
    }
    // 02:30 on 29 March 2026 never happens in Madrid; it reads as 03:30 CEST.
    CHECK(madrid.to_sys({2026, 3, 29, 2, 30, 0, 0}) == at("2026-03-29T01:30:00Z"));
    // 02:30 on 25 October 2026 happens twice; the first one (CEST) wins.
    CHECK(madrid.to_sys({2026, 10, 25, 2, 30, 0, 0}) == at("2026-10-25T00:30:00Z"));
    CHECK(madrid.to_sys({2026, 10, 25, 3, 30, 0, 0}) == at("2026-10-25T02:30:00Z"));
}

TEST_CASE("a footer rule alone decides offsets in every form posix allows") {
    struct row {
        const char* footer;
        const char* instant;
        std::chrono::seconds offset;
    };
    const auto rows = {
        row{"<-03>3", "2030-01-01T00:00:00Z", -3h},
        row{"<+0530>-5:30", "2030-01-01T00:00:00Z", 5h + 30min},
        row{"AEST-10AEDT,M10.1.0,M4.1.0/3", "2030-01-15T00:00:00Z", 11h},
        row{"AEST-10AEDT,M10.1.0,M4.1.0/3", "2030-07-15T00:00:00Z", 10h},
        // 7 April 2030 03:00 AEDT = 6 April 16:00 UTC.
        row{"AEST-10AEDT,M10.1.0,M4.1.0/3", "2030-04-06T15:59:59Z", 11h},
        row{"AEST-10AEDT,M10.1.0,M4.1.0/3", "2030-04-06T16:00:00Z", 10h},
        // No rule given: the US rule applies.
        row{"EST5EDT", "2030-01-15T00:00:00Z", -5h},
        row{"EST5EDT", "2030-07-15T00:00:00Z", -4h},
        // Explicit DST offset and Julian days: J60 is 1 March, even in leap years.
        row{"AAA3BBB1,J60/0,J300/0", "2028-02-29T12:00:00Z", -3h},
        row{"AAA3BBB1,J60/0,J300/0", "2028-03-01T03:00:00Z", -1h},
        // Zero-based days do count 29 February: day 59 is 29 February 2028.
        row{"AAA3BBB,59/0,300/0", "2028-02-29T03:00:00Z", -2h},
        row{"AAA3BBB,59/0,300/0", "2028-02-29T02:59:59Z", -3h},
        // Daylight time all year round, with a version 3 hour beyond 24.
        row{"EST5EDT,0/0,J365/25", "2030-01-01T04:30:00Z", -4h},
        row{"EST5EDT,0/0,J365/25", "2030-06-01T00:00:00Z", -4h},
        row{"EST5EDT,0/0,J365/25", "2030-12-31T23:00:00Z", -4h},
        // Negative rule time (version 3): 23:00 the day before.
        row{"XXX0YYY,M3.5.0/-1,M10.5.0/-1", "2030-03-30T23:00:00Z", 1h},
        row{"XXX0YYY,M3.5.0/-1,M10.5.0/-1", "2030-03-30T22:59:59Z", 0s},
    };
    for (const auto& r : rows) {
        INFO(r.footer << " at " << r.instant);
        CHECK(time_zone::from_tzif("test", footer_only(r.footer)).offset_at(at(r.instant)) == r.offset);
    }
}

TEST_CASE("a version 1 file uses its 32-bit table and the first type before it") {
    const std::string bytes = make_tzif({0, 1'000'000}, {1, 2}, {{-600, false}, {3600, false}, {7200, true}},
                                        std::nullopt);
    const time_zone zone = time_zone::from_tzif("v1", bytes);
    CHECK(zone.offset_at(std::chrono::sys_seconds{-1s}) == -600s);
    CHECK(zone.offset_at(std::chrono::sys_seconds{0s}) == 1h);
    CHECK(zone.offset_at(std::chrono::sys_seconds{999'999s}) == 1h);
    CHECK(zone.offset_at(std::chrono::sys_seconds{1'000'000s}) == 2h);
    CHECK(zone.offset_at(at("2090-01-01T00:00:00Z")) == 2h);
}

TEST_CASE("malformed tzif data is rejected") {
    const std::string good = footer_only("CET-1CEST,M3.5.0,M10.5.0/3");
    REQUIRE_NOTHROW(time_zone::from_tzif("ok", good));

    std::string bad_magic = good;
    bad_magic[0] = 'X';
    std::string no_footer_newline = good;
    no_footer_newline.pop_back();
    std::string bad_type = make_tzif({0}, {1}, {{0, false}}, std::nullopt);
    std::string descending = make_tzif({10, 5}, {0, 0}, {{0, false}}, std::nullopt);

    const auto cases = {
        std::string{},
        std::string("TZif"),
        bad_magic,
        good.substr(0, good.size() / 2),
        no_footer_newline,
        footer_only("CET-1CEST,M3.5.0,M10.5.0/168"),
        footer_only("CET"),
        footer_only("CET-1CEST,M13.1.0,M10.5.0"),
        footer_only("CET-1CEST,M3.5.0"),
        footer_only("CET-1CEST,M3.5.0,M10.5.0 trailing"),
        bad_type,
        descending,
    };
    int index = 0;
    for (const auto& bytes : cases) {
        INFO("case " << index++);
        CHECK_THROWS_AS(time_zone::from_tzif("bad", bytes), std::invalid_argument);
    }
}

TEST_CASE("rfc 3339 timestamps parse with z, offsets and fractions") {
    struct row {
        const char* text;
        const char* utc;
    };
    const auto rows = {
        row{"2026-11-25T12:00:00Z", "2026-11-25T12:00:00Z"},
        row{"2026-11-25t12:00:00z", "2026-11-25T12:00:00Z"},
        row{"2026-11-25T12:00:00.999Z", "2026-11-25T12:00:00Z"},
        row{"2026-11-25T13:00:00+01:00", "2026-11-25T12:00:00Z"},
        row{"2026-11-25T07:30:00.5-04:30", "2026-11-25T12:00:00Z"},
        row{"2026-11-26T00:30:00+01:00", "2026-11-25T23:30:00Z"},
        row{"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"},
        row{"1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"},
        row{"0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        const auto t = parse_rfc3339(r.text);
        REQUIRE(t);
        CHECK(format_rfc3339_utc(*t) == r.utc);
    }
    CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == std::chrono::sys_seconds{0s});
}

TEST_CASE("malformed rfc 3339 timestamps are refused") {
    for (const char* text : {"", "2026-11-25", "2026-11-25T12:00:00", "2026-11-25 12:00:00Z",
                             "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
                             "2026-11-25T24:00:00Z", "2026-11-25T12:60:00Z", "2026-11-25T23:59:60Z",
                             "2026-11-25T12:00:00.Z", "2026-11-25T12:00:00+0100", "2026-11-25T12:00:00+24:00",
                             "2026-11-25T12:00:00Z ", "26-11-25T12:00:00Z", "2026-1-25T12:00:00Z",
                             "2026-11-25T12:00:00ZZ", "+2026-11-25T12:00:00Z"}) {
        INFO(text);
        CHECK_FALSE(parse_rfc3339(text));
    }
}

TEST_CASE("utc instants format as rfc 3339 with a z") {
    CHECK(format_rfc3339_utc(std::chrono::sys_seconds{0s}) == "1970-01-01T00:00:00Z");
    CHECK(format_rfc3339_utc(std::chrono::sys_seconds{-1s}) == "1969-12-31T23:59:59Z");
    CHECK(format_rfc3339_utc(at("2026-11-25T12:00:00Z")) == "2026-11-25T12:00:00Z");
    CHECK(format_rfc3339_utc(at("2040-02-29T08:09:10Z")) == "2040-02-29T08:09:10Z");
}
