// Webhooks through the real binary and a local receiver: subscriptions and
// their refusals, signed calls verified with OpenSSL's HMAC, retries with
// backoff in seq order, dead deliveries, and a delivery pending across a
// server restart.
#include "support/server_process.hpp"
#include "support/stream_clients.hpp"

#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

using nlohmann::json;
using outagedesk::test::eventually;
using outagedesk::test::received_request;
using outagedesk::test::server_process;
using outagedesk::test::webhook_receiver;
using namespace std::chrono_literals;

namespace {

const std::string secret = "a-secret-of-at-least-16-characters";

std::string hmac_sha256_hex(const std::string& key, const std::string& message) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
         message.size(), digest, &length);
    std::string hex;
    char byte[3];
    for (unsigned int i = 0; i < length; ++i) {
        std::snprintf(byte, sizeof byte, "%02x", digest[i]);
        hex += byte;
    }
    return hex;
}

json outage(const std::string& title) {
    return {{"title", title},
            {"severity", "major"},
            {"services", {"broadband"}},
            {"areas", {"28001"}},
            {"messages", {{"es", {{"ivr", "Hay una avería en su zona."}}}}}};
}

// A receiver and a server whose webhooks retry quickly; `config` is merged
// over that.
struct webhook_setup {
    webhook_receiver receiver;
    server_process server;
    std::string admin;
    std::string ops;

    explicit webhook_setup(json config = json::object())
        : server([&] {
              json base = {{"webhooks", {{"retry_base_ms", 100}}}};
              base.merge_patch(config);
              return base;
          }()) {
        admin = server.create_token("admin", "admin-1");
        ops = server.create_token("ops", "ops-1");
        server.start();
    }

    json subscribe(const std::vector<std::string>& events, const std::string& path = "/hook") {
        auto reply = server.call("POST", "/v1/webhooks", admin, {{"url", receiver.url(path)}, {"events", events}, {"secret", secret}});
        REQUIRE(reply.status == 201);
        return reply.json();
    }
    std::string declare(const std::string& title) {
        auto reply = server.call("POST", "/v1/incidents", ops, outage(title));
        REQUIRE(reply.status == 201);
        return reply.json()["id"].get<std::string>();
    }
    void note(const std::string& id, const std::string& text) {
        REQUIRE(server.call("PATCH", "/v1/incidents/" + id, ops, {{"note", text}}).status == 200);
    }
    void resolve(const std::string& id) {
        REQUIRE(server.call("POST", "/v1/incidents/" + id + "/resolve", ops, json::object()).status == 200);
    }
    json deliveries(std::int64_t hook) {
        auto reply = server.call("GET", "/v1/webhooks/" + std::to_string(hook) + "/deliveries", admin);
        REQUIRE(reply.status == 200);
        return reply.json()["items"];
    }
    // The delivery of one event seq, or null.
    json delivery_of(std::int64_t hook, std::int64_t seq) {
        for (const auto& d : deliveries(hook))
            if (d["event_seq"] == seq) return d;
        return nullptr;
    }
    // Waits until the server has recorded `count` deliveries, none pending
    // (the receiver sees a call before the server records its answer).
    json settled(std::int64_t hook, std::size_t count) {
        json items;
        eventually(
            [&] {
                items = deliveries(hook);
                return items.size() == count &&
                       std::none_of(items.begin(), items.end(), [](const json& d) { return d["state"] == "pending"; });
            },
            5s);
        return items;
    }
    std::vector<received_request> answered_ok() const {
        std::vector<received_request> out;
        for (auto& r : receiver.requests())
            if (r.answered == 200) out.push_back(r);
        return out;
    }
};

std::int64_t seq_of(const received_request& r) { return json::parse(r.body)["seq"].get<std::int64_t>(); }

