// Notice keys, the text a notice uses, and quiet hours.
#include "outagedesk/domain/notification.hpp"

#include <catch2/catch.hpp>

using namespace outagedesk::domain;

TEST_CASE("a notice key names the incident, the recipient and the kind", "[notifications]") {
    CHECK(notice_key("INC-12", "C-1001", notice_kind::declared) == "INC-12:C-1001:declared");
    CHECK(notice_key("INC-12", "+34600000001", notice_kind::resolved) == "INC-12:+34600000001:resolved");
    CHECK(parse_notice_kind("eta_changed") == notice_kind::eta_changed);
    CHECK_FALSE(parse_notice_kind("updated"));
}

TEST_CASE("quiet hours hold inside the window, wrapping past midnight", "[notifications]") {
    auto night = parse_quiet_window("22:00", "08:00");
    REQUIRE(night);
    auto at = [](int h, int m) {
        local_time t;
        t.hour = h;
        t.minute = m;
        return t;
    };
    CHECK(in_quiet_hours(*night, at(22, 0)));
    CHECK(in_quiet_hours(*night, at(23, 59)));
    CHECK(in_quiet_hours(*night, at(0, 0)));
    CHECK(in_quiet_hours(*night, at(7, 59)));
    CHECK_FALSE(in_quiet_hours(*night, at(8, 0)));
    CHECK_FALSE(in_quiet_hours(*night, at(21, 59)));
    auto lunch = parse_quiet_window("13:00", "15:30");
    CHECK(in_quiet_hours(*lunch, at(15, 29)));
    CHECK_FALSE(in_quiet_hours(*lunch, at(15, 30)));
    CHECK_FALSE(in_quiet_hours(*parse_quiet_window("09:00", "09:00"), at(9, 0)));
    CHECK_FALSE(parse_quiet_window("24:00", "08:00"));
    CHECK_FALSE(parse_quiet_window("8:00", "09:00"));
}

TEST_CASE("a notice uses its channel's text, else the other channel's, else the status page's", "[notifications]") {
    message_set messages;
    messages["es"][channel::sms] = "sms es";
    messages["en"][channel::email] = "email en";
    messages["en"][channel::status_page] = "status en";
    CHECK(pick_notice_text(messages, "es", channel::sms, "es").text == "sms es");
    CHECK(pick_notice_text(messages, "en", channel::email, "es").text == "email en");
    // English has no SMS text: the default language's SMS comes before another channel.
    CHECK(pick_notice_text(messages, "en", channel::sms, "es").text == "sms es");
    message_set only_status;
    only_status["es"][channel::status_page] = "estado";
    CHECK(pick_notice_text(only_status, "es", channel::sms, "es").text == "estado");
    CHECK(pick_notice_text({}, "es", channel::sms, "es").text.empty());
}
