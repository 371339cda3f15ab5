// The IVR announcement through the real binary: long-poll wake-up after a
// declare, ETag revalidation, service and phone lookups, severity order, and
// the voice formats checked by a real XML parser.
#include "support/server_process.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <sstream>
#include <string>
#include <vector>

using nlohmann::json;
using outagedesk::test::header_list;
using outagedesk::test::http_reply;
using outagedesk::test::server_process;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

struct ivr_api {
    server_process server;
    std::string ops;
    std::string ivr;

    ivr_api() {
        ops = server.create_token("ops", "ops-ana");
        ivr = server.create_token("ivr", "ivr-1");
        server.start();
    }

    http_reply announcement(const std::string& query, header_list headers = {}) {
        return server.call("GET", "/v1/ivr/announcement?" + query, ivr, nullptr, std::move(headers));
    }

    json answer(const std::string& query) {
        auto reply = announcement(query);
        REQUIRE(reply.status == 200);
        return reply.json();
    }

    std::string declare(const json& body) {
        auto reply = server.call("POST", "/v1/incidents", ops, body);
        REQUIRE(reply.status == 201);
        return reply.json()["id"].get<std::string>();
    }
};

json incident(const std::string& title, const std::string& severity, std::vector<std::string> areas,
              const std::string& es_ivr, std::vector<std::string> services = {}) {
    return {{"title", title},
            {"severity", severity},
            {"services", services},
            {"areas", areas},
            {"messages", {{"es", {{"ivr", es_ivr}}}}}};
}

// A request written now on its own connection whose answer is read on another
// thread, so that the test can act while the server holds it.
class pending_request {
public:
    pending_request(std::uint16_t port, const std::string& target, const header_list& headers) : stream_(io_) {
        namespace http = boost::beast::http;
        stream_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
        http::request<http::empty_body> req{http::verb::get, target, 11};
        req.set(http::field::host, "127.0.0.1");
        for (const auto& [name, value] : headers) req.set(name, value);
        http::write(stream_, req);
        reply_ = std::async(std::launch::async, [this] { return read(); });
    }

    bool answered() const { return reply_.wait_for(0s) == std::future_status::ready; }

    // The reply and when it arrived.
    std::pair<http_reply, steady::time_point> get() { return reply_.get(); }

private:
    std::pair<http_reply, steady::time_point> read() {
        namespace http = boost::beast::http;
        stream_.expires_after(30s);
        boost::beast::flat_buffer buffer;
        http::response<http::string_body> res;
        http::read(stream_, buffer, res);
        const auto arrived = steady::now();
        http_reply reply;
        reply.status = res.result_int();
        for (const auto& field : res) {
            std::string name(field.name_string());
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            reply.headers[name] = std::string(field.value());
        }
        reply.body = res.body();
        return {reply, arrived};
    }

    boost::asio::io_context io_;
    boost::beast::tcp_stream stream_;
    std::future<std::pair<http_reply, steady::time_point>> reply_;
};

long long milliseconds_between(steady::time_point from, steady::time_point to) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

namespace pt = boost::property_tree;

// Parses with a real XML parser; a document it cannot read fails the test.
pt::ptree parse_xml(const std::string& body) {
    std::istringstream in(body);
    pt::ptree doc;
    REQUIRE_NOTHROW(pt::read_xml(in, doc));
    return doc;
}

// The texts of the children called `name`, in order; any other child (but
// attributes) means the markup is not what the platform expects.
std::vector<std::string> texts_of(const pt::ptree& parent, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& [key, child] : parent) {
        if (key == "<xmlattr>") continue;
        CHECK(key == name);
        CHECK(child.size() == (child.count("<xmlattr>") ? 1u : 0u));  // text only, no nested elements
        out.push_back(child.data());
    }
    return out;
}

const std::string tricky_first = R"(Avería en <Madrid> & alrededores: "fibra" 'cortada'.)";
const std::string tricky_second = "Segundo párrafo.";

}  // namespace

