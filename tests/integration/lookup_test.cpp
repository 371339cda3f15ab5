// Agent context, the public status answer and the customer registry through
// the real binary, for callers inside and outside an incident's reach.
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using nlohmann::json;
using outagedesk::test::http_reply;
using outagedesk::test::server_process;

namespace {

struct lookup_api {
    server_process server;
    std::string ops;
    std::string agent;
    std::string ivr;

    lookup_api() {
        ops = server.create_token("ops", "ops-ana");
        agent = server.create_token("agent", "desk-1");
        ivr = server.create_token("ivr", "ivr-1");
        server.start();
    }

    http_reply put_customer(const std::string& id, const json& body) {
        return server.call("PUT", "/v1/customers/" + id, ops, body);
    }

    http_reply context(const std::string& query) { return server.call("GET", "/v1/agent/context?" + query, agent); }

    std::string declare(const json& body) {
        auto reply = server.call("POST", "/v1/incidents", ops, body);
        REQUIRE(reply.status == 201);
        return reply.json()["id"].get<std::string>();
    }

    http_reply status(const std::string& query, outagedesk::test::header_list headers = {}) {
        return server.request("GET", "/v1/status?" + query, "", headers);
    }
};

const std::string secret_script = "INTERNAL: offer a 10% discount only if they threaten to leave";

json broadband_outage() {
    return {{"title", "Fibre cut"},
            {"severity", "major"},
            {"services", {"broadband", "fixed_voice"}},
            {"areas", {"28001", "28002"}},
            {"eta", "2099-01-01T12:00:00Z"},
            {"messages",
             {{"es",
               {{"agent_script", "Avería {{ref}} en {{areas}}. " + secret_script},
                {"ivr", "Avería en su zona."},
                {"status_page", "Corte de fibra. Estado: {{status}}. Reparación: {{eta}}."}}},
              {"en",
               {{"agent_script", "Fault {{ref}} in {{areas}}. " + secret_script},
                {"status_page", "Fibre cut. Status: {{status}}. Fix: {{eta}}."}}}}}};
}

void check_empty_history(const json& context) {
    CHECK(context["contacts"] == json::array());
    CHECK(context["callbacks"] == json::array());
    CHECK(context.contains("owner"));
    CHECK(context["compensation"] == json::array());
}

// Every key anywhere in a JSON document.
void collect_keys(const json& value, std::set<std::string>& keys) {
    if (value.is_object()) {
        for (const auto& [key, child] : value.items()) {
            keys.insert(key);
            collect_keys(child, keys);
        }
    } else if (value.is_array()) {
        for (const auto& child : value) collect_keys(child, keys);
    }
}

}  // namespace

TEST_CASE_METHOD(lookup_api, "agent context shows the incidents that affect a caller found by customer id, phone or postcode",
                 "[integration][agent]") {
    REQUIRE(put_customer("C-EN", {{"phone", "612000001"}, {"postcode", "28001"}, {"language", "en"}, {"services", {"broadband"}}})
                .status == 201);
    REQUIRE(put_customer("C-ES", {{"phone", "612000002"}, {"postcode", "28002"}, {"language", "es"}}).status == 201);
    REQUIRE(put_customer("C-TV", {{"phone", "612000003"}, {"postcode", "28001"}, {"services", {"tv", "mobile_voice"}}})
                .status == 201);
    REQUIRE(put_customer("C-FAR", {{"phone", "612000004"}, {"postcode", "08001"}, {"services", {"broadband"}}}).status == 201);
    const auto id = declare(broadband_outage());

    SECTION("by customer id, in the customer's language") {
        auto reply = context("customer_id=C-EN");
        REQUIRE(reply.status == 200);
        auto body = reply.json();
        CHECK(body["affected"] == true);
        CHECK(body["customer"]["id"] == "C-EN");
        CHECK(body["postcode"] == "28001");
        REQUIRE(body["incidents"].size() == 1);
        const auto& item = body["incidents"][0];
        CHECK(item["id"] == id);
        CHECK(item["title"] == "Fibre cut");
        CHECK(item["status"] == "investigating");
        CHECK(item["eta"] == "2099-01-01T12:00:00Z");
        CHECK(item["version"] == 1);
        CHECK(item["script"] == "Fault " + id + " in 28001 and 28002. " + secret_script);
        check_empty_history(body);
    }
    SECTION("by phone, typed any way") {
        auto body = context("phone=%2B34%20612%20000%20001").json();
        CHECK(body["customer"]["id"] == "C-EN");
        CHECK(body["affected"] == true);
        auto spanish = context("phone=612000002").json();
        CHECK(spanish["customer"]["id"] == "C-ES");
        REQUIRE(spanish["incidents"].size() == 1);
        CHECK(spanish["incidents"][0]["script"] == "Avería " + id + " en 28001 y 28002. " + secret_script);
        check_empty_history(spanish);
    }
    SECTION("by postcode alone, in the default language") {
        auto body = context("postcode=28%20002").json();
        CHECK(body["customer"].is_null());
        CHECK(body["postcode"] == "28002");
        CHECK(body["affected"] == true);
        REQUIRE(body["incidents"].size() == 1);
        CHECK_THAT(body["incidents"][0]["script"].get<std::string>(), Catch::StartsWith("Avería " + id));
        check_empty_history(body);
    }
    SECTION("unaffected callers") {
        // Inside the area, but with services the incident does not touch.
        auto tv = context("customer_id=C-TV").json();
        CHECK(tv["customer"]["id"] == "C-TV");
        CHECK(tv["affected"] == false);
        CHECK(tv["incidents"].empty());
        check_empty_history(tv);
        auto far = context("phone=612000004").json();
        CHECK(far["affected"] == false);
        CHECK(far["incidents"].empty());
        auto postcode = context("postcode=08001").json();
        CHECK(postcode["affected"] == false);
        CHECK(postcode["postcode"] == "08001");
        check_empty_history(postcode);
    }
    SECTION("an unknown customer id is 404, a bad query 422, and other roles are refused") {
        auto missing = context("customer_id=C-NOPE");
        CHECK(missing.status == 404);
        CHECK(missing.json()["error"]["code"] == "not_found");
        CHECK(context("postcode=x").status == 422);
        CHECK(context("").status == 422);
        CHECK(server.call("GET", "/v1/agent/context?postcode=28001", ivr).status == 403);
        CHECK(server.call("GET", "/v1/agent/context?postcode=28001", "").status == 401);
        CHECK(server.call("GET", "/v1/agent/context?postcode=28001", ops).status == 200);
    }
}

