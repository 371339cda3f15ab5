// The incident lifecycle through the real binary: declare, read, list, update
// under If-Match, resolve, idempotent replays, templates, and every refusal
// the contract names (roles, bodies, placeholders, area syntax).
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using nlohmann::json;
using outagedesk::test::http_reply;
using outagedesk::test::server_process;

namespace {

// One server with a token per role, named so timelines can be checked.
struct incident_api {
    server_process server;
    std::string ops;
    std::string agent;
    std::string ivr;
    std::string admin;

    incident_api() {
        ops = server.create_token("ops", "ops-ana");
        agent = server.create_token("agent", "desk-1");
        ivr = server.create_token("ivr", "ivr-1");
        admin = server.create_token("admin", "root-1");
        server.start();
    }

    http_reply declare(const json& body, outagedesk::test::header_list headers = {}) {
        return server.call("POST", "/v1/incidents", ops, body, std::move(headers));
    }

    std::string declare_id(const json& body) {
        auto reply = declare(body);
        REQUIRE(reply.status == 201);
        return reply.json()["id"].get<std::string>();
    }

    json list(const std::string& query = "") {
        auto reply = server.call("GET", "/v1/incidents" + query, agent);
        REQUIRE(reply.status == 200);
        return reply.json()["items"];
    }

    std::vector<std::string> listed_ids(const std::string& query) {
        std::vector<std::string> ids;
        for (const auto& item : list(query)) ids.push_back(item["id"].get<std::string>());
        return ids;
    }

    http_reply patch(const std::string& id, const json& body, const std::string& if_match) {
        return server.call("PATCH", "/v1/incidents/" + id, ops, body, {{"If-Match", if_match}});
    }

    json ivr_answer(const std::string& postcode) {
        auto reply = server.call("GET", "/v1/ivr/announcement?postcode=" + postcode, ivr);
        REQUIRE(reply.status == 200);
        return reply.json();
    }
};

json fibre_cut(std::vector<std::string> areas = {"28001", "28100..28199"}) {
    return {{"title", "Fibre cut in Madrid"},
            {"severity", "major"},
            {"services", {"broadband", "fixed_voice"}},
            {"areas", areas},
            {"messages",
             {{"es",
               {{"agent_script", "Avería {{ref}} en {{areas}}."},
                {"ivr", "Hay una avería en su zona. Estado: {{status}}."},
                {"status_page", "Avería de fibra. Estado: {{status}}."}}},
              {"en", {{"ivr", "There is a fault in your area. Status: {{status}}."}}}}}};
}

json error_of(const http_reply& reply) { return reply.json()["error"]; }

json read_template(const std::string& name) {
    std::ifstream in(std::string(OUTAGEDESK_SOURCE_DIR) + "/config/templates/" + name + ".json");
    REQUIRE(in.good());
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());
}

}  // namespace

TEST_CASE_METHOD(incident_api, "declaring an incident answers 201 with its location, ETag, version 1 and a timeline entry by the caller",
                 "[integration][incidents]") {
    auto reply = declare(fibre_cut());
    REQUIRE(reply.status == 201);
    auto body = reply.json();
    const auto id = body["id"].get<std::string>();
    CHECK_THAT(id, Catch::StartsWith("INC-"));
    CHECK(reply.header("location") == "/v1/incidents/" + id);
    CHECK(reply.header("etag") == "\"1\"");
    CHECK(body["version"] == 1);
    CHECK(body["status"] == "investigating");
    CHECK(body["areas"] == json({"28001", "28100..28199"}));
    REQUIRE(body["timeline"].size() == 1);
    CHECK(body["timeline"][0]["actor"] == "ops-ana");
    CHECK(body["timeline"][0]["status"] == "investigating");
    CHECK(body["timeline"][0]["version"] == 1);

    auto one = server.call("GET", reply.header("location"), agent);
    REQUIRE(one.status == 200);
    CHECK(one.header("etag") == "\"1\"");
    CHECK(one.json()["id"] == id);
    CHECK(one.json()["title"] == "Fibre cut in Madrid");
    CHECK(one.json()["timeline"][0]["actor"] == "ops-ana");
    CHECK(one.json().contains("stats"));
    // The ETag revalidates a read of one incident too.
    CHECK(server.call("GET", "/v1/incidents/" + id, agent, nullptr, {{"If-None-Match", "\"1\""}}).status == 304);

    auto other = declare_id(fibre_cut({"08001"}));
    CHECK(listed_ids("?state=active") == std::vector<std::string>{other, id});
    CHECK(listed_ids("?state=all").size() == 2);
    CHECK(listed_ids("?state=resolved").empty());
    CHECK(listed_ids("?postcode=28150") == std::vector<std::string>{id});
    CHECK(listed_ids("?state=active&postcode=08%20001") == std::vector<std::string>{other});
    CHECK(listed_ids("?postcode=46001").empty());
    CHECK(server.call("GET", "/v1/incidents?postcode=x", agent).status == 422);
    CHECK(server.call("GET", "/v1/incidents?state=open", agent).status == 422);
    CHECK(server.call("GET", "/v1/incidents/INC-999", agent).status == 404);
}