TEST_CASE_METHOD(ivr_api, "a long-poll started before a declare wakes with the new answer within a second",
                 "[integration][ivr][long-poll]") {
    auto affected = announcement("postcode=28001");
    REQUIRE(affected.status == 200);
    REQUIRE(affected.json()["active"] == false);
    auto unaffected = announcement("postcode=08001");
    REQUIRE(unaffected.status == 200);
    const auto unaffected_etag = unaffected.header("etag");

    pending_request poll(server.port(), "/v1/ivr/announcement?postcode=28001&wait=10",
                         {{"Authorization", "Bearer " + ivr}, {"If-None-Match", affected.header("etag")}});
    // A round trip on another connection gives the server time to take the
    // long-poll in; it must still be waiting, since nothing has changed.
    REQUIRE(server.request("GET", "/healthz").status == 200);
    REQUIRE(announcement("postcode=28001").header("etag") == affected.header("etag"));
    CHECK_FALSE(poll.answered());

    const auto id = declare(incident("Corte", "major", {"28*"}, "Avería en su zona."));
    const auto declared = steady::now();

    auto [woken, arrived] = poll.get();
    CHECK(woken.status == 200);
    CHECK(woken.header("etag") != affected.header("etag"));
    auto body = woken.json();
    CHECK(body["active"] == true);
    CHECK(body["version"] == 1);
    REQUIRE(body["incidents"].size() == 1);
    CHECK(body["incidents"][0]["id"] == id);
    CHECK(body["announcement"] == "Avería en su zona.");
    // The promise is 100 ms; a generous bound keeps a loaded machine green.
    CHECK(milliseconds_between(declared, arrived) < 1000);

    // A postcode outside the areas keeps its answer and its ETag.
    auto outside = announcement("postcode=08001");
    CHECK(outside.json()["active"] == false);
    CHECK(outside.header("etag") == unaffected_etag);
    CHECK(announcement("postcode=08001", {{"If-None-Match", unaffected_etag}}).status == 304);
}

TEST_CASE_METHOD(ivr_api, "If-None-Match with the current ETag answers 304, at once or after the wait",
                 "[integration][ivr][long-poll]") {
    declare(incident("Corte", "major", {"28001"}, "Avería en su zona."));
    auto current = announcement("postcode=28001");
    REQUIRE(current.status == 200);
    const auto etag = current.header("etag");
    REQUIRE_FALSE(etag.empty());
    CHECK(current.header("cache-control") == "no-cache");

    auto revalidated = announcement("postcode=28001", {{"If-None-Match", etag}});
    CHECK(revalidated.status == 304);
    CHECK(revalidated.header("etag") == etag);
    CHECK(revalidated.body.empty());

    auto stale = announcement("postcode=28001", {{"If-None-Match", "\"0000000000000000\""}});
    CHECK(stale.status == 200);
    CHECK(stale.json()["active"] == true);

    const auto started = steady::now();
    auto waited = announcement("postcode=28001&wait=1", {{"If-None-Match", etag}});
    const auto elapsed = milliseconds_between(started, steady::now());
    CHECK(waited.status == 304);
    CHECK(waited.header("etag") == etag);
    CHECK(elapsed >= 900);
    CHECK(elapsed < 3000);

    CHECK(announcement("postcode=28001&wait=31", {{"If-None-Match", etag}}).status == 422);
}

TEST_CASE_METHOD(ivr_api, "service= narrows the announcement to incidents of that service", "[integration][ivr]") {
    declare(incident("Fibra", "major", {"28001"}, "Avería de fibra.", {"broadband"}));
    auto mobile = answer("postcode=28001&service=mobile_data");
    CHECK(mobile["active"] == false);
    CHECK(mobile["incidents"].empty());
    auto broadband = answer("postcode=28001&service=broadband");
    CHECK(broadband["active"] == true);
    CHECK(broadband["announcement"] == "Avería de fibra.");
    CHECK(answer("postcode=28001")["active"] == true);
    auto bad = announcement("postcode=28001&service=fax");
    CHECK(bad.status == 422);
    CHECK(bad.json()["error"]["field"] == "service");
}

