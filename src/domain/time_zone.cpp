#include "outagedesk/domain/time_zone.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

namespace outagedesk::domain {
namespace {

constexpr std::int64_t seconds_per_day = 86400;

// Howard Hinnant's days_from_civil / civil_from_days, in 64 bits so that the
// "big bang" sentinels some TZif files carry (around -2^59 s) stay in range.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil_date {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

constexpr civil_date civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2 ? 1 : 0), m, d};
}

constexpr unsigned weekday_from_days(std::int64_t z) noexcept {
    return static_cast<unsigned>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

constexpr bool is_leap(std::int64_t y) noexcept {
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

constexpr unsigned last_day_of_month(std::int64_t y, unsigned m) noexcept {
    constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    const std::int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(civil_from_days(-1).year == 1969 && civil_from_days(-1).day == 31);
static_assert(weekday_from_days(0) == 4);

[[noreturn]] void malformed(const std::string& what) {
    throw std::invalid_argument("malformed TZif data: " + what);
}

// Bounds-checked big-endian reads over the file's bytes.
class byte_reader {
public:
    explicit byte_reader(std::string_view data) : data_(data) {}

    std::size_t remaining() const noexcept { return data_.size() - pos_; }

    std::string_view take(std::uint64_t n) {
        if (n > remaining()) malformed("file is truncated");
        const auto out = data_.substr(pos_, static_cast<std::size_t>(n));
        pos_ += static_cast<std::size_t>(n);
        return out;
    }

    std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)[0]); }

    std::uint32_t u32() {
        const auto b = take(4);
        std::uint32_t v = 0;
        for (char c : b) v = (v << 8) | static_cast<std::uint8_t>(c);
        return v;
    }

    std::int32_t i32() { return static_cast<std::int32_t>(u32()); }

    std::int64_t i64() {
        const auto b = take(8);
        std::uint64_t v = 0;
        for (char c : b) v = (v << 8) | static_cast<std::uint8_t>(c);
        return static_cast<std::int64_t>(v);
    }

private:
    std::string_view data_;
    std::size_t pos_ = 0;
};

struct tzif_header {
    char version;
    std::uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;

    std::uint64_t block_size(std::uint64_t time_size) const noexcept {
        return timecnt * time_size + timecnt + typecnt * 6ULL + charcnt +
               leapcnt * (time_size + 4) + isstdcnt + isutcnt;
    }
};

tzif_header read_header(byte_reader& in) {
    if (in.take(4) != "TZif") malformed("missing TZif magic");
    tzif_header h{};
    h.version = static_cast<char>(in.u8());
    if (h.version != '\0' && (h.version < '2' || h.version > '9')) malformed("unknown version");
    in.take(15);
    h.isutcnt = in.u32();
    h.isstdcnt = in.u32();
    h.leapcnt = in.u32();
    h.timecnt = in.u32();
    h.typecnt = in.u32();
    h.charcnt = in.u32();
    return h;
}

// Minimal cursor for the POSIX TZ string grammar (POSIX.1 8.3, RFC 8536 3.3).
class tz_string_reader {
public:
    explicit tz_string_reader(std::string_view s) : s_(s) {}

    bool done() const noexcept { return pos_ == s_.size(); }
    char peek() const noexcept { return done() ? '\0' : s_[pos_]; }
    bool accept(char c) noexcept {
        if (peek() != c || done()) return false;
        ++pos_;
        return true;
    }
    void expect(char c) {
        if (!accept(c)) fail(std::string("expected '") + c + "'");
    }

    [[noreturn]] void fail(const std::string& what) const {
        malformed("TZ footer \"" + std::string(s_) + "\": " + what);
    }

    // Either <...> (may hold digits and signs) or three or more letters.
    void skip_name() {
        if (accept('<')) {
            std::size_t n = 0;
            while (!done() && peek() != '>') {
                const char c = peek();
                const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                (c >= '0' && c <= '9') || c == '+' || c == '-';
                if (!ok) fail("bad character in quoted zone abbreviation");
                ++pos_;
                ++n;
            }
            expect('>');
            if (n < 3) fail("zone abbreviation shorter than 3 characters");
            return;
        }
        std::size_t n = 0;
        while ((peek() >= 'A' && peek() <= 'Z') || (peek() >= 'a' && peek() <= 'z')) {
            ++pos_;
            ++n;
        }
        if (n < 3) fail("zone abbreviation shorter than 3 characters");
    }

    int number(int max) {
        if (peek() < '0' || peek() > '9') fail("expected a number");
        int v = 0;
        while (peek() >= '0' && peek() <= '9') {
            v = v * 10 + (peek() - '0');
            if (v > max) fail("number out of range");
            ++pos_;
        }
        return v;
    }