// Checks the signature the way a receiver would: HMAC-SHA256 over "<timestamp>.<body>".
void check_signed(const received_request& r) {
    INFO("request " << r.header("x-outagedesk-delivery") << " " << r.body.substr(0, 200));
    CHECK(r.method == "POST");
    CHECK(r.target == "/hook");
    CHECK(r.header("content-type").rfind("application/json", 0) == 0);
    const auto timestamp = r.header("x-outagedesk-timestamp");
    REQUIRE_FALSE(timestamp.empty());
    REQUIRE(timestamp.find_first_not_of("0123456789") == std::string::npos);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    CHECK(std::llabs(now - std::stoll(timestamp)) < 300);
    CHECK(r.header("x-outagedesk-signature") == "sha256=" + hmac_sha256_hex(secret, timestamp + "." + r.body));
    CHECK(r.header("x-outagedesk-signature") != "sha256=" + hmac_sha256_hex("another-secret-of-16+", timestamp + "." + r.body));
    auto body = json::parse(r.body);
    CHECK(body["type"] == r.header("x-outagedesk-event"));
    CHECK(body["seq"].is_number_integer());
    CHECK(body.contains("at"));
    CHECK_FALSE(r.header("x-outagedesk-delivery").empty());
}

}  // namespace

TEST_CASE_METHOD(webhook_setup,
                 "a subscription receives signed calls for the event types it names, and the secret is never shown",
                 "[integration][webhooks]") {
    auto created = subscribe({"incident.declared", "incident.resolved"});
    const auto hook = created["id"].get<std::int64_t>();
    CHECK(created["url"] == receiver.url());
    CHECK(created["events"] == json({"incident.declared", "incident.resolved"}));
    CHECK_FALSE(created.contains("secret"));
    CHECK(created.dump().find(secret) == std::string::npos);

    auto listed = server.call("GET", "/v1/webhooks", admin);
    REQUIRE(listed.status == 200);
    REQUIRE(listed.json()["items"].size() == 1);
    CHECK(listed.json()["items"][0]["id"] == hook);
    CHECK_FALSE(listed.json()["items"][0].contains("secret"));
    CHECK(listed.body.find(secret) == std::string::npos);

    const auto id = declare("Fibre cut");
    note(id, "not subscribed to updates");
    resolve(id);
    REQUIRE(eventually([&] { return receiver.count() >= 2; }, 10s));
    auto calls = receiver.requests();
    REQUIRE(calls.size() == 2);
    for (const auto& r : calls) check_signed(r);
    CHECK(calls[0].header("x-outagedesk-event") == "incident.declared");
    CHECK(calls[1].header("x-outagedesk-event") == "incident.resolved");
    CHECK(json::parse(calls[0].body)["incident"]["id"] == id);
    CHECK(json::parse(calls[1].body)["incident"]["status"] == "resolved");
    CHECK(seq_of(calls[0]) < seq_of(calls[1]));
    CHECK(calls[0].header("x-outagedesk-delivery") != calls[1].header("x-outagedesk-delivery"));

    auto log = settled(hook, 2);
    REQUIRE(log.size() == 2);
    for (const auto& d : log) {
        CHECK(d["state"] == "delivered");
        CHECK(d["attempts"] == 1);
        CHECK(d["last_status"] == 200);
    }

    // Deleted: gone from the list, and no further calls. A second
    // subscription, served after it in the same pass, marks when the event
    // went out.
    auto removed = server.call("DELETE", "/v1/webhooks/" + std::to_string(hook), admin);
    CHECK(removed.status == 200);
    CHECK(removed.json()["deleted"] == true);
    CHECK(server.call("GET", "/v1/webhooks", admin).json()["items"].size() == 0);
    CHECK(server.call("DELETE", "/v1/webhooks/" + std::to_string(hook), admin).status == 404);
    subscribe({"*"}, "/sentinel");
    declare("Power cut");
    REQUIRE(eventually([&] { return receiver.count() >= 3; }, 10s));
    calls = receiver.requests();
    CHECK(calls.size() == 3);
    CHECK(calls.back().target == "/sentinel");
}