TEST_CASE_METHOD(ivr_api, "a caller's phone number finds their postcode and language in the registry",
                 "[integration][ivr][customers]") {
    REQUIRE(server.call("PUT", "/v1/customers/C-100", ops,
                        {{"phone", "612 345 678"}, {"postcode", "28 001"}, {"language", "en"}, {"services", {"broadband"}}})
                .status == 201);
    REQUIRE(server.call("PUT", "/v1/customers/C-200", ops,
                        {{"phone", "+34 699 000 111"}, {"postcode", "28001"}, {"services", {"tv"}}})
                .status == 201);
    auto body = incident("Fibra", "major", {"28001"}, "Avería de fibra.", {"broadband"});
    body["messages"]["en"]["ivr"] = "Fibre fault in your area.";
    declare(body);

    for (const std::string phone : {"612345678", "%2B34612345678", "0034%20612%20345%20678"}) {
        CAPTURE(phone);
        auto known = answer("phone=" + phone);
        CHECK(known["postcode"] == "28001");
        CHECK(known["lang"] == "en");
        CHECK(known["active"] == true);
        CHECK(known["announcement"] == "Fibre fault in your area.");
        CHECK_FALSE(known.contains("reason"));
    }
    // The registry's postcode wins over one the IVR guessed.
    CHECK(answer("phone=612345678&postcode=08001")["active"] == true);
    // A customer whose services the incident does not touch is not affected.
    CHECK(answer("phone=699000111")["active"] == false);

    auto unknown = answer("phone=611222333");
    CHECK(unknown["active"] == false);
    CHECK(unknown["reason"] == "unknown_caller");
    CHECK(unknown["incidents"].empty());
    // An unknown caller who keyed in a postcode is answered by it.
    auto keyed = answer("phone=611222333&postcode=28001");
    CHECK(keyed["active"] == true);
    CHECK(keyed["lang"] == "es");
    CHECK_FALSE(keyed.contains("reason"));

    CHECK(announcement("phone=not-a-phone").status == 422);
    CHECK(announcement("lang=es").status == 422);
}

TEST_CASE_METHOD(ivr_api, "two incidents on one postcode are announced together, the most severe first",
                 "[integration][ivr]") {
    const auto minor = declare(incident("Lento", "minor", {"28001"}, "Servicio lento."));
    const auto critical = declare(incident("Caída", "critical", {"28*"}, "Caída general."));
    REQUIRE(server.call("PATCH", "/v1/incidents/" + minor, ops, {{"note", "still slow"}}).status == 200);

    auto both = answer("postcode=28001");
    CHECK(both["active"] == true);
    REQUIRE(both["incidents"].size() == 2);
    CHECK(both["incidents"][0]["id"] == critical);
    CHECK(both["incidents"][0]["severity"] == "critical");
    CHECK(both["incidents"][1]["id"] == minor);
    CHECK(both["announcement"] == "Caída general.\n\nServicio lento.");
    CHECK(both["version"] == 2);  // the highest version among those played

    auto one = answer("postcode=28500");
    REQUIRE(one["incidents"].size() == 1);
    CHECK(one["incidents"][0]["id"] == critical);
    CHECK(one["announcement"] == "Caída general.");

    auto plain = announcement("postcode=28001", {{"Accept", "text/plain"}});
    CHECK(plain.status == 200);
    CHECK_THAT(plain.header("content-type"), Catch::StartsWith("text/plain"));
    CHECK(plain.body == "Caída general.\n\nServicio lento.");
}