    // [+-]hh[:mm[:ss]] in seconds, sign as written.
    std::int64_t signed_duration(int max_hours) {
        std::int64_t sign = 1;
        if (accept('-')) sign = -1;
        else accept('+');
        std::int64_t v = std::int64_t{number(max_hours)} * 3600;
        if (accept(':')) {
            v += std::int64_t{number(59)} * 60;
            if (accept(':')) v += number(59);
        }
        return sign * v;
    }

    bool at_name_start() const noexcept {
        const char c = peek();
        return c == '<' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

private:
    std::string_view s_;
    std::size_t pos_ = 0;
};

}  // namespace

time_zone::posix_rule time_zone::parse_posix_rule(std::string_view text) {
    tz_string_reader in(text);
    posix_rule rule;
    in.skip_name();
    // POSIX offsets count west of Greenwich ("CET-1" is UTC+1), hence the minus.
    rule.std_offset_ = -in.signed_duration(24);
    if (in.done()) return rule;

    if (!in.at_name_start()) in.fail("expected a daylight-saving zone name");
    in.skip_name();
    rule.has_dst_ = true;
    rule.dst_offset_ = rule.std_offset_ + 3600;
    if (!in.done() && in.peek() != ',') rule.dst_offset_ = -in.signed_duration(24);

    auto read_date = [&in]() {
        rule_date d;
        if (in.accept('M')) {
            d.form_ = rule_date::form::month_week_day;
            d.month_ = in.number(12);
            in.expect('.');
            d.week_ = in.number(5);
            in.expect('.');
            d.weekday_ = in.number(6);
            if (d.month_ < 1 || d.week_ < 1) in.fail("month and week start at 1");
        } else if (in.accept('J')) {
            d.form_ = rule_date::form::julian_1_365;
            d.day_of_year_ = in.number(365);
            if (d.day_of_year_ < 1) in.fail("Julian day starts at 1");
        } else {
            d.form_ = rule_date::form::zero_based_0_365;
            d.day_of_year_ = in.number(365);
        }
        // Version 3 allows -167..167 hours so that rules like "J365/25" work.
        if (in.accept('/')) d.time_ = in.signed_duration(167);
        return d;
    };

    if (in.done()) {
        // No rule given: POSIX leaves it to the implementation, and the
        // reference tz code uses the current US rule.
        rule.start_ = rule_date{rule_date::form::month_week_day, 0, 3, 2, 0, 7200};
        rule.end_ = rule_date{rule_date::form::month_week_day, 0, 11, 1, 0, 7200};
        return rule;
    }
    in.expect(',');
    rule.start_ = read_date();
    in.expect(',');
    rule.end_ = read_date();
    if (!in.done()) in.fail("unexpected trailing text");
    return rule;
}

std::int64_t time_zone::rule_day(const rule_date& d, std::int64_t year) {
    using form = rule_date::form;
    const std::int64_t jan1 = days_from_civil(year, 1, 1);
    switch (d.form_) {
        case form::julian_1_365: {
            // Jn never counts 29 February, so day 60 is always 1 March.
            const std::int64_t n = d.day_of_year_ - 1 + (is_leap(year) && d.day_of_year_ >= 60 ? 1 : 0);
            return jan1 + n;
        }
        case form::zero_based_0_365:
            return jan1 + d.day_of_year_;
        case form::month_week_day:
        default: {
            const auto m = static_cast<unsigned>(d.month_);
            const std::int64_t first = days_from_civil(year, m, 1);
            const auto first_wd = static_cast<int>(weekday_from_days(first));
            int day = 1 + (d.weekday_ - first_wd + 7) % 7 + (d.week_ - 1) * 7;
            while (day > static_cast<int>(last_day_of_month(year, m))) day -= 7;
            return first + day - 1;
        }
    }
}

std::int64_t time_zone::rule_offset(const posix_rule& rule, std::int64_t t) {
    if (!rule.has_dst_) return rule.std_offset_;
    // Keeps the day arithmetic far from int64 overflow; the rule repeats
    // every year, so clamping only blurs instants nobody will ask about.
    constexpr std::int64_t limit = std::int64_t{1} << 53;
    t = std::clamp(t, -limit, limit);
    const std::int64_t year = civil_from_days(floor_div(t, seconds_per_day)).year;

    // Neighbouring years too: a rule's change can fall in another UTC year
    // than its local one, and southern zones start DST late in the year.
    std::array<std::pair<std::int64_t, bool>, 6> changes{};
    std::size_t n = 0;
    for (std::int64_t y = year - 1; y <= year + 1; ++y) {
        changes[n++] = {rule_day(rule.start_, y) * seconds_per_day + rule.start_.time_ - rule.std_offset_, true};
        changes[n++] = {rule_day(rule.end_, y) * seconds_per_day + rule.end_.time_ - rule.dst_offset_, false};
    }
    // On a tie the start sorts last, so a rule that ends one year exactly when
    // it restarts the next (all-year DST, "J365/25") stays in DST.
    std::sort(changes.begin(), changes.end());
    bool dst = !changes.front().second;
    for (const auto& [at, starts] : changes) {
        if (at > t) break;
        dst = starts;
    }
    return dst ? rule.dst_offset_ : rule.std_offset_;
}