TEST_CASE_METHOD(lookup_api, "the public status answer shows the status page text and nothing internal",
                 "[integration][status]") {
    const auto id = declare(broadband_outage());

    auto reply = status("postcode=28001");
    REQUIRE(reply.status == 200);
    CHECK(reply.header("access-control-allow-origin") == "*");
    auto body = reply.json();
    CHECK(body["active"] == true);
    REQUIRE(body["incidents"].size() == 1);
    const auto& item = body["incidents"][0];
    CHECK(item["id"] == id);
    CHECK(item["eta"] == "2099-01-01T12:00:00Z");
    CHECK(item["updated_at"].is_string());
    const auto message = item["message"].get<std::string>();
    CHECK_THAT(message, Catch::StartsWith("Corte de fibra. Estado: en investigación. Reparación: el 1 de enero de 2099"));
    CHECK(message.find("{{") == std::string::npos);

    CHECK(reply.body.find("INTERNAL") == std::string::npos);
    CHECK(reply.body.find("Avería en su zona") == std::string::npos);  // the IVR text is not for the page either
    std::set<std::string> keys;
    collect_keys(body, keys);
    for (const char* internal : {"stats", "contacts", "messages", "timeline", "agent_script", "affected_customers",
                                 "notified", "customer", "callbacks"}) {
        CAPTURE(internal);
        CHECK(keys.count(internal) == 0);
    }

    for (const std::string header : {"en", "en-GB,en;q=0.9,es;q=0.5"}) {
        CAPTURE(header);
        auto english = status("postcode=28001", {{"Accept-Language", header}}).json();
        CHECK(english["lang"] == "en");
        CHECK_THAT(english["incidents"][0]["message"].get<std::string>(),
                   Catch::StartsWith("Fibre cut. Status: under investigation. Fix: on 1 January 2099"));
    }

    auto outside = status("postcode=08001");
    REQUIRE(outside.status == 200);
    CHECK(outside.json()["active"] == false);
    CHECK(outside.json()["incidents"] == json::array());

    auto bad = status("postcode=2");
    CHECK(bad.status == 422);
    CHECK(bad.json()["error"]["field"] == "postcode");
    CHECK(server.request("GET", "/v1/status").status == 422);
}

TEST_CASE_METHOD(lookup_api, "customers are validated on PUT and read back normalised", "[integration][customers]") {
    auto created = put_customer("C-1", {{"phone", "+34 612-345-678"},
                                        {"email", "ana@example.com"},
                                        {"postcode", "28 001"},
                                        {"language", "es"},
                                        {"services", {"mobile_data", "broadband"}},
                                        {"monthly_fee_cents", 4500}});
    REQUIRE(created.status == 201);
    auto read = server.call("GET", "/v1/customers/C-1", ops);
    REQUIRE(read.status == 200);
    auto body = read.json();
    CHECK(body["id"] == "C-1");
    CHECK(body["phone"] == "+34612345678");
    CHECK(body["email"] == "ana@example.com");
    CHECK(body["postcode"] == "28001");
    CHECK(body["language"] == "es");
    CHECK(body["services"].get<std::set<std::string>>() == std::set<std::string>{"broadband", "mobile_data"});
    CHECK(body["monthly_fee_cents"] == 4500);

    // A national number gets the configured country code.
    auto updated = put_customer("C-1", {{"phone", "612 345 679"}, {"postcode", "28001"}});
    CHECK(updated.status == 200);
    CHECK(server.call("GET", "/v1/customers/C-1", ops).json()["phone"] == "+34612345679");

    struct bad_case {
        json body;
        std::string field;
    };
    const bad_case cases[] = {
        {{{"phone", "call me maybe"}, {"postcode", "28001"}}, "phone"},
        {{{"phone", "12"}, {"postcode", "28001"}}, "phone"},
        {{{"email", "ana.example.com"}, {"postcode", "28001"}, {"preferred_channel", "email"}}, "email"},
        {{{"phone", "612345678"}, {"postcode", "28001"}, {"services", {"broadband", "fax"}}}, "services[1]"},
        {{{"phone", "612345678"}, {"postcode", "2"}}, "postcode"},
        {{{"phone", "612345678"}}, "postcode"},
        {{{"phone", "612345678"}, {"postcode", "28001"}, {"shoe_size", 42}}, "shoe_size"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.body.dump());
        auto refused = put_customer("C-2", c.body);
        CHECK(refused.status == 422);
        CHECK(refused.json()["error"]["code"] == "invalid_field");
        CHECK(refused.json()["error"]["field"] == c.field);
    }
    CHECK(server.call("GET", "/v1/customers/C-2", ops).status == 404);

    CHECK(server.call("PUT", "/v1/customers/C-3", agent, {{"postcode", "28001"}}).status == 403);
    CHECK(server.call("GET", "/v1/customers/C-1", agent).status == 403);
    CHECK(server.call("GET", "/v1/customers/C-1", "").status == 401);
}
