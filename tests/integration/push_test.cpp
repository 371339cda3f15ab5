// Live push through the real binary: SSE and WebSocket fan-out to many
// clients, resuming with Last-Event-ID (also across a restart), filters,
// tickets, WebSocket control messages, and cutting off a stalled consumer
// without slowing the others.
#include "support/server_process.hpp"
#include "support/stream_clients.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using nlohmann::json;
using outagedesk::test::eventually;
using outagedesk::test::header_list;
using outagedesk::test::io_runner;
using outagedesk::test::server_process;
using outagedesk::test::sse_client;
using outagedesk::test::sse_message;
using outagedesk::test::sse_parser;
using outagedesk::test::stalled_connection;
using outagedesk::test::stream_clock;
using outagedesk::test::ws_client;
using namespace std::chrono_literals;

namespace {

header_list bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

json outage(const std::string& title, std::vector<std::string> areas) {
    return {{"title", title},
            {"severity", "major"},
            {"services", {"broadband"}},
            {"areas", areas},
            {"messages", {{"es", {{"ivr", "Hay una avería en su zona."}, {"agent_script", "Avería {{ref}}."}}}}}};
}

// A server with a token per role; `config` is merged over the test defaults.
struct push_server {
    server_process server;
    std::string ops;
    std::string agent;
    std::string ivr;
    std::string admin;

    explicit push_server(const json& config = json::object()) : server(config) {
        ops = server.create_token("ops", "ops-1");
        agent = server.create_token("agent", "agent-1");
        ivr = server.create_token("ivr", "ivr-1");
        admin = server.create_token("admin", "admin-1");
        server.start();
    }

    std::string declare(const std::string& title, std::vector<std::string> areas) {
        auto reply = server.call("POST", "/v1/incidents", ops, outage(title, std::move(areas)));
        REQUIRE(reply.status == 201);
        return reply.json()["id"].get<std::string>();
    }
    json update(const std::string& id, const json& patch) {
        auto reply = server.call("PATCH", "/v1/incidents/" + id, ops, patch);
        REQUIRE(reply.status == 200);
        return reply.json();
    }
    void note(const std::string& id, const std::string& text) { update(id, {{"note", text}}); }
    void resolve(const std::string& id) {
        REQUIRE(server.call("POST", "/v1/incidents/" + id + "/resolve", ops, json::object()).status == 200);
    }
    std::shared_ptr<sse_client> stream(io_runner& runner, const std::string& target, const header_list& headers) {
        return sse_client::open(runner.io(), server.port(), target, headers);
    }
    std::shared_ptr<sse_client> open_stream(io_runner& runner, const std::string& target = "/v1/events",
                                            header_list headers = {}) {
        if (headers.empty()) headers = bearer(agent);
        auto client = stream(runner, target, headers);
        REQUIRE(eventually([&] { return client->streaming() || client->ended(); }, 10s));
        REQUIRE(client->streaming());
        return client;
    }
    // The value of an unlabelled metric, -1 when absent.
    double metric(const std::string& name) {
        auto text = server.request("GET", "/metrics").body;
        std::istringstream lines(text);
        std::string line;
        while (std::getline(lines, line))
            if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
        return -1;
    }
};

std::size_t event_count(const std::shared_ptr<sse_client>& c) { return c->events().size(); }

json data_of(const sse_message& m) { return json::parse(m.data); }

// The events of `observer` after `seq`, in order.
std::vector<std::int64_t> seqs_after(const std::vector<std::int64_t>& all, std::int64_t seq) {
    std::vector<std::int64_t> out;
    for (auto s : all)
        if (s > seq) out.push_back(s);
    return out;
}

bool strictly_increasing(const std::vector<std::int64_t>& seqs) {
    return std::adjacent_find(seqs.begin(), seqs.end(), [](auto a, auto b) { return a >= b; }) == seqs.end();
}

std::int64_t ms_between(stream_clock::time_point from, stream_clock::time_point to) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

}  // namespace

