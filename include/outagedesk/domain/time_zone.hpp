#pragma once
// Civil time for one IANA zone, built from the bytes of a TZif file, plus the
// RFC 3339 text form the API uses for instants. Messages say "today at 18:30"
// in the operator's zone and compensation counts local hours, so both need
// the zone's real offsets, past and future. This code never reads files, the
// clock or the TZ environment: the caller reads /usr/share/zoneinfo/<name>
// and passes the bytes, and every instant is passed in.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outagedesk::domain {

// Wall-clock reading of an instant in some zone. month 1-12, day 1-31,
// weekday 0 = Sunday .. 6 = Saturday.
struct local_time {
    int year = 1970;
    int month = 1;
    int day = 1;
    int hour = 0;
    int minute = 0;
    int second = 0;
    int weekday = 4;

    bool operator==(const local_time&) const = default;
};

class time_zone {
public:
    // Throws std::invalid_argument when the bytes are not a well-formed TZif
    // file (versions 1 to 4; the 64-bit data and the POSIX TZ footer are used
    // when present).
    static time_zone from_tzif(std::string_view name, std::string_view bytes);
    static time_zone utc();

    const std::string& name() const noexcept { return name_; }

    // Offset of local time from UTC at `t` (positive east of Greenwich).
    std::chrono::seconds offset_at(std::chrono::sys_seconds t) const;
    local_time to_local(std::chrono::sys_seconds t) const;

    // Inverse of to_local; `weekday` is ignored. A wall time that occurs
    // twice (autumn overlap) gives the earlier instant; one skipped by a
    // spring-forward gap is read with the offset before the gap, so it lands
    // the gap's length later (02:30 in a one-hour gap becomes 03:30).
    std::chrono::sys_seconds to_sys(const local_time& l) const;

private:
    // One end of a daylight-saving period in a POSIX TZ rule.
    struct rule_date {
        enum class form { julian_1_365, zero_based_0_365, month_week_day };
        form form_ = form::month_week_day;
        int day_of_year_ = 0;  // Jn and n forms
        int month_ = 1;        // Mm.w.d form
        int week_ = 1;         // 1-5, 5 meaning the last one of the month
        int weekday_ = 0;      // 0 = Sunday
        std::int64_t time_ = 7200;  // seconds after local midnight, may be < 0 or > 24h
    };

    // The footer's TZ string, which governs every instant past the table.
    struct posix_rule {
        std::int64_t std_offset_ = 0;  // east-positive, unlike the POSIX text
        bool has_dst_ = false;
        std::int64_t dst_offset_ = 0;
        rule_date start_;
        rule_date end_;
    };

    static posix_rule parse_posix_rule(std::string_view text);
    static std::int64_t rule_day(const rule_date& date, std::int64_t year);
    static std::int64_t rule_offset(const posix_rule& rule, std::int64_t t);
    std::int64_t offset_seconds(std::int64_t t) const;

    std::string name_;
    std::vector<std::int64_t> transitions_;       // UTC seconds, strictly ascending
    std::vector<std::uint8_t> transition_types_;  // index into type_offsets_
    std::vector<std::int32_t> type_offsets_;      // never empty
    std::optional<posix_rule> footer_;
};

// RFC 3339 date-time with "Z" or a ±hh:mm offset and optional fractional
// seconds (dropped, not rounded). nullopt for anything else, including leap
// seconds (:60), which sys_seconds cannot name.
std::optional<std::chrono::sys_seconds> parse_rfc3339(std::string_view text);

// "2026-11-25T12:00:00Z": the one form the API writes.
std::string format_rfc3339_utc(std::chrono::sys_seconds t);

}  // namespace outagedesk::domain
