// The customer registry's CSV import through the real binary: over HTTP
// (text/csv) and from the command line, bad rows rejected by line, good rows kept.
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <string>

using nlohmann::json;
using outagedesk::test::http_reply;
using outagedesk::test::server_process;

namespace {

const std::string header =
    "id,phone,email,postcode,language,services,preferred_channel,monthly_fee_cents,avg_bill_3m_cents,tariff\n";

http_reply import_csv(server_process& server, const std::string& token, const std::string& csv,
                      const std::string& type = "text/csv") {
    return server.request("POST", "/v1/customers/import", csv,
                          {{"Authorization", "Bearer " + token}, {"Content-Type", type}});
}

std::map<std::size_t, std::string> rejected_by_line(const json& answer) {
    std::map<std::size_t, std::string> out;
    for (const auto& r : answer["rejected"]) out[r["line"].get<std::size_t>()] = r["error"].get<std::string>();
    return out;
}

}  // namespace

TEST_CASE("a CSV import keeps the good rows and reports each bad one by its line", "[registry][integration]") {
    server_process server;
    const auto ops = server.create_token("ops", "ops-1");
    server.start();

    const std::string csv = header +
                            "C1,+34600000001,,28001,es,broadband|fixed_voice,sms,3000,4500,Fibra\n"         // line 2
                            "C2,600000002,c2@example.com,28002,en,mobile_voice,email,1500,1800,\"Movil, 20GB\"\n"  // 3
                            "C3,not-a-phone,,28001,es,,sms,1000,1000,X\n"                                 // 4: phone
                            "C4,+34600000004,,,es,,sms,1000,1000,X\n"                                     // 5: postcode
                            "C5,+34600000005,,28003,es,radio,sms,1,1,\"two\nlines\"\n"                     // 6-7: service
                            "C6,+34600000006,,28004,es,tv,none,abc,0,\n"                                  // 8: fee
                            "C7,+34600000007,,28005,es,tv,none,0,0,x,extra\n"                             // 9: fields
                            "C8,+34600000008,,28006,es,tv,sms,0,0,\"say \"\"hi\"\"\"\n";                  // 10
    auto reply = import_csv(server, ops, csv);
    REQUIRE(reply.status == 200);
    auto answer = reply.json();
    CHECK(answer["inserted"] == 3);
    CHECK(answer["updated"] == 0);
    CHECK(answer["rejected_count"] == 5);
    auto rejected = rejected_by_line(answer);
    REQUIRE(rejected.size() == 5);
    CHECK(rejected.count(4));
    CHECK_THAT(rejected[4], Catch::Contains("phone"));
    CHECK_THAT(rejected[5], Catch::Contains("postcode"));
    CHECK_THAT(rejected[6], Catch::Contains("radio"));
    CHECK_THAT(rejected[8], Catch::Contains("monthly_fee_cents"));
    CHECK_THAT(rejected[9], Catch::Contains("expected 10 fields"));

    auto c2 = server.call("GET", "/v1/customers/C2", ops);
    REQUIRE(c2.status == 200);
    CHECK(c2.json()["phone"] == "+34600000002");
    CHECK(c2.json()["tariff"] == "Movil, 20GB");
    CHECK(c2.json()["services"] == json::array({"mobile_voice"}));
    CHECK(c2.json()["preferred_channel"] == "email");
    CHECK(server.call("GET", "/v1/customers/C8", ops).json()["tariff"] == "say \"hi\"");
    CHECK(server.call("GET", "/v1/customers/C3", ops).status == 404);

    SECTION("a second import updates what exists, columns in another order") {
        auto again = import_csv(server, ops, "postcode,id,monthly_fee_cents\r\n28009,C1,4200\r\n28010,C9,100\r\n");
        REQUIRE(again.status == 200);
        CHECK(again.json()["inserted"] == 1);
        CHECK(again.json()["updated"] == 1);
        CHECK(again.json()["rejected"] == json::array());
        auto c1 = server.call("GET", "/v1/customers/C1", ops).json();
        CHECK(c1["postcode"] == "28009");
        CHECK(c1["monthly_fee_cents"] == 4200);
    }
    SECTION("the rejected list is capped but the count is not") {
        std::string many = "id,postcode\n";
        for (int i = 0; i < 1005; ++i) many += "B" + std::to_string(i) + ",?\n";
        many += "G1,28001\n";
        auto big = import_csv(server, ops, many);
        REQUIRE(big.status == 200);
        CHECK(big.json()["inserted"] == 1);
        CHECK(big.json()["rejected_count"] == 1005);
        CHECK(big.json()["rejected"].size() == 1000);
        CHECK(big.json()["rejected_truncated"] == true);
        CHECK(big.json()["rejected"][0]["line"] == 2);
    }
}

TEST_CASE("an import whose header is wrong is refused whole, and only ops may import", "[registry][integration]") {
    server_process server;
    const auto ops = server.create_token("ops", "ops-1");
    const auto agent = server.create_token("agent", "desk-1");
    server.start();

    auto unknown = import_csv(server, ops, "id,postcode,colour\nC1,28001,red\n");
    CHECK(unknown.status == 422);
    CHECK(unknown.json()["error"]["field"] == "header");
    CHECK_THAT(unknown.json()["error"]["message"].get<std::string>(), Catch::Contains("colour"));
    CHECK(server.call("GET", "/v1/customers/C1", ops).status == 404);

    CHECK(import_csv(server, ops, "").status == 422);
    CHECK(import_csv(server, ops, "id,postcode\nC1,28001\n", "application/json").status == 415);
    CHECK(import_csv(server, agent, "id,postcode\nC1,28001\n").status == 403);
}

TEST_CASE("import-customers loads a file from the command line", "[registry][integration]") {
    server_process server;
    const auto file = server.dir() / "customers.csv";
    std::ofstream(file) << header << "K1,+34611000001,,28001,es,broadband,sms,2500,2600,Fibra\n"
                        << "K2,,,28001,es,,sms,0,0,\n";  // sms without a phone
    std::string out, err;
    REQUIRE(server.cli({"import-customers", file.string()}, &out, &err) == 0);
    auto answer = json::parse(out);
    CHECK(answer["inserted"] == 1);
    CHECK(answer["rejected"].size() == 1);
    CHECK(answer["rejected"][0]["line"] == 3);
    CHECK(answer["rejected"][0]["field"] == "phone");

    CHECK(server.cli({"import-customers", (server.dir() / "missing.csv").string()}, &out, &err) != 0);

    const auto ops = server.create_token("ops", "ops-1");
    server.start();
    auto k1 = server.call("GET", "/v1/customers/K1", ops);
    REQUIRE(k1.status == 200);
    CHECK(k1.json()["monthly_fee_cents"] == 2500);
}