TEST_CASE_METHOD(push_server,
                 "a declare reaches 200 SSE and 50 WebSocket clients, all connected beforehand, well within a second",
                 "[integration][push]") {
    io_runner runner;
    std::vector<std::shared_ptr<sse_client>> sse;
    std::vector<std::shared_ptr<ws_client>> ws;
    for (int i = 0; i < 200; ++i) sse.push_back(stream(runner, "/v1/events", bearer(agent)));
    for (int i = 0; i < 50; ++i) ws.push_back(ws_client::open(runner.io(), server.port(), "/v1/ws", bearer(ivr)));
    REQUIRE(eventually(
        [&] {
            return std::all_of(sse.begin(), sse.end(), [](auto& c) { return c->streaming() || c->ended(); }) &&
                   std::all_of(ws.begin(), ws.end(), [](auto& c) { return c->connected() || c->ended(); });
        },
        30s));
    REQUIRE(std::all_of(sse.begin(), sse.end(), [](auto& c) { return c->streaming(); }));
    REQUIRE(std::all_of(ws.begin(), ws.end(), [](auto& c) { return c->connected(); }));
    CHECK(metric("outagedesk_sse_clients") == 200);
    CHECK(metric("outagedesk_ws_clients") == 50);

    const auto sent = stream_clock::now();
    auto reply = server.call("POST", "/v1/incidents", ops, outage("Fibre cut", {"28001"}));
    const auto answered = stream_clock::now();
    REQUIRE(reply.status == 201);
    const auto id = reply.json()["id"].get<std::string>();

    eventually(
        [&] {
            return std::all_of(sse.begin(), sse.end(), [](auto& c) { return event_count(c) >= 1; }) &&
                   std::all_of(ws.begin(), ws.end(), [](auto& c) { return !c->messages().empty(); });
        },
        10s);

    std::int64_t worst_ms = std::numeric_limits<std::int64_t>::min();  // negative: before the response
    std::set<std::int64_t> seqs;
    int missing = 0;
    int malformed = 0;
    std::string first_problem;
    for (auto& c : sse) {
        auto events = c->events();
        if (events.size() != 1) {
            ++missing;
            continue;
        }
        const auto& e = events.front();
        worst_ms = std::max(worst_ms, ms_between(answered, e.arrived));
        auto doc = data_of(e);
        if (!e.id || *e.id != doc["seq"].get<std::int64_t>() || e.event != "incident.declared" ||
            doc["type"] != e.event || doc["incident"]["id"] != id) {
            ++malformed;
            if (first_problem.empty()) first_problem = "id: " + std::to_string(e.id.value_or(-1)) + " event: " + e.event + " data: " + e.data;
        }
        seqs.insert(doc["seq"].get<std::int64_t>());
    }
    for (auto& c : ws) {
        auto messages = c->messages();
        if (messages.size() != 1) {
            ++missing;
            continue;
        }
        worst_ms = std::max(worst_ms, ms_between(answered, messages.front().arrived));
        auto doc = json::parse(messages.front().text);
        if (doc["type"] != "incident.declared" || doc["incident"]["id"] != id || !doc.contains("at")) {
            ++malformed;
            if (first_problem.empty()) first_problem = messages.front().text;
        }
        seqs.insert(doc["seq"].get<std::int64_t>());
    }
    INFO("slowest client got the event " << worst_ms << " ms after the declare's response ("
                                         << worst_ms + ms_between(sent, answered) << " ms after it was sent); "
                                         << first_problem);
    CHECK(missing == 0);
    CHECK(malformed == 0);
    CHECK(seqs.size() == 1);  // one event, the same seq everywhere
    CHECK(worst_ms <= 1000);
    CHECK(metric("outagedesk_events_published_total") >= 1);
    CHECK(eventually([&] { return metric("outagedesk_fanout_seconds_count") >= 250; }, 2s));
}