time_zone time_zone::from_tzif(std::string_view name, std::string_view bytes) {
    byte_reader in(bytes);
    tzif_header h = read_header(in);
    std::uint64_t time_size = 4;
    if (h.version != '\0') {
        // The version-1 block only serves old readers; skip to the 64-bit one.
        in.take(h.block_size(4));
        h = read_header(in);
        time_size = 8;
    }

    if (h.typecnt == 0 || h.typecnt > 256) malformed("type count must be 1-256");
    if (h.charcnt == 0) malformed("no abbreviation characters");
    if (h.isstdcnt != 0 && h.isstdcnt != h.typecnt) malformed("standard/wall indicator count");
    if (h.isutcnt != 0 && h.isutcnt != h.typecnt) malformed("UT/local indicator count");
    if (h.block_size(time_size) > in.remaining()) malformed("file is truncated");

    time_zone tz;
    tz.name_ = std::string(name);
    tz.transitions_.reserve(h.timecnt);
    for (std::uint32_t i = 0; i < h.timecnt; ++i) {
        const std::int64_t at = time_size == 8 ? in.i64() : in.i32();
        if (!tz.transitions_.empty() && at <= tz.transitions_.back()) {
            malformed("transition times not strictly ascending");
        }
        tz.transitions_.push_back(at);
    }
    tz.transition_types_.reserve(h.timecnt);
    for (std::uint32_t i = 0; i < h.timecnt; ++i) {
        const std::uint8_t type = in.u8();
        if (type >= h.typecnt) malformed("transition names a missing local time type");
        tz.transition_types_.push_back(type);
    }
    tz.type_offsets_.reserve(h.typecnt);
    for (std::uint32_t i = 0; i < h.typecnt; ++i) {
        const std::int32_t utoff = in.i32();
        const std::uint8_t isdst = in.u8();
        const std::uint8_t desigidx = in.u8();
        // RFC 8536 bounds: within a day and two hours of UTC.
        if (utoff < -89999 || utoff > 93599) malformed("UT offset out of range");
        if (isdst > 1) malformed("isdst must be 0 or 1");
        if (desigidx >= h.charcnt) malformed("abbreviation index out of range");
        tz.type_offsets_.push_back(utoff);
    }
    // Abbreviations, leap seconds and indicators do not affect offsets.
    in.take(h.charcnt + h.leapcnt * (time_size + 4) + h.isstdcnt + h.isutcnt);

    if (time_size == 8 && in.remaining() > 0) {
        if (in.u8() != '\n') malformed("footer must start with a newline");
        const std::string_view rest = in.take(in.remaining());
        const auto end = rest.find('\n');
        if (end == std::string_view::npos) malformed("footer must end with a newline");
        const std::string_view footer = rest.substr(0, end);
        if (!footer.empty()) tz.footer_ = parse_posix_rule(footer);
    }
    return tz;
}

time_zone time_zone::utc() {
    time_zone tz;
    tz.name_ = "UTC";
    tz.type_offsets_.push_back(0);
    return tz;
}

std::int64_t time_zone::offset_seconds(std::int64_t t) const {
    if (transitions_.empty()) return footer_ ? rule_offset(*footer_, t) : type_offsets_.front();
    // RFC 8536: type 0 before the first transition, the footer after the last.
    if (t < transitions_.front()) return type_offsets_.front();
    if (footer_ && t >= transitions_.back()) return rule_offset(*footer_, t);
    const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
    const auto index = static_cast<std::size_t>(it - transitions_.begin()) - 1;
    return type_offsets_[transition_types_[index]];
}

std::chrono::seconds time_zone::offset_at(std::chrono::sys_seconds t) const {
    return std::chrono::seconds{offset_seconds(t.time_since_epoch().count())};
}

local_time time_zone::to_local(std::chrono::sys_seconds t) const {
    const std::int64_t utc_seconds = t.time_since_epoch().count();
    const std::int64_t local = utc_seconds + offset_seconds(utc_seconds);
    const std::int64_t days = floor_div(local, seconds_per_day);
    const std::int64_t secs = local - days * seconds_per_day;
    const civil_date date = civil_from_days(days);
    local_time out;
    out.year = static_cast<int>(date.year);
    out.month = static_cast<int>(date.month);
    out.day = static_cast<int>(date.day);
    out.hour = static_cast<int>(secs / 3600);
    out.minute = static_cast<int>(secs / 60 % 60);
    out.second = static_cast<int>(secs % 60);
    out.weekday = static_cast<int>(weekday_from_days(days));
    return out;
}