TEST_CASE_METHOD(ivr_api, "voice formats are well-formed XML that carry the message's special characters literally",
                 "[integration][ivr][formats]") {
    declare(incident("Corte", "major", {"28001"}, tricky_first + "\n\n" + tricky_second));

    SECTION("SSML") {
        auto reply = announcement("postcode=28001", {{"Accept", "application/ssml+xml"}});
        REQUIRE(reply.status == 200);
        CHECK_THAT(reply.header("content-type"), Catch::StartsWith("application/ssml+xml"));
        auto doc = parse_xml(reply.body);
        REQUIRE(doc.size() == 1);
        const auto& speak = doc.get_child("speak");
        CHECK(speak.get<std::string>("<xmlattr>.xml:lang") == "es-ES");
        CHECK(speak.get<std::string>("<xmlattr>.version") == "1.1");
        CHECK(texts_of(speak, "p") == std::vector<std::string>{tricky_first, tricky_second});
        CHECK_THAT(reply.body, Catch::Contains("&lt;Madrid&gt;") && Catch::Contains("&amp;"));
        CHECK(reply.body.find("<Madrid>") == std::string::npos);
    }
    SECTION("VoiceXML") {
        auto reply = announcement("postcode=28001", {{"Accept", "application/voicexml+xml"}});
        REQUIRE(reply.status == 200);
        CHECK_THAT(reply.header("content-type"), Catch::StartsWith("application/voicexml+xml"));
        auto doc = parse_xml(reply.body);
        REQUIRE(doc.size() == 1);
        CHECK(doc.get<std::string>("vxml.<xmlattr>.version") == "2.1");
        const auto& prompt = doc.get_child("vxml.form.block.prompt");
        CHECK(texts_of(prompt, "p") == std::vector<std::string>{tricky_first, tricky_second});
        CHECK_THAT(reply.body, Catch::Contains("&lt;Madrid&gt;") && Catch::Contains("&amp;"));
        // ?format= picks the same document as Accept does.
        CHECK(announcement("postcode=28001&format=voicexml").body == reply.body);
    }
    SECTION("TwiML") {
        auto reply = announcement("postcode=28001&format=twiml");
        REQUIRE(reply.status == 200);
        CHECK_THAT(reply.header("content-type"), Catch::Contains("xml"));
        auto doc = parse_xml(reply.body);
        REQUIRE(doc.size() == 1);
        const auto& response = doc.get_child("Response");
        CHECK(texts_of(response, "Say") == std::vector<std::string>{tricky_first, tricky_second});
        for (const auto& [key, say] : response) CHECK(say.get<std::string>("<xmlattr>.language") == "es-ES");
        CHECK_THAT(reply.body, Catch::Contains("&lt;Madrid&gt;") && Catch::Contains("&amp;"));
    }
    SECTION("plain text") {
        auto reply = announcement("postcode=28001", {{"Accept", "text/plain"}});
        REQUIRE(reply.status == 200);
        CHECK_THAT(reply.header("content-type"), Catch::StartsWith("text/plain"));
        CHECK(reply.body == tricky_first + "\n\n" + tricky_second);
    }
    SECTION("an inactive postcode is still a well-formed, silent document") {
        auto ssml = announcement("postcode=08001", {{"Accept", "application/ssml+xml"}});
        REQUIRE(ssml.status == 200);
        CHECK(texts_of(parse_xml(ssml.body).get_child("speak"), "p").empty());
        auto twiml = announcement("postcode=08001&format=twiml");
        CHECK(texts_of(parse_xml(twiml.body).get_child("Response"), "Say").empty());
    }
}

TEST_CASE_METHOD(ivr_api, "the IVR announcement needs an ivr or admin token", "[integration][ivr][auth]") {
    const auto agent = server.create_token("agent", "desk-1");
    const auto admin = server.create_token("admin", "root-1");
    CHECK(server.call("GET", "/v1/ivr/announcement?postcode=28001", "").status == 401);
    CHECK(server.call("GET", "/v1/ivr/announcement?postcode=28001", agent).status == 403);
    CHECK(server.call("GET", "/v1/ivr/announcement?postcode=28001", ops).status == 403);
    CHECK(server.call("GET", "/v1/ivr/announcement?postcode=28001", admin).status == 200);
    CHECK(announcement("postcode=28001").status == 200);
}
