#include "outagedesk/http/errors.hpp"
#include "outagedesk/http/router.hpp"
#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/service/errors.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <vector>

using namespace outagedesk;
using namespace outagedesk::http;
using verb = beast_http::verb;

namespace {
struct fixture {
    metrics::registry metrics;
    router routes{[](std::string_view header) -> std::optional<domain::principal> {
                      if (header == "Bearer ops-token") return domain::principal{"olga", domain::role::ops};
                      if (header == "Bearer agent-token") return domain::principal{"ana", domain::role::agent};
                      if (header == "Bearer ivr-token") return domain::principal{"ivr1", domain::role::ivr};
                      return std::nullopt;
                  },
                  metrics};
    fixture() {
        routes.add(verb::get, "/v1/incidents/{id}", {domain::role::agent}, [](auto req, responder respond) {
            respond(json_response(beast_http::status::ok, nlohmann::json{{"id", req->path_param("id")}}.dump()));
        });
        routes.add(verb::patch, "/v1/incidents/{id}", {domain::role::ops}, [](auto, responder respond) {
            respond(json_response(beast_http::status::ok, "{}"));
        });
        routes.add(verb::get, "/v1/incidents", {domain::role::agent}, [](auto, responder respond) {
            respond(json_response(beast_http::status::ok, R"({"items":[]})"));
        });
        routes.add(verb::get, "/public", {}, [](auto, responder respond) {
            respond(json_response(beast_http::status::ok, "{}"));
        });
        routes.add(verb::get, "/boom", {}, [](auto, responder) -> void { throw std::runtime_error("secret detail"); });
    }
    response run(verb method, const std::string& path, const std::string& token = "") {
        auto request = std::make_shared<request_context>();
        request->message.method(method);
        request->path = path;
        if (!token.empty()) request->message.set("Authorization", "Bearer " + token);
        std::optional<response> answer;
        routes.dispatch(request, [&](response r) { answer = std::move(r); });
        REQUIRE(answer.has_value());
        return *answer;
    }
};
std::string code_of(const response& r) { return nlohmann::json::parse(r.body())["error"]["code"]; }
}  // namespace

TEST_CASE("the router matches literal paths and captures path parameters", "[router]") {
    fixture f;
    auto r = f.run(verb::get, "/v1/incidents/INC-42", "agent-token");
    CHECK(r.result_int() == 200);
    CHECK(nlohmann::json::parse(r.body())["id"] == "INC-42");
    CHECK(f.run(verb::get, "/v1/incidents", "agent-token").result_int() == 200);
    CHECK(f.run(verb::get, "/public").result_int() == 200);
}

TEST_CASE("percent-encoded path parameters are decoded", "[router]") {
    fixture f;
    auto r = f.run(verb::get, "/v1/incidents/INC%2D7", "agent-token");
    CHECK(nlohmann::json::parse(r.body())["id"] == "INC-7");
}

TEST_CASE("an unknown path is 404 and a wrong method is 405 with Allow", "[router]") {
    fixture f;
    auto missing = f.run(verb::get, "/v1/nothing");
    CHECK(missing.result_int() == 404);
    CHECK(code_of(missing) == "not_found");
    CHECK(f.run(verb::get, "/v1/incidents/1/extra", "agent-token").result_int() == 404);
    CHECK(f.run(verb::get, "/v1/incidents/", "agent-token").result_int() == 404);
    auto wrong = f.run(verb::delete_, "/v1/incidents/INC-1", "ops-token");
    CHECK(wrong.result_int() == 405);
    CHECK(std::string(wrong[beast_http::field::allow]) == "GET, PATCH");
}

TEST_CASE("a protected route answers 401 without a token and 403 for the wrong role", "[router][auth]") {
    fixture f;
    auto anonymous = f.run(verb::get, "/v1/incidents/INC-1");
    CHECK(anonymous.result_int() == 401);
    CHECK(code_of(anonymous) == "unauthorized");
    CHECK(f.run(verb::get, "/v1/incidents/INC-1", "forged").result_int() == 401);
    auto wrong_role = f.run(verb::patch, "/v1/incidents/INC-1", "agent-token");
    CHECK(wrong_role.result_int() == 403);
    CHECK(code_of(wrong_role) == "forbidden");
    CHECK(f.run(verb::get, "/v1/incidents/INC-1", "ivr-token").result_int() == 403);
    CHECK(f.run(verb::patch, "/v1/incidents/INC-1", "ops-token").result_int() == 200);
    // ops may read what agents read.
    CHECK(f.run(verb::get, "/v1/incidents/INC-1", "ops-token").result_int() == 200);
}