TEST_CASE_METHOD(incident_api, "an update under If-Match, bare or quoted, bumps the version and the ETag everywhere",
                 "[integration][incidents]") {
    const auto id = declare_id(fibre_cut());
    auto ivr_before = server.call("GET", "/v1/ivr/announcement?postcode=28001", ivr);
    REQUIRE(ivr_before.status == 200);
    CHECK(ivr_before.json()["version"] == 1);
    const auto ivr_etag_before = ivr_before.header("etag");
    REQUIRE_FALSE(ivr_etag_before.empty());

    auto bare = patch(id, {{"status", "identified"}, {"note", "cause found"}}, "1");
    REQUIRE(bare.status == 200);
    CHECK(bare.json()["version"] == 2);
    CHECK(bare.header("etag") == "\"2\"");
    CHECK(bare.json()["status"] == "identified");

    auto quoted = patch(id, {{"eta", "2099-01-01T18:30:00Z"}}, "\"2\"");
    REQUIRE(quoted.status == 200);
    CHECK(quoted.json()["version"] == 3);
    CHECK(quoted.header("etag") == "\"3\"");
    CHECK(quoted.json()["eta"] == "2099-01-01T18:30:00Z");
    const auto timeline = quoted.json()["timeline"];
    REQUIRE(timeline.size() == 3);
    CHECK(timeline[1]["actor"] == "ops-ana");
    CHECK(timeline[1]["note"] == "cause found");
    CHECK(timeline[1]["status"] == "identified");
    CHECK(timeline[2]["version"] == 3);

    auto one = server.call("GET", "/v1/incidents/" + id, agent);
    CHECK(one.header("etag") == "\"3\"");
    CHECK(one.json()["version"] == 3);

    auto ivr_after = server.call("GET", "/v1/ivr/announcement?postcode=28001", ivr);
    CHECK(ivr_after.json()["version"] == 3);
    CHECK(ivr_after.json()["incidents"][0]["version"] == 3);
    CHECK(ivr_after.header("etag") != ivr_etag_before);
    CHECK_THAT(ivr_after.json()["announcement"].get<std::string>(), Catch::Contains("causa identificada"));
    // The old ETag no longer matches: the IVR gets the new answer, not a 304.
    CHECK(server.call("GET", "/v1/ivr/announcement?postcode=28001", ivr, nullptr, {{"If-None-Match", ivr_etag_before}})
              .status == 200);

    auto context = server.call("GET", "/v1/agent/context?postcode=28001", agent);
    REQUIRE(context.status == 200);
    REQUIRE(context.json()["incidents"].size() == 1);
    CHECK(context.json()["incidents"][0]["version"] == 3);
    CHECK(context.json()["incidents"][0]["status"] == "identified");
}

TEST_CASE_METHOD(incident_api, "a stale If-Match is refused with 412 version_mismatch and changes nothing",
                 "[integration][incidents]") {
    const auto id = declare_id(fibre_cut());
    REQUIRE(patch(id, {{"severity", "critical"}}, "1").status == 200);

    for (const std::string stale : {"1", "\"1\"", "7"}) {
        CAPTURE(stale);
        auto refused = patch(id, {{"severity", "minor"}}, stale);
        CHECK(refused.status == 412);
        CHECK(error_of(refused)["code"] == "version_mismatch");
        CHECK(refused.header("etag") == "\"2\"");
    }
    auto resolve = server.call("POST", "/v1/incidents/" + id + "/resolve", ops, json::object(), {{"If-Match", "1"}});
    CHECK(resolve.status == 412);
    CHECK(error_of(resolve)["code"] == "version_mismatch");

    auto one = server.call("GET", "/v1/incidents/" + id, agent);
    CHECK(one.json()["version"] == 2);
    CHECK(one.json()["severity"] == "critical");
    CHECK(one.json()["status"] == "investigating");
    CHECK(patch(id, {{"severity", "minor"}}, "abc").status == 400);
}