TEST_CASE_METHOD(push_server,
                 "a client resuming with Last-Event-ID gets exactly the missed events in order, then live ones, "
                 "even while changes keep coming",
                 "[integration][push]") {
    io_runner runner;
    auto observer = open_stream(runner);
    auto first = open_stream(runner);
    const auto a = declare("Fibre cut", {"28001"});
    note(a, "crew dispatched");
    REQUIRE(eventually([&] { return event_count(first) == 2; }, 5s));
    first->close();
    REQUIRE(eventually([&] { return first->ended(); }, 5s));
    const auto last_seen = first->seqs().back();

    // Missed while away: updates, another declare, a resolve.
    for (int i = 0; i < 5; ++i) note(a, "progress " + std::to_string(i));
    const auto b = declare("Power cut", {"08001"});
    resolve(b);
    REQUIRE(eventually([&] { return event_count(observer) == 9; }, 5s));

    const bool as_header = GENERATE(true, false);
    INFO((as_header ? "Last-Event-ID header" : "?last_event_id= parameter"));
    // More changes race the replay: none may be lost or sent twice.
    std::thread writer([&] {
        for (int i = 0; i < 5; ++i) note(a, "racing " + std::to_string(i));
    });
    auto resumed = as_header ? stream(runner, "/v1/events", {{"Authorization", "Bearer " + agent}, {"Last-Event-ID", std::to_string(last_seen)}})
                             : stream(runner, "/v1/events?last_event_id=" + std::to_string(last_seen), bearer(agent));
    writer.join();
    REQUIRE(eventually([&] { return event_count(observer) == 14; }, 5s));
    const auto everything = observer->seqs();
    REQUIRE(strictly_increasing(everything));
    const auto expected = seqs_after(everything, last_seen);
    eventually([&] { return resumed->seqs().size() >= expected.size(); }, 5s);
    CHECK(resumed->seqs() == expected);

    // The replayed events are the same JSON the live ones were.
    std::map<std::int64_t, json> live;
    for (const auto& e : observer->events()) live[*e.id] = data_of(e);
    for (const auto& e : resumed->events()) {
        CHECK(data_of(e) == live[*e.id]);
        CHECK(e.event == live[*e.id]["type"]);
    }

    // And it continues live.
    note(a, "after the resume");
    REQUIRE(eventually([&] { return event_count(observer) == 15; }, 5s));
    eventually([&] { return resumed->seqs().size() == expected.size() + 1; }, 5s);
    CHECK(resumed->seqs() == seqs_after(observer->seqs(), last_seen));
}

TEST_CASE("Last-Event-ID resumes across a server restart: events committed before it are replayed, then new ones arrive live",
          "[integration][push]") {
    server_process server;
    const auto ops = server.create_token("ops", "ops-1");
    const auto agent = server.create_token("agent", "agent-1");
    server.start();
    auto note = [&](const std::string& id, const std::string& text) {
        REQUIRE(server.call("PATCH", "/v1/incidents/" + id, ops, {{"note", text}}).status == 200);
    };

    std::int64_t last_seen = 0;
    std::vector<std::int64_t> missed;
    std::map<std::int64_t, json> committed;
    std::string id;
    {
        io_runner runner;
        auto observer = sse_client::open(runner.io(), server.port(), "/v1/events", bearer(agent));
        auto client = sse_client::open(runner.io(), server.port(), "/v1/events", bearer(agent));
        REQUIRE(eventually([&] { return observer->streaming() && client->streaming(); }, 10s));
        auto reply = server.call("POST", "/v1/incidents", ops, outage("Fibre cut", {"28001"}));
        REQUIRE(reply.status == 201);
        id = reply.json()["id"].get<std::string>();
        note(id, "one");
        REQUIRE(eventually([&] { return event_count(client) == 2; }, 5s));
        client->close();
        last_seen = client->seqs().back();

        for (int i = 0; i < 3; ++i) note(id, "missed " + std::to_string(i));
        REQUIRE(eventually([&] { return event_count(observer) == 5; }, 5s));
        missed = seqs_after(observer->seqs(), last_seen);
        for (const auto& e : observer->events()) committed[*e.id] = data_of(e);

        CHECK(server.stop(SIGTERM) == 0);
        // The shutdown closed the open stream.
        CHECK(eventually([&] { return observer->ended(); }, 5s));
    }
    REQUIRE(missed.size() == 3);

    server.start();
    io_runner runner;
    auto resumed = sse_client::open(runner.io(), server.port(), "/v1/events",
                                    {{"Authorization", "Bearer " + agent}, {"Last-Event-ID", std::to_string(last_seen)}});
    REQUIRE(eventually([&] { return resumed->streaming(); }, 10s));
    eventually([&] { return event_count(resumed) >= 3; }, 5s);
    CHECK(resumed->seqs() == missed);
    for (const auto& e : resumed->events()) CHECK(data_of(e) == committed[*e.id]);

    note(id, "after the restart");
    REQUIRE(eventually([&] { return event_count(resumed) == 4; }, 5s));
    auto events = resumed->events();
    CHECK(*events.back().id > missed.back());
    CHECK(events.back().event == "incident.updated");
    CHECK(data_of(events.back())["incident"]["version"] == 6);
    CHECK(strictly_increasing(resumed->seqs()));
}