TEST_CASE_METHOD(webhook_setup, "a subscription needs a valid url, known event types and a real secret, from an admin",
                 "[integration][webhooks]") {
    auto create = [&](const json& body, const std::string& token) { return server.call("POST", "/v1/webhooks", token, body); };
    const json good = {{"url", receiver.url()}, {"events", {"*"}}, {"secret", secret}};
    auto refused = [&](json change, const std::string& field) {
        json body = good;
        body.merge_patch(change);
        auto reply = create(body, admin);
        INFO(body.dump() << " → " << reply.status << " " << reply.body);
        CHECK(reply.status == 422);
        if (reply.status == 422) {
            CHECK(reply.json()["error"]["code"] == "invalid_field");
            CHECK_THAT(reply.json()["error"]["message"].get<std::string>(), Catch::Contains(field));
        }
    };
    refused({{"url", "ftp://127.0.0.1/hook"}}, "url");
    refused({{"url", "not a url"}}, "url");
    refused({{"url", "http://user:pw@127.0.0.1/hook"}}, "url");
    refused({{"url", nullptr}}, "url");
    refused({{"events", json::array()}}, "events");
    refused({{"events", {"incident.exploded"}}}, "events[0]");
    refused({{"events", "incident.declared"}}, "events");
    refused({{"secret", "short"}}, "secret");
    refused({{"secret", nullptr}}, "secret");
    refused({{"secret", std::string(257, 's')}}, "secret");
    refused({{"colour", "blue"}}, "colour");

    CHECK(create(good, ops).status == 403);
    CHECK(create(good, "").status == 401);
    CHECK(server.call("GET", "/v1/webhooks", ops).status == 403);
    CHECK(server.call("DELETE", "/v1/webhooks/1", ops).status == 403);
    CHECK(server.call("GET", "/v1/webhooks/1/deliveries", ops).status == 403);
    CHECK(server.call("GET", "/v1/webhooks", admin).json()["items"].size() == 0);
    CHECK(server.call("DELETE", "/v1/webhooks/999", admin).status == 404);
    CHECK(server.call("GET", "/v1/webhooks/999/deliveries", admin).status == 404);
    CHECK(create(good, admin).status == 201);
}

TEST_CASE_METHOD(webhook_setup,
                 "a receiver failing the first 3 times gets the event on a later retry, with backoff, and every event "
                 "after it in seq order",
                 "[integration][webhooks]") {
    receiver.answer_with([](std::size_t index, const received_request&) { return index < 3 ? 500 : 200; });
    const auto hook = subscribe({"*"})["id"].get<std::int64_t>();
    const auto id = declare("Fibre cut");
    note(id, "two");
    note(id, "three");
    resolve(id);
    REQUIRE(eventually([&] { return answered_ok().size() >= 4; }, 15s));

    auto calls = receiver.requests();
    REQUIRE(calls.size() == 7);
    for (const auto& r : calls) check_signed(r);
    // The first event, three times refused, then taken; the same delivery id each time.
    for (int i = 0; i < 4; ++i) {
        CHECK(calls[i].header("x-outagedesk-event") == "incident.declared");
        CHECK(seq_of(calls[i]) == seq_of(calls[0]));
        CHECK(calls[i].header("x-outagedesk-delivery") == calls[0].header("x-outagedesk-delivery"));
    }
    // Backoff from retry_base_ms = 100, doubling.
    auto gap = [&](int i) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(calls[i + 1].arrived - calls[i].arrived).count();
    };
    INFO("gaps between attempts: " << gap(0) << ", " << gap(1) << ", " << gap(2) << " ms");
    CHECK(gap(0) >= 90);
    CHECK(gap(1) >= 190);
    CHECK(gap(2) >= 390);

    // Exactly once each, in seq order.
    std::vector<std::int64_t> delivered;
    std::vector<std::int64_t> versions;
    for (const auto& r : answered_ok()) {
        delivered.push_back(seq_of(r));
        versions.push_back(json::parse(r.body)["incident"]["version"].get<std::int64_t>());
    }
    CHECK(versions == std::vector<std::int64_t>{1, 2, 3, 4});
    for (std::size_t i = 1; i < delivered.size(); ++i) CHECK(delivered[i] > delivered[i - 1]);
    CHECK(std::set<std::string>{calls[4].header("x-outagedesk-event"), calls[5].header("x-outagedesk-event")} ==
          std::set<std::string>{"incident.updated"});
    CHECK(calls[6].header("x-outagedesk-event") == "incident.resolved");

    settled(hook, 4);
    auto first = delivery_of(hook, delivered[0]);
    REQUIRE_FALSE(first.is_null());
    CHECK(first["attempts"] == 4);
    CHECK(first["state"] == "delivered");
    CHECK(first["last_status"] == 200);
    for (std::size_t i = 1; i < delivered.size(); ++i) {
        auto d = delivery_of(hook, delivered[i]);
        REQUIRE_FALSE(d.is_null());
        CHECK(d["attempts"] == 1);
        CHECK(d["state"] == "delivered");
    }
    auto metrics = server.request("GET", "/metrics").body;
    CHECK_THAT(metrics, Catch::Contains("outagedesk_webhook_deliveries_total{outcome=\"failed\"} 3"));
    CHECK_THAT(metrics, Catch::Contains("outagedesk_webhook_deliveries_total{outcome=\"delivered\"} 4"));
}