TEST_CASE_METHOD(incident_api, "resolving takes an incident off the IVR and the status page, and a second resolve is a conflict",
                 "[integration][incidents]") {
    const auto id = declare_id(fibre_cut());
    REQUIRE(ivr_answer("28001")["active"] == true);
    REQUIRE(server.request("GET", "/v1/status?postcode=28001").json()["incidents"].size() == 1);

    auto resolved = server.call("POST", "/v1/incidents/" + id + "/resolve", ops, {{"note", "splice repaired"}});
    REQUIRE(resolved.status == 200);
    auto body = resolved.json();
    CHECK(body["status"] == "resolved");
    CHECK(body["version"] == 2);
    CHECK(resolved.header("etag") == "\"2\"");
    CHECK(body["resolved_at"].is_string());
    CHECK(body["timeline"].back()["note"] == "splice repaired");
    CHECK(body["timeline"].back()["actor"] == "ops-ana");

    auto answer = ivr_answer("28001");
    CHECK(answer["active"] == false);
    CHECK(answer["incidents"].empty());
    CHECK(answer["announcement"] == "");
    auto status = server.request("GET", "/v1/status?postcode=28001").json();
    CHECK(status["active"] == false);
    CHECK(status["incidents"].empty());
    CHECK(server.call("GET", "/v1/agent/context?postcode=28001", agent).json()["affected"] == false);
    CHECK(listed_ids("?state=resolved") == std::vector<std::string>{id});
    CHECK(listed_ids("?state=active").empty());

    auto again = server.call("POST", "/v1/incidents/" + id + "/resolve", ops);
    CHECK(again.status == 409);
    CHECK(error_of(again)["code"] == "already_resolved");
    CHECK(server.call("GET", "/v1/incidents/" + id, agent).json()["version"] == 2);
    CHECK(server.call("POST", "/v1/incidents/INC-999/resolve", ops).status == 404);
}

TEST_CASE_METHOD(incident_api, "an Idempotency-Key replay answers with the same incident instead of declaring a second",
                 "[integration][incidents][idempotency]") {
    auto first = declare(fibre_cut(), {{"Idempotency-Key", "declare-7f3a"}});
    REQUIRE(first.status == 201);
    const auto id = first.json()["id"];

    auto replay = declare(fibre_cut(), {{"Idempotency-Key", "declare-7f3a"}});
    CHECK(replay.status == 201);
    CHECK(replay.json()["id"] == id);
    CHECK(replay.header("location") == first.header("location"));
    CHECK(replay.header("idempotent-replayed") == "true");
    CHECK(list("?state=all").size() == 1);

    auto reused = declare(fibre_cut({"46001"}), {{"Idempotency-Key", "declare-7f3a"}});
    CHECK(reused.status == 409);
    CHECK(error_of(reused)["code"] == "idempotency_key_reused");
    CHECK(list("?state=all").size() == 1);

    // A different key is a different request.
    auto fresh = declare(fibre_cut(), {{"Idempotency-Key", "declare-9b21"}});
    REQUIRE(fresh.status == 201);
    CHECK(fresh.json()["id"] != id);
    CHECK(list("?state=all").size() == 2);
}

TEST_CASE_METHOD(incident_api, "an Idempotency-Key replay after an update still returns the first answer",
                 "[integration][incidents][idempotency]") {
    auto first = declare(fibre_cut(), {{"Idempotency-Key", "declare-late-retry"}});
    REQUIRE(first.status == 201);
    const auto id = first.json()["id"].get<std::string>();
    REQUIRE(patch(id, {{"status", "identified"}}, "1").status == 200);

    // ARCHITECTURE.md §4: "a replay returns the first answer".
    auto replay = declare(fibre_cut(), {{"Idempotency-Key", "declare-late-retry"}});
    CHECK(replay.status == 201);
    CHECK(replay.json()["id"] == id);
    CHECK(replay.json()["version"] == 1);
    CHECK(replay.header("etag") == "\"1\"");
    CHECK(list("?state=all").size() == 1);
}