TEST_CASE_METHOD(push_server, "?types= and ?postcode= narrow a stream to the events asked for",
                 "[integration][push]") {
    io_runner runner;
    auto everything = open_stream(runner);
    auto resolves = open_stream(runner, "/v1/events?types=incident.resolved");
    auto declares_and_resolves = open_stream(runner, "/v1/events?types=incident.declared,incident.resolved");
    auto madrid = open_stream(runner, "/v1/events?postcode=28%20001");
    auto ranged = open_stream(runner, "/v1/events?postcode=28150");

    const auto a = declare("Madrid", {"28001", "28100..28199"});
    const auto b = declare("Barcelona", {"08*"});
    note(a, "a moves");
    note(b, "b moves");
    resolve(b);
    resolve(a);
    REQUIRE(eventually([&] { return event_count(everything) == 6; }, 5s));
    // Each stream is in order, so once its last expected event is in, nothing else can follow.
    REQUIRE(eventually([&] { return event_count(resolves) == 2; }, 5s));
    REQUIRE(eventually([&] { return event_count(declares_and_resolves) == 4; }, 5s));
    REQUIRE(eventually([&] { return event_count(madrid) == 3; }, 5s));
    REQUIRE(eventually([&] { return event_count(ranged) == 3; }, 5s));

    auto summary = [](const std::shared_ptr<sse_client>& c) {
        std::vector<std::string> out;
        for (const auto& e : c->events()) out.push_back(e.event + " " + data_of(e)["incident"]["id"].get<std::string>());
        return out;
    };
    CHECK(summary(resolves) == std::vector<std::string>{"incident.resolved " + b, "incident.resolved " + a});
    CHECK(summary(declares_and_resolves) == std::vector<std::string>{"incident.declared " + a, "incident.declared " + b,
                                                                     "incident.resolved " + b, "incident.resolved " + a});
    const std::vector<std::string> only_a{"incident.declared " + a, "incident.updated " + a, "incident.resolved " + a};
    CHECK(summary(madrid) == only_a);
    CHECK(summary(ranged) == only_a);

    // A bad postcode is refused before the stream opens.
    auto bad = stream(runner, "/v1/events?postcode=x", bearer(agent));
    REQUIRE(eventually([&] { return bad->status() != 0; }, 5s));
    CHECK(bad->status() == 422);
}

TEST_CASE_METHOD(push_server,
                 "a stream ticket opens one stream once, streams need a token or a ticket, and /v1/ws needs an upgrade",
                 "[integration][push]") {
    io_runner runner;
    auto issued = server.call("POST", "/v1/events/ticket", agent, json::object());
    REQUIRE(issued.status == 201);
    const auto ticket = issued.json()["ticket"].get<std::string>();
    CHECK_FALSE(ticket.empty());
    CHECK(issued.json()["expires_in"] == 60);
    CHECK(ticket.find(agent) == std::string::npos);

    auto browser = open_stream(runner, "/v1/events?ticket=" + ticket, {{"User-Agent", "EventSource"}});
    const auto id = declare("Fibre cut", {"28001"});
    REQUIRE(eventually([&] { return event_count(browser) == 1; }, 5s));
    CHECK(data_of(browser->events().front())["incident"]["id"] == id);

    auto status_of = [&](const std::string& target, const header_list& headers) {
        auto c = stream(runner, target, headers);
        REQUIRE(eventually([&] { return c->status() != 0 || c->ended(); }, 5s));
        return c->status();
    };
    CHECK(status_of("/v1/events?ticket=" + ticket, {}) == 401);  // used already
    CHECK(status_of("/v1/events?ticket=tkt_unknown", {}) == 401);
    CHECK(status_of("/v1/events", {}) == 401);
    CHECK(status_of("/v1/events", bearer("odk_not_a_token")) == 401);
    CHECK(status_of("/v1/events", {{"Authorization", "Bearer " + agent}, {"Last-Event-ID", "abc"}}) == 422);
    CHECK(server.call("POST", "/v1/events/ticket", "", json::object()).status == 401);

    // Every role may stream: agent and ivr, ops and admin by inclusion.
    for (const auto& token : {ivr, ops, admin}) open_stream(runner, "/v1/events", bearer(token));

    // WebSocket: plain GET is refused, the upgrade carries the role check.
    auto plain = server.call("GET", "/v1/ws", agent);
    CHECK(plain.status == 426);
    CHECK(plain.json()["error"]["code"] == "upgrade_required");
    auto anonymous = ws_client::open(runner.io(), server.port(), "/v1/ws");
    REQUIRE(eventually([&] { return anonymous->ended(); }, 5s));
    CHECK_FALSE(anonymous->connected());
    CHECK(anonymous->handshake_status() == 401);
    auto ws_ticket = server.call("POST", "/v1/events/ticket", ivr, json::object()).json()["ticket"].get<std::string>();
    auto ws = ws_client::open(runner.io(), server.port(), "/v1/ws?ticket=" + ws_ticket);
    REQUIRE(eventually([&] { return ws->connected() || ws->ended(); }, 5s));
    CHECK(ws->connected());
    CHECK(ws->handshake_status() == 101);
}