TEST_CASE("after the last attempt a delivery is marked dead, visibly, and the next event still goes out",
          "[integration][webhooks]") {
    webhook_setup s(json{{"webhooks", {{"max_attempts", 2}}}});
    s.receiver.answer_with([](std::size_t index, const received_request&) { return index < 2 ? 503 : 200; });
    const auto hook = s.subscribe({"*"})["id"].get<std::int64_t>();
    const auto id = s.declare("Fibre cut");
    s.note(id, "next");
    REQUIRE(eventually([&] { return s.answered_ok().size() >= 1; }, 10s));
    auto calls = s.receiver.requests();
    REQUIRE(calls.size() == 3);
    const auto dead_seq = seq_of(calls[0]);
    s.settled(hook, 2);
    auto dead = s.delivery_of(hook, dead_seq);
    REQUIRE_FALSE(dead.is_null());
    CHECK(dead["state"] == "dead");
    CHECK(dead["attempts"] == 2);
    CHECK(dead["last_status"] == 503);
    CHECK(dead["next_attempt_at"].is_null());
    CHECK_FALSE(dead["last_error"].is_null());
    CHECK(seq_of(calls[2]) > dead_seq);
    CHECK(calls[2].header("x-outagedesk-event") == "incident.updated");
    CHECK(s.delivery_of(hook, seq_of(calls[2]))["state"] == "delivered");
}

TEST_CASE("a delivery pending during a restart is delivered after it", "[integration][webhooks]") {
    webhook_setup s(json{{"webhooks", {{"retry_base_ms", 200}, {"max_attempts", 1000}}}});
    s.receiver.answer_always(500);
    const auto hook = s.subscribe({"incident.declared"})["id"].get<std::int64_t>();
    const auto id = s.declare("Fibre cut");
    REQUIRE(eventually([&] { return s.receiver.count() >= 1; }, 10s));
    const auto seq = seq_of(s.receiver.requests().front());
    const auto delivery_id = s.receiver.requests().front().header("x-outagedesk-delivery");
    json pending;
    eventually(
        [&] {
            pending = s.delivery_of(hook, seq);
            return !pending.is_null() && pending["attempts"].get<int>() >= 1;
        },
        5s);
    REQUIRE_FALSE(pending.is_null());
    CHECK(pending["state"] == "pending");
    CHECK(pending["attempts"].get<int>() >= 1);
    CHECK(pending["last_status"] == 500);
    CHECK_FALSE(pending["next_attempt_at"].is_null());

    CHECK(s.server.stop(SIGTERM) == 0);
    const auto before_restart = s.receiver.count();
    s.receiver.answer_always(200);
    s.server.start();

    REQUIRE(eventually([&] { return s.answered_ok().size() >= 1; }, 15s));
    auto ok = s.answered_ok();
    REQUIRE(ok.size() == 1);
    check_signed(ok.front());
    CHECK(seq_of(ok.front()) == seq);
    CHECK(json::parse(ok.front().body)["incident"]["id"] == id);
    CHECK(ok.front().header("x-outagedesk-delivery") == delivery_id);
    CHECK(s.receiver.count() == before_restart + 1);
    auto delivered = s.settled(hook, 1)[0];
    CHECK(delivered["state"] == "delivered");
    CHECK(delivered["attempts"].get<int>() == static_cast<int>(before_restart) + 1);
}