TEST_CASE_METHOD(incident_api, "a template fills the messages, services and severity a declare leaves out",
                 "[integration][incidents][templates]") {
    const auto base = read_template("fibre_cut");
    auto reply = declare({{"template", "fibre_cut"}, {"title", "Corte en Valencia"}, {"areas", {"46*"}}});
    REQUIRE(reply.status == 201);
    auto body = reply.json();
    CHECK(body["title"] == "Corte en Valencia");
    CHECK(body["template"] == "fibre_cut");
    CHECK(body["severity"] == base["severity"]);
    CHECK(body["services"].get<std::set<std::string>>() == base["services"].get<std::set<std::string>>());
    CHECK(body["messages"] == base["messages"]);

    // What the request says wins over the template, channel by channel.
    auto own = declare({{"template", "fibre_cut"},
                        {"title", "Corte en Sevilla"},
                        {"severity", "critical"},
                        {"areas", {"41001"}},
                        {"messages", {{"es", {{"ivr", "Mensaje propio {{eta}}."}}}}}});
    REQUIRE(own.status == 201);
    CHECK(own.json()["severity"] == "critical");
    CHECK(own.json()["messages"]["es"]["ivr"] == "Mensaje propio {{eta}}.");
    CHECK(own.json()["messages"]["es"]["sms"] == base["messages"]["es"]["sms"]);
    CHECK(ivr_answer("46020")["announcement"].get<std::string>().find("{{") == std::string::npos);

    auto unknown = declare({{"template", "volcano"}, {"title", "x"}, {"areas", {"28001"}}});
    CHECK(unknown.status == 422);
    CHECK(error_of(unknown)["code"] == "invalid_field");
    CHECK(error_of(unknown)["field"] == "template");
    CHECK(list("?state=all").size() == 2);
}

TEST_CASE_METHOD(incident_api, "an unknown placeholder is refused with 422 naming the message field",
                 "[integration][incidents][messages]") {
    auto body = fibre_cut();
    body["messages"]["es"]["ivr"] = "Avería por {{cause}}. Reparación: {{eta}}.";
    auto refused = declare(body);
    CHECK(refused.status == 422);
    CHECK(error_of(refused)["code"] == "invalid_field");
    CHECK(error_of(refused)["field"] == "messages.es.ivr");
    CHECK_THAT(error_of(refused)["message"].get<std::string>(),
               Catch::StartsWith("messages.es.ivr") && Catch::Contains("{{cause}}"));

    body = fibre_cut();
    body["messages"]["en"]["sms"] = "Fix by {{eta";
    auto unclosed = declare(body);
    CHECK(unclosed.status == 422);
    CHECK(error_of(unclosed)["field"] == "messages.en.sms");
    CHECK(list("?state=all").empty());

    // An update is checked the same way and changes nothing when refused.
    const auto id = declare_id(fibre_cut());
    auto update = patch(id, {{"messages", {{"es", {{"sms", "{{eta}} {{ticket}}"}}}}}}, "1");
    CHECK(update.status == 422);
    CHECK(error_of(update)["field"] == "messages.es.sms");
    CHECK(server.call("GET", "/v1/incidents/" + id, agent).json()["version"] == 1);
}

TEST_CASE_METHOD(incident_api, "every malformed area expression is refused with 422 naming its index",
                 "[integration][incidents][areas]") {
    struct bad_case {
        std::vector<std::string> areas;
        std::string field;
        std::string reason;
    };
    const std::vector<bad_case> cases = {
        {{"28001", "28100..2819"}, "areas[1]", "range bounds differ in length"},
        {{"28199..28100"}, "areas[0]", "range is reversed (lo > hi)"},
        {{"28001", "46001", "2*8"}, "areas[2]", "'*' may only end a prefix"},
        {{"*28"}, "areas[0]", "'*' may only end a prefix"},
        {{"28#01"}, "areas[0]", "invalid character '#'"},
        {{"28001", "2"}, "areas[1]", "an exact postcode needs at least 2 characters"},
        {{}, "areas", "at least one area is required"},
        {{""}, "areas[0]", "empty expression"},
        {{"12345678901"}, "areas[0]", "an exact postcode has at most 10 characters"},
        {{"1234567890*"}, "areas[0]", "a prefix has at most 9 characters before '*'"},
        {{"28*..29*"}, "areas[0]", "a range bound may not contain '*'"},
        {{"2..3"}, "areas[0]", "each range bound needs 2 to 10 characters"},
        {{"28100.."}, "areas[0]", "range is missing its upper bound"},
        {{"28.001"}, "areas[0]", "a range is written lo..hi, with exactly one '..'"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.areas);
        auto body = fibre_cut(c.areas);
        auto refused = declare(body);
        CHECK(refused.status == 422);
        CHECK(error_of(refused)["code"] == "invalid_field");
        CHECK(error_of(refused)["field"] == c.field);
        CHECK(error_of(refused)["message"] == c.field + ": " + c.reason);
    }
    CHECK(list("?state=all").empty());

    // The same rules hold for an update.
    const auto id = declare_id(fibre_cut());
    auto update = patch(id, {{"areas", {"28001", "28199..28100"}}}, "1");
    CHECK(update.status == 422);
    CHECK(error_of(update)["message"] == "areas[1]: range is reversed (lo > hi)");
    CHECK(server.call("GET", "/v1/incidents/" + id, agent).json()["areas"] == json({"28001", "28100..28199"}));
}