TEST_CASE("an idle stream gets a keep-alive comment every heartbeat", "[integration][push]") {
    push_server s(json{{"push", {{"heartbeat_seconds", 1}}}});
    io_runner runner;
    auto idle = s.open_stream(runner);
    auto keep_alives = [&] {
        int n = 0;
        for (const auto& m : idle->messages())
            for (const auto& c : m.comments) n += c == "keep-alive";
        return n;
    };
    CHECK(eventually([&] { return keep_alives() >= 2; }, 5s));
    CHECK_FALSE(idle->ended());
}

TEST_CASE_METHOD(push_server, "a WebSocket client resumes with {\"resume\": seq} and narrows with {\"types\": [...]}",
                 "[integration][push]") {
    io_runner runner;
    auto ws = ws_client::open(runner.io(), server.port(), "/v1/ws", bearer(agent));
    REQUIRE(eventually([&] { return ws->connected() || ws->ended(); }, 5s));
    REQUIRE(ws->connected());

    const auto a = declare("Fibre cut", {"28001"});
    note(a, "two");
    note(a, "three");
    REQUIRE(eventually([&] { return ws->seqs().size() == 3; }, 5s));
    const auto first = ws->seqs();
    REQUIRE(strictly_increasing(first));
    for (const auto& doc : ws->json_messages()) {
        CHECK(doc["incident"]["id"] == a);
        CHECK(doc.contains("at"));
    }

    // Replays what came after the first event, then goes on live.
    ws->send(json{{"resume", first[0]}}.dump());
    REQUIRE(eventually([&] { return ws->seqs().size() == 5; }, 5s));
    note(a, "four");
    REQUIRE(eventually([&] { return ws->seqs().size() == 6; }, 5s));
    auto seqs = ws->seqs();
    CHECK(std::vector<std::int64_t>(seqs.begin() + 3, seqs.begin() + 5) == std::vector<std::int64_t>{first[1], first[2]});
    CHECK(seqs[5] > first[2]);

    ws->send(json{{"types", {"incident.resolved"}}}.dump());
    // The control message is on the wire before the next change is even sent.
    REQUIRE(eventually([&] { return ws->sent() == 2; }, 5s));
    note(a, "filtered out");
    resolve(a);
    REQUIRE(eventually([&] { return ws->seqs().size() == 7; }, 5s));
    auto docs = ws->json_messages();
    CHECK(docs.back()["type"] == "incident.resolved");
    CHECK(docs[docs.size() - 2]["incident"]["version"] == 4);  // "four", and nothing between it and the resolve

    // Opening with ?last_event_id= replays from there as well.
    auto late = ws_client::open(runner.io(), server.port(), "/v1/ws?last_event_id=" + std::to_string(first[0]), bearer(agent));
    REQUIRE(eventually([&] { return late->seqs().size() == 5; }, 5s));
    CHECK(strictly_increasing(late->seqs()));
    CHECK(late->seqs().front() == first[1]);
}

