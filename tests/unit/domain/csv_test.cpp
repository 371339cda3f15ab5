// The CSV reader (RFC 4180 quoting, line numbers) and the customer layout on top.
#include "outagedesk/domain/csv.hpp"
#include "outagedesk/domain/errors.hpp"

#include <catch2/catch.hpp>

using namespace outagedesk::domain;

namespace {

std::vector<csv_record> read_all(std::string_view text) {
    csv_reader reader(text);
    std::vector<csv_record> out;
    csv_record record;
    while (reader.next(record)) out.push_back(record);
    return out;
}

using fields = std::vector<std::string>;

}  // namespace

TEST_CASE("plain records split on commas and line ends, with their line numbers", "[csv]") {
    const auto records = read_all("a,b,c\n1,2,3\r\n4,,6\n");
    REQUIRE(records.size() == 3);
    CHECK(records[0].fields == fields{"a", "b", "c"});
    CHECK(records[1].fields == fields{"1", "2", "3"});
    CHECK(records[1].line == 2);
    CHECK(records[2].fields == fields{"4", "", "6"});
    CHECK(records[2].line == 3);
    for (const auto& r : records) CHECK(r.error.empty());
}

TEST_CASE("quoted fields hold commas, doubled quotes and line breaks", "[csv]") {
    const auto records = read_all("id,note\n\"1\",\"a, b\"\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\"\n4,\"\"\n5,last");
    REQUIRE(records.size() == 6);
    CHECK(records[1].fields == fields{"1", "a, b"});
    CHECK(records[2].fields == fields{"2", "say \"hi\""});
    CHECK(records[3].fields == fields{"3", "two\nlines"});
    CHECK(records[3].line == 4);
    // the record after a two-line field starts on the line after both
    CHECK(records[4].line == 6);
    CHECK(records[4].fields == fields{"4", ""});
    CHECK(records[5].fields == fields{"5", "last"});  // no final line end
}

TEST_CASE("a BOM, empty lines and a trailing comma are read as spreadsheets write them", "[csv]") {
    const auto records = read_all("\xEF\xBB\xBFid,x\n\n1,\n\r\n2,y\n\n");
    REQUIRE(records.size() == 3);
    CHECK(records[0].fields == fields{"id", "x"});
    CHECK(records[1].fields == fields{"1", ""});
    CHECK(records[1].line == 3);
    CHECK(records[2].fields == fields{"2", "y"});
    CHECK(records[2].line == 5);
    CHECK(read_all("a,").front().fields == fields{"a", ""});
}

TEST_CASE("malformed quoting spoils only its own record", "[csv]") {
    const auto records = read_all("id,x\n1,ab\"c\n2,\"ok\"x\n3,fine\n4,\"never closed\n5,lost");
    REQUIRE(records.size() == 5);
    CHECK_FALSE(records[1].error.empty());
    CHECK(records[1].line == 2);
    CHECK_FALSE(records[2].error.empty());
    CHECK(records[2].line == 3);
    CHECK(records[3].error.empty());
    CHECK(records[3].fields == fields{"3", "fine"});
    CHECK(records[3].line == 4);
    CHECK(records[4].line == 5);
    CHECK(records[4].error.find("never closed") != std::string::npos);
}

TEST_CASE("csv_escape quotes only what needs it and round-trips", "[csv]") {
    CHECK(csv_escape("plain") == "plain");
    CHECK(csv_escape("a,b") == "\"a,b\"");
    CHECK(csv_escape("say \"hi\"") == "\"say \"\"hi\"\"\"");
    const std::string line = csv_escape("x,y") + "," + csv_escape("q\"") + "," + csv_escape("n\nl") + "\n";
    CHECK(read_all(line).front().fields == fields{"x,y", "q\"", "n\nl"});
}

TEST_CASE("the customer header names columns in any order", "[csv]") {
    const auto layout = parse_customer_header({"postcode", " ID ", "Services", "phone"});
    CHECK(layout.columns == std::vector<customer_column>{customer_column::postcode, customer_column::id,
                                                          customer_column::services, customer_column::phone});
    auto fields_of = customer_fields_from_csv(layout, {"28001", "C-1", "broadband|fixed_voice", "600 111 222"});
    CHECK(fields_of.id == "C-1");
    CHECK(fields_of.postcode == "28001");
    REQUIRE(fields_of.services);
    CHECK(*fields_of.services == std::vector<std::string>{"broadband", "fixed_voice"});
    auto made = make_customer(fields_of, "34", "es");
    CHECK(made.phone == "+34600111222");
    CHECK(made.services == service_set{service::broadband, service::fixed_voice});
}

TEST_CASE("a bad header is an error for the whole file", "[csv]") {
    CHECK_THROWS_AS(parse_customer_header({"id", "postcode", "colour"}), invalid_input);
    CHECK_THROWS_WITH(parse_customer_header({"id", "postcode", "colour"}), Catch::Contains("unknown column 'colour'"));
    CHECK_THROWS_WITH(parse_customer_header({"id", "postcode", "id"}), Catch::Contains("appears twice"));
    CHECK_THROWS_WITH(parse_customer_header({"phone", "postcode"}), Catch::Contains("id column"));
    CHECK_THROWS_WITH(parse_customer_header({"id", "phone"}), Catch::Contains("postcode column"));
}

TEST_CASE("every contract column maps onto the customer's fields", "[csv]") {
    const auto layout = parse_customer_header({"id", "phone", "email", "postcode", "language", "services",
                                               "preferred_channel", "monthly_fee_cents", "avg_bill_3m_cents", "tariff",
                                               "consent"});
    auto f = customer_fields_from_csv(layout, {"C9", "+34600000009", "c9@example.com", "28 001", "en", "", "email",
                                               "3999", "4550", "Fibra 600", "no"});
    auto c = make_customer(f, "34", "es");
    CHECK(c.email == "c9@example.com");
    CHECK(c.postcode == "28001");
    CHECK(c.language == "en");
    CHECK(c.services.empty());
    CHECK(c.preferred_channel == contact_preference::email);
    CHECK(c.monthly_fee_cents == 3999);
    CHECK(c.avg_bill_3m_cents == 4550);
    CHECK(c.tariff == "Fibra 600");
    CHECK_FALSE(c.consent);

    SECTION("empty cells fall back to the defaults") {
        auto d = make_customer(customer_fields_from_csv(layout, {"C10", "600000010", "", "28001", "", "tv", "", "", "", "", ""}),
                               "34", "es");
        CHECK(d.language == "es");
        CHECK(d.preferred_channel == contact_preference::sms);
        CHECK(d.monthly_fee_cents == 0);
        CHECK(d.consent);
    }
    SECTION("bad cells name their column") {
        CHECK_THROWS_WITH(customer_fields_from_csv(layout, {"C", "", "", "1", "", "", "", "12.5", "", "", ""}),
                          Catch::Contains("monthly_fee_cents"));
        CHECK_THROWS_WITH(customer_fields_from_csv(layout, {"C", "", "", "1", "", "", "", "", "", "", "maybe"}),
                          Catch::Contains("consent"));
        CHECK_THROWS_WITH(customer_fields_from_csv(layout, {"C", "1"}), Catch::Contains("expected 11 fields"));
        try {
            make_customer(customer_fields_from_csv(layout, {"C", "", "", "28001", "", "radio", "", "", "", "", ""}), "34", "es");
            FAIL("radio is no service");
        } catch (const invalid_input& e) {
            CHECK(e.field() == "services[0]");
        }
    }
}