TEST_CASE("a handler's unexpected exception becomes a 500 without its text", "[router]") {
    fixture f;
    auto r = f.run(verb::get, "/boom");
    CHECK(r.result_int() == 500);
    CHECK(r.body().find("secret detail") == std::string::npos);
    CHECK(code_of(r) == "internal");
}

TEST_CASE("requests are counted by route pattern and status", "[router][metrics]") {
    fixture f;
    f.run(verb::get, "/v1/incidents/INC-1", "agent-token");
    f.run(verb::get, "/v1/incidents/INC-2", "agent-token");
    auto text = f.metrics.render();
    CHECK(text.find(R"(outagedesk_http_requests_total{route="/v1/incidents/{id}",status="200"} 2)") != std::string::npos);
}

TEST_CASE("query strings decode into parameters", "[router]") {
    auto q = parse_query("postcode=28%20001&lang=es&flag&x=a+b");
    REQUIRE(q.size() == 4);
    CHECK(q[0].second == "28 001");
    CHECK(q[2].first == "flag");
    CHECK(q[3].second == "a b");
}

TEST_CASE("a path with bytes that are not UTF-8 still gets a JSON 404 (fuzzer regression)", "[router]") {
    fixture f;
    auto r = f.run(verb::delete_, "/1\xd1\x96\x91\x9c\x96ts/x");
    CHECK(r.result_int() == 404);
    auto body = nlohmann::json::parse(r.body());
    CHECK(body["error"]["code"] == "not_found");
}

TEST_CASE("a lookup route runs through the lookup runner, after authorisation, and its errors stay JSON", "[router]") {
    metrics::registry metrics;
    router routes{[](std::string_view header) -> std::optional<domain::principal> {
                      if (header == "Bearer agent-token") return domain::principal{"ana", domain::role::agent};
                      if (header == "Bearer ivr-token") return domain::principal{"ivr1", domain::role::ivr};
                      return std::nullopt;
                  },
                  metrics};
    std::vector<std::function<void()>> queued;
    routes.run_with(runs_on::lookup_threads, [&queued](std::function<void()> job) { queued.push_back(std::move(job)); });
    int handled = 0;
    routes.add(verb::get, "/v1/agent/context", {domain::role::agent}, [&handled](auto, responder respond) {
        ++handled;
        respond(json_response(beast_http::status::ok, "{}"));
    }, runs_on::lookup_threads);
    routes.add(verb::get, "/v1/customers/{id}", {domain::role::agent}, [](auto req, responder) -> void {
        throw outagedesk::service::not_found("No customer " + req->path_param("id") + ".");
    }, runs_on::lookup_threads);
    routes.add(verb::get, "/v1/ivr", {domain::role::ivr}, [](auto, responder respond) {
        respond(json_response(beast_http::status::ok, "{}"));
    });
    auto send = [&routes](const std::string& path, const std::string& token, std::optional<response>& answer) {
        auto request = std::make_shared<request_context>();
        request->message.method(verb::get);
        request->path = path;
        request->request_id = "req-1";
        if (!token.empty()) request->message.set("Authorization", "Bearer " + token);
        routes.dispatch(request, [&answer](response r) { answer = std::move(r); });
    };

    std::optional<response> answer;
    send("/v1/agent/context", "agent-token", answer);
    CHECK_FALSE(answer.has_value());  // queued, not run on the calling (I/O) thread
    REQUIRE(queued.size() == 1);
    CHECK(handled == 0);
    queued.front()();
    CHECK(handled == 1);
    REQUIRE(answer.has_value());
    CHECK(answer->result_int() == 200);

    // A refused caller is answered at once and never reaches the lookup threads.
    answer.reset();
    send("/v1/agent/context", "ivr-token", answer);
    REQUIRE(answer.has_value());
    CHECK(answer->result_int() == 403);
    answer.reset();
    send("/v1/agent/context", "", answer);
    REQUIRE(answer.has_value());
    CHECK(answer->result_int() == 401);
    CHECK(queued.size() == 1);

    // A handler's exception on a lookup thread becomes the contract's JSON error.
    answer.reset();
    send("/v1/customers/C-9", "agent-token", answer);
    REQUIRE(queued.size() == 2);
    CHECK_FALSE(answer.has_value());
    queued.back()();
    REQUIRE(answer.has_value());
    CHECK(answer->result_int() == 404);
    CHECK(code_of(*answer) == "not_found");

    // Routes not marked for the lookup threads answer in place.
    answer.reset();
    send("/v1/ivr", "ivr-token", answer);
    REQUIRE(answer.has_value());
    CHECK(answer->result_int() == 200);
    CHECK(queued.size() == 2);
}