std::chrono::sys_seconds time_zone::to_sys(const local_time& l) const {
    // Normalise through days so that out-of-range fields (month 13, hour 24)
    // roll over instead of being misread.
    const std::int64_t months = std::int64_t{l.year} * 12 + (l.month - 1);
    const std::int64_t year = floor_div(months, 12);
    const auto month = static_cast<unsigned>(months - year * 12 + 1);
    const std::int64_t local = (days_from_civil(year, month, 1) + (l.day - 1)) * seconds_per_day +
                               std::int64_t{l.hour} * 3600 + std::int64_t{l.minute} * 60 + l.second;

    // Offsets a day either side bracket any change near this wall time.
    const std::int64_t before = offset_seconds(local - seconds_per_day);
    const std::int64_t after = offset_seconds(local + seconds_per_day);
    const std::array<std::int64_t, 3> candidates{before, after, offset_seconds(local - before)};
    std::optional<std::int64_t> best;
    for (const std::int64_t off : candidates) {
        const std::int64_t t = local - off;
        if (offset_seconds(t) == off && (!best || t < *best)) best = t;
    }
    return std::chrono::sys_seconds{std::chrono::seconds{best.value_or(local - before)}};
}

std::optional<std::chrono::sys_seconds> parse_rfc3339(std::string_view text) {
    std::size_t pos = 0;
    auto digits = [&](std::size_t n) -> std::optional<int> {
        if (pos + n > text.size()) return std::nullopt;
        int v = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const char c = text[pos + i];
            if (c < '0' || c > '9') return std::nullopt;
            v = v * 10 + (c - '0');
        }
        pos += n;
        return v;
    };
    auto literal = [&](std::string_view options) {
        if (pos < text.size() && options.find(text[pos]) != std::string_view::npos) {
            ++pos;
            return true;
        }
        return false;
    };

    const auto year = digits(4);
    if (!year || !literal("-")) return std::nullopt;
    const auto month = digits(2);
    if (!month || !literal("-")) return std::nullopt;
    const auto day = digits(2);
    if (!day || !literal("Tt")) return std::nullopt;
    const auto hour = digits(2);
    if (!hour || !literal(":")) return std::nullopt;
    const auto minute = digits(2);
    if (!minute || !literal(":")) return std::nullopt;
    const auto second = digits(2);
    if (!second) return std::nullopt;
    if (*month < 1 || *month > 12) return std::nullopt;
    if (*day < 1 || *day > static_cast<int>(last_day_of_month(*year, static_cast<unsigned>(*month)))) {
        return std::nullopt;
    }
    if (*hour > 23 || *minute > 59 || *second > 59) return std::nullopt;

    if (literal(".")) {
        const std::size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
        if (pos == start) return std::nullopt;
    }

    std::int64_t offset = 0;
    if (!literal("Zz")) {
        std::int64_t sign = 0;
        if (literal("+")) sign = 1;
        else if (literal("-")) sign = -1;
        else return std::nullopt;
        const auto oh = digits(2);
        if (!oh || !literal(":")) return std::nullopt;
        const auto om = digits(2);
        if (!om || *oh > 23 || *om > 59) return std::nullopt;
        offset = sign * (std::int64_t{*oh} * 3600 + std::int64_t{*om} * 60);
    }
    if (pos != text.size()) return std::nullopt;

    const std::int64_t days = days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
    const std::int64_t local = days * seconds_per_day + std::int64_t{*hour} * 3600 + std::int64_t{*minute} * 60 + *second;
    return std::chrono::sys_seconds{std::chrono::seconds{local - offset}};
}

std::string format_rfc3339_utc(std::chrono::sys_seconds t) {
    const std::int64_t s = t.time_since_epoch().count();
    const std::int64_t days = floor_div(s, seconds_per_day);
    const std::int64_t secs = s - days * seconds_per_day;
    const civil_date date = civil_from_days(days);

    std::string out;
    out.reserve(20);
    auto put = [&out](std::int64_t v, int width) {
        std::string digits = std::to_string(v);
        if (static_cast<int>(digits.size()) < width) out.append(static_cast<std::size_t>(width) - digits.size(), '0');
        out += digits;
    };
    if (date.year < 0) {
        out += '-';
        put(-date.year, 4);
    } else {
        put(date.year, 4);
    }
    out += '-';
    put(date.month, 2);
    out += '-';
    put(date.day, 2);
    out += 'T';
    put(secs / 3600, 2);
    out += ':';
    put(secs / 60 % 60, 2);
    out += ':';
    put(secs % 60, 2);
    out += 'Z';
    return out;
}

}  // namespace outagedesk::domain