TEST_CASE("a stalled client is cut off with a resume position while a healthy one keeps receiving every event on time",
          "[integration][push]") {
    push_server s(json{{"push", {{"max_queue", 8}, {"write_timeout_seconds", 2}}}});
    io_runner runner;
    auto healthy = s.open_stream(runner);
    stalled_connection stalled(s.server.port(), "/v1/events", bearer(s.agent), 1024);
    REQUIRE(eventually([&] { return s.metric("outagedesk_sse_clients") == 2; }, 5s));

    // Large messages (5 languages × 6 channels × 4000 characters) ride in every
    // event of the big incident, so its frames are over 100 KB and fill the
    // stalled socket's kernel buffers after a dozen or so. Each round adds one
    // such frame and then a quick burst of small events (another incident),
    // so once the socket is full the burst overflows the queue of 8 well
    // before the 2 s write timeout. Rounds go on until the server reports the
    // drop, so the test does not depend on this machine's buffer sizes.
    json texts;
    for (const char* channel : {"agent_script", "ivr", "sms", "email", "status_page", "social"})
        texts[channel] = std::string(channel) + " " + std::string(4000, 'x');
    auto body = outage("Fibre cut", {"28001"});
    for (const char* lang : {"es", "en", "fr", "pt", "de"}) body["messages"][lang] = texts;
    auto declared = s.server.call("POST", "/v1/incidents", s.ops, body);
    REQUIRE(declared.status == 201);
    const auto big = declared.json()["id"].get<std::string>();
    const auto small = s.declare("Small", {"08001"});

    std::map<std::string, stream_clock::time_point> answered;  // by "<id>#<version>"
    outagedesk::test::http_client ops_desk(s.server.port());
    auto update = [&](const std::string& id, const std::string& text) {
        auto reply = ops_desk.request("PATCH", "/v1/incidents/" + id, json{{"note", text}}.dump(),
                                      {{"Authorization", "Bearer " + s.ops}, {"Content-Type", "application/json"}});
        REQUIRE(reply.status == 200);
        answered[id + "#" + std::to_string(reply.json()["version"].get<std::int64_t>())] = stream_clock::now();
    };
    const std::string dropped = "outagedesk_stream_clients_dropped_total";
    std::size_t published = 2;
    int rounds = 0;
    for (; rounds < 40 && s.metric(dropped) < 1; ++rounds) {
        update(big, "round " + std::to_string(rounds));
        for (int i = 0; i < 9; ++i) update(small, "burst " + std::to_string(i));
        published += 10;
    }
    INFO("rounds published: " << rounds << " (" << published << " events)");
    CHECK(eventually([&] { return s.metric(dropped) >= 1; }, 5s));
    // Read at once: the server gives a dropped client 2 s to take its notice.
    auto drained = stalled.drain(15s);

    REQUIRE(eventually([&] { return event_count(healthy) == published; }, 10s));
    std::int64_t worst_ms = std::numeric_limits<std::int64_t>::min();
    for (const auto& e : healthy->events()) {
        auto incident = data_of(e)["incident"];
        if (incident["version"] == 1) continue;
        const auto key = incident["id"].get<std::string>() + "#" + std::to_string(incident["version"].get<std::int64_t>());
        REQUIRE(answered.count(key));
        worst_ms = std::max(worst_ms, ms_between(answered[key], e.arrived));
    }
    INFO("the healthy client's slowest event came " << worst_ms << " ms after its update was answered");
    CHECK(worst_ms <= 1000);
    CHECK(strictly_increasing(healthy->seqs()));
    CHECK_FALSE(healthy->ended());

    INFO("the stalled connection ended with: " << drained.how);
    CHECK(drained.ended);
    auto head_end = drained.bytes.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    CHECK(drained.bytes.rfind("HTTP/1.1 200", 0) == 0);
    sse_parser parser;
    auto got = parser.feed(std::string_view(drained.bytes).substr(head_end + 4), stream_clock::now());
    std::vector<std::int64_t> got_seqs;
    for (const auto& m : got)
        if (m.id) got_seqs.push_back(*m.id);
    const std::string notice = "too slow; reconnect with Last-Event-ID: ";
    const bool told = !got.empty() && !got.back().comments.empty() && got.back().comments.back().rfind(notice, 0) == 0;
    INFO("the stalled client got " << got_seqs.size() << " of " << published << " events");
    CHECK((got_seqs.size() < published || told));
    // The notice names the last event this client got in full: resuming from
    // there neither skips nor repeats one.
    if (told && !got_seqs.empty())
        CHECK(std::stoll(got.back().comments.back().substr(notice.size())) == got_seqs.back());

    // The healthy client is still served after the drop.
    update(small, "after the drop");
    CHECK(eventually([&] { return event_count(healthy) == published + 1; }, 5s));
    CHECK(eventually([&] { return s.metric("outagedesk_sse_clients") == 1; }, 5s));
}