TEST_CASE_METHOD(incident_api, "roles are checked before anything else, also for ids that do not exist",
                 "[integration][incidents][auth]") {
    auto as_agent = server.call("POST", "/v1/incidents", agent, fibre_cut());
    CHECK(as_agent.status == 403);
    CHECK(error_of(as_agent)["code"] == "forbidden");
    CHECK(server.call("POST", "/v1/incidents", ivr, fibre_cut()).status == 403);
    CHECK(server.call("GET", "/v1/incidents", ivr).status == 403);
    CHECK(server.call("GET", "/v1/incidents/INC-1", ivr).status == 403);

    auto anonymous = server.call("GET", "/v1/incidents", "");
    CHECK(anonymous.status == 401);
    CHECK(error_of(anonymous)["code"] == "unauthorized");
    CHECK_THAT(anonymous.header("www-authenticate"), Catch::StartsWith("Bearer"));
    CHECK(server.call("POST", "/v1/incidents", "", fibre_cut()).status == 401);
    CHECK(server.call("GET", "/v1/incidents", "odk_not-a-real-token").status == 401);

    // A wrong role gets 403 even where the id does not exist.
    CHECK(server.call("PATCH", "/v1/incidents/INC-999", agent, {{"note", "x"}}).status == 403);
    CHECK(server.call("POST", "/v1/incidents/INC-999/resolve", agent).status == 403);
    CHECK(server.call("GET", "/v1/incidents/INC-999", ivr).status == 403);
    // With the right role, the same request reaches the lookup.
    CHECK(server.call("PATCH", "/v1/incidents/INC-999", ops, {{"note", "x"}}).status == 404);
    CHECK(list("?state=all").empty());

    // Roles nest: admin may declare, ops may read.
    CHECK(server.call("POST", "/v1/incidents", admin, fibre_cut()).status == 201);
    CHECK(server.call("GET", "/v1/incidents", ops).status == 200);
}

TEST_CASE_METHOD(incident_api, "bodies are refused: 400 for malformed JSON, 415 for another media type, 422 for an unknown field",
                 "[integration][incidents]") {
    const outagedesk::test::header_list json_type = {{"Authorization", "Bearer " + ops},
                                                     {"Content-Type", "application/json"}};
    auto malformed = server.request("POST", "/v1/incidents", R"({"title": "cut", "areas": [)", json_type);
    CHECK(malformed.status == 400);
    CHECK(error_of(malformed)["code"] == "malformed_json");
    auto not_object = server.request("POST", "/v1/incidents", R"(["28001"])", json_type);
    CHECK(not_object.status == 400);
    CHECK(error_of(not_object)["code"] == "malformed_json");

    auto form = server.request("POST", "/v1/incidents", fibre_cut().dump(),
                               {{"Authorization", "Bearer " + ops}, {"Content-Type", "application/x-www-form-urlencoded"}});
    CHECK(form.status == 415);
    CHECK(error_of(form)["code"] == "unsupported_media_type");
    CHECK(server.request("POST", "/v1/incidents", fibre_cut().dump(), {{"Authorization", "Bearer " + ops}}).status == 415);
    // Parameters of the media type are fine.
    CHECK(server.request("POST", "/v1/incidents", fibre_cut().dump(),
                         {{"Authorization", "Bearer " + ops}, {"Content-Type", "application/json; charset=utf-8"}})
              .status == 201);

    auto body = fibre_cut();
    body["colour"] = "red";
    auto unknown = declare(body);
    CHECK(unknown.status == 422);
    CHECK(error_of(unknown)["code"] == "invalid_field");
    CHECK(error_of(unknown)["field"] == "colour");

    body = fibre_cut();
    body["severity"] = "apocalyptic";
    CHECK(error_of(declare(body))["field"] == "severity");
    body = fibre_cut();
    body["services"] = {"broadband", "fax"};
    CHECK(error_of(declare(body))["field"] == "services[1]");
    body = fibre_cut();
    body.erase("title");
    CHECK(error_of(declare(body))["field"] == "title");
    body = fibre_cut();
    body["status"] = "resolved";
    CHECK(error_of(declare(body))["field"] == "status");

    CHECK(list("?state=all").size() == 1);
}
