// HTTPS through the real binary: a self-signed certificate made by openssl at
// test time, real curl trusting it with --cacert for requests and an SSE
// stream, a small Beast client for a WebSocket and for the close_notify at the
// end of a connection; plain HTTP and TLS 1.1 refused on the TLS port; and
// start-up refused, naming the key, when the tls settings are wrong.
#include "outagedesk/config/config.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

using nlohmann::json;
using outagedesk::test::run_command;
using outagedesk::test::server_process;
using outagedesk::test::temp_dir;
using namespace std::chrono_literals;

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

// The harness runs programs by path; find curl and openssl on PATH.
std::string program(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string_view dirs = path ? path : "/usr/bin:/bin";
    while (!dirs.empty()) {
        auto colon = dirs.find(':');
        std::filesystem::path candidate = std::filesystem::path(std::string(dirs.substr(0, colon))) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
        dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    }
    FAIL(name + " is not on PATH; the TLS tests need it");
    return name;
}

struct certificate {
    std::filesystem::path cert;
    std::filesystem::path key;
};

// A fresh RSA key and a self-signed certificate for 127.0.0.1, made the way an
// operator would with the openssl command line.
certificate make_certificate(const std::filesystem::path& dir, const std::string& name) {
    certificate made{dir / (name + "-cert.pem"), dir / (name + "-key.pem")};
    std::string out, err;
    int status = run_command({program("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                              "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2", "-keyout", made.key.string(),
                              "-out", made.cert.string()},
                             &out, &err);
    INFO(err);
    REQUIRE(status == 0);
    return made;
}

json tls_config(const certificate& files) {
    return {{"tls", {{"certificate_file", files.cert.string()}, {"private_key_file", files.key.string()}}}};
}

std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

struct curl_result {
    int exit_status = -1;
    int http_status = 0;
    std::string body;
    std::string error;
};

// Runs curl; the status code is written after the body on a line of its own.
curl_result curl(std::vector<std::string> args) {
    args.insert(args.begin(), {program("curl"), "--silent", "--show-error", "--max-time", "20", "--write-out", "\n%{http_code}"});
    curl_result result;
    std::string out;
    result.exit_status = run_command(args, &out, &result.error);
    auto last = out.rfind('\n');
    if (last != std::string::npos) {
        result.body = out.substr(0, last);
        try {
            result.http_status = std::stoi(out.substr(last + 1));
        } catch (const std::exception&) {
            result.http_status = 0;
        }
    }
    return result;
}

// An HTTPS server with an ops and an agent token, and its certificate.
struct tls_server {
    temp_dir certs;
    certificate files = make_certificate(certs.path(), "server");
    server_process server{tls_config(files)};
    std::string ops = server.create_token("ops", "ops-1");
    std::string agent = server.create_token("agent", "agent-1");

    tls_server() { server.start(); }

    std::string url(const std::string& target) const {
        return "https://127.0.0.1:" + std::to_string(server.port()) + target;
    }
    curl_result get(const std::string& target, const std::string& token, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"--cacert", files.cert.string(), "-H", "Authorization: Bearer " + token};
        args.insert(args.end(), extra.begin(), extra.end());
        args.push_back(url(target));
        return curl(std::move(args));
    }
    curl_result declare(const std::string& title) {
        json body = {{"title", title},
                     {"severity", "major"},
                     {"services", {"broadband"}},
                     {"areas", {"28001"}},
                     {"messages", {{"es", {{"ivr", "Hay una avería en su zona."}, {"agent_script", "Avería {{ref}}."}}}}}};
        return curl({"--cacert", files.cert.string(), "-H", "Authorization: Bearer " + ops, "-H",
                     "Content-Type: application/json", "--data-binary", body.dump(), url("/v1/incidents")});
    }
};

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit * outagedesk::test::time_scale();
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return condition();
}

// A child left running (curl holding an SSE stream open) until the test is
// done with it; its stdout goes to a file.
class background_process {
public:
    background_process(const std::vector<std::string>& args, std::filesystem::path output) : output_(std::move(output)) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, output_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
        std::vector<char*> argv;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        if (posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&actions);
        REQUIRE(pid_ > 0);
    }
    ~background_process() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    background_process(const background_process&) = delete;
    background_process& operator=(const background_process&) = delete;
    std::string output() const { return slurp(output_); }

private:
    std::filesystem::path output_;
    pid_t pid_ = -1;
};

// A client-side TLS context that trusts only the test's certificate.
net::ssl::context client_context(const certificate& files) {
    net::ssl::context context(net::ssl::context::tls_client);
    context.load_verify_file(files.cert.string());
    context.set_verify_mode(net::ssl::verify_peer);
    return context;
}

void connect_tls(beast::ssl_stream<beast::tcp_stream>& stream, std::uint16_t port) {
    beast::get_lowest_layer(stream).expires_after(20s);
    beast::get_lowest_layer(stream).connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    stream.set_verify_callback(net::ssl::host_name_verification("127.0.0.1"));
    stream.handshake(net::ssl::stream_base::client);
}

}  // namespace

TEST_CASE("an HTTPS server answers an authenticated GET and a POST from curl that trusts its certificate", "[tls]") {
    tls_server https;

    auto declared = https.declare("Fibre cut");
    INFO(declared.error);
    REQUIRE(declared.exit_status == 0);
    CHECK(declared.http_status == 201);
    const auto id = json::parse(declared.body)["id"].get<std::string>();

    auto listed = https.get("/v1/incidents", https.agent);
    INFO(listed.error);
    REQUIRE(listed.exit_status == 0);
    CHECK(listed.http_status == 200);
    CHECK(listed.body.find(id) != std::string::npos);

    // Authentication still applies over TLS.
    auto anonymous = curl({"--cacert", https.files.cert.string(), https.url("/v1/incidents")});
    CHECK(anonymous.exit_status == 0);
    CHECK(anonymous.http_status == 401);

    // The certificate is what curl checks: without --cacert it is refused.
    auto untrusting = curl({https.url("/healthz")});
    CHECK(untrusting.exit_status == 60);  // CURLE_PEER_FAILED_VERIFICATION

    // The log names the certificate, never the key: neither its path nor its contents.
    const auto log = https.server.log();
    CHECK(log.find("HTTPS on: certificate subject /CN=127.0.0.1") != std::string::npos);
    CHECK(log.find(https.files.key.string()) == std::string::npos);
    CHECK(log.find(https.files.key.filename().string()) == std::string::npos);
    CHECK(log.find("PRIVATE KEY") == std::string::npos);
}

TEST_CASE("the TLS port refuses plain HTTP and TLS 1.1 and accepts TLS 1.2 and 1.3", "[tls]") {
    tls_server https;
    const auto port = std::to_string(https.server.port());

    auto plain = curl({"http://127.0.0.1:" + port + "/healthz"});
    CHECK(plain.exit_status != 0);
    CHECK(plain.http_status != 200);

    // curl's own OpenSSL would not offer TLS 1.1 at its default security
    // level; SECLEVEL=0 makes it offer it, so the refusal is the server's.
    auto old = https.get("/healthz", https.agent, {"--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0"});
    INFO(old.error);
    CHECK(old.exit_status == 35);  // CURLE_SSL_CONNECT_ERROR
    CHECK(old.error.find("protocol version") != std::string::npos);
    CHECK(old.http_status != 200);

    auto tls12 = https.get("/healthz", https.agent, {"--tlsv1.2", "--tls-max", "1.2"});
    INFO(tls12.error);
    CHECK(tls12.exit_status == 0);
    CHECK(tls12.http_status == 200);

    auto tls13 = https.get("/healthz", https.agent, {"--tlsv1.3"});
    INFO(tls13.error);
    CHECK(tls13.exit_status == 0);
    CHECK(tls13.http_status == 200);
}

TEST_CASE("a TLS connection the server ends is closed with close_notify, keep-alive working before it", "[tls]") {
    tls_server https;
    net::io_context io;
    auto context = client_context(https.files);
    beast::ssl_stream<beast::tcp_stream> stream(io, context);
    connect_tls(stream, https.server.port());

    beast::flat_buffer buffer;
    for (bool last : {false, false, true}) {
        beast::http::request<beast::http::string_body> req{beast::http::verb::get, "/healthz", 11};
        req.set(beast::http::field::host, "127.0.0.1");
        req.keep_alive(!last);
        beast::http::write(stream, req);
        beast::http::response<beast::http::string_body> res;
        beast::http::read(stream, buffer, res);
        CHECK(res.result_int() == 200);
        CHECK(res.keep_alive() == !last);
    }
    // eof from the TLS layer means the server sent close_notify; a bare TCP
    // close would read as stream_truncated.
    char byte;
    beast::error_code ec;
    stream.read_some(net::buffer(&byte, 1), ec);
    CHECK(ec == net::error::eof);
}

TEST_CASE("at shutdown an idle TLS keep-alive connection gets close_notify and the server exits 0", "[tls]") {
    tls_server https;
    net::io_context io;
    auto context = client_context(https.files);
    beast::ssl_stream<beast::tcp_stream> stream(io, context);
    connect_tls(stream, https.server.port());
    beast::http::request<beast::http::string_body> req{beast::http::verb::get, "/healthz", 11};
    req.set(beast::http::field::host, "127.0.0.1");
    beast::http::write(stream, req);
    beast::flat_buffer buffer;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(stream, buffer, res);
    REQUIRE(res.result_int() == 200);
    REQUIRE(res.keep_alive());

    // The connection is idle, its read pending on the server: SIGTERM.
    int exit_status = -1;
    std::thread stopper([&] { exit_status = https.server.stop(SIGTERM); });
    char byte;
    beast::error_code ec;
    beast::get_lowest_layer(stream).expires_after(20s);
    stream.read_some(net::buffer(&byte, 1), ec);
    CHECK(ec == net::error::eof);
    beast::error_code ignored;
    stream.shutdown(ignored);  // our close_notify, so the server need not wait for its bound
    stopper.join();
    CHECK(exit_status == 0);
}

TEST_CASE("an SSE stream over HTTPS receives a declared incident", "[tls]") {
    tls_server https;
    temp_dir scratch;
    background_process stream({program("curl"), "--silent", "--no-buffer", "--max-time", "60", "--cacert",
                               https.files.cert.string(), "-H", "Authorization: Bearer " + https.agent,
                               https.url("/v1/events")},
                              scratch.path() / "events");
    REQUIRE(eventually([&] { return stream.output().find(": stream open") != std::string::npos; }, 10s));

    auto declared = https.declare("Fibre cut");
    REQUIRE(declared.http_status == 201);
    const auto id = json::parse(declared.body)["id"].get<std::string>();

    bool received = eventually(
        [&] {
            auto text = stream.output();
            return text.find("event: incident.declared") != std::string::npos && text.find(id) != std::string::npos;
        },
        10s);
    INFO(stream.output());
    CHECK(received);
}

TEST_CASE("a WebSocket over TLS receives a declared incident", "[tls]") {
    tls_server https;
    net::io_context io;
    auto context = client_context(https.files);
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(io, context);
    connect_tls(ws.next_layer(), https.server.port());
    const std::string token = https.agent;
    ws.set_option(websocket::stream_base::decorator(
        [token](websocket::request_type& req) { req.set(beast::http::field::authorization, "Bearer " + token); }));
    ws.handshake("127.0.0.1:" + std::to_string(https.server.port()), "/v1/ws");

    auto declared = https.declare("Fibre cut");
    REQUIRE(declared.http_status == 201);
    const auto id = json::parse(declared.body)["id"].get<std::string>();

    json found;
    for (int i = 0; i < 10 && found.is_null(); ++i) {
        beast::flat_buffer buffer;
        beast::get_lowest_layer(ws).expires_after(10s * outagedesk::test::time_scale());
        ws.read(buffer);
        auto doc = json::parse(beast::buffers_to_string(buffer.data()));
        if (doc.value("type", "") == "incident.declared") found = doc;
    }
    REQUIRE(!found.is_null());
    CHECK(found["incident"]["id"] == id);
    beast::get_lowest_layer(ws).expires_after(10s);
    ws.close(websocket::close_code::normal);
}

TEST_CASE("bad tls settings stop the start with exit 78 and a message naming the key", "[tls]") {
    temp_dir certs;
    const auto good = make_certificate(certs.path(), "good");
    const auto other = make_certificate(certs.path(), "other");
    const auto missing = certs.path() / "missing-key.pem";

    struct bad_case {
        const char* what;
        json tls;
        std::string key_named;
    };
    const std::vector<bad_case> cases = {
        {"a certificate file that does not exist",
         {{"certificate_file", (certs.path() / "missing-cert.pem").string()}, {"private_key_file", good.key.string()}},
         "tls.certificate_file"},
        {"a private key file that does not exist",
         {{"certificate_file", good.cert.string()}, {"private_key_file", missing.string()}},
         "tls.private_key_file"},
        {"the key of another certificate",
         {{"certificate_file", good.cert.string()}, {"private_key_file", other.key.string()}},
         "tls.private_key_file"},
        {"a certificate file that holds no certificate",
         {{"certificate_file", good.key.string()}, {"private_key_file", good.key.string()}},
         "tls.certificate_file"},
        {"an unknown setting",
         {{"certificate_file", good.cert.string()}, {"private_key_file", good.key.string()}, {"ciphers", "ALL"}},
         "tls.ciphers"},
        {"a missing private key setting", {{"certificate_file", good.cert.string()}}, "tls.private_key_file"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.what) {
            server_process server(json{{"tls", c.tls}});
            std::string out, err;
            int status = server.cli({"serve"}, &out, &err);
            INFO(err);
            CHECK(status == 78);
            CHECK(err.find("'" + c.key_named + "'") != std::string::npos);
            // Never the path of a key, nor its contents.
            CHECK(err.find(missing.string()) == std::string::npos);
            CHECK(err.find(other.key.string()) == std::string::npos);
            CHECK(err.find("PRIVATE KEY") == std::string::npos);
        }
    }
}

TEST_CASE("the tls setting is optional and its paths are taken from the config file's directory", "[tls]") {
    using outagedesk::config::parse_settings;
    CHECK_FALSE(parse_settings("{}", "/etc/outagedesk").tls);
    CHECK_FALSE(parse_settings(R"({"tls": null})", "/etc/outagedesk").tls);

    auto relative = parse_settings(R"({"tls": {"certificate_file": "cert.pem", "private_key_file": "/secret/key.pem"}})",
                                   "/etc/outagedesk");
    REQUIRE(relative.tls);
    CHECK(relative.tls->certificate_file == "/etc/outagedesk/cert.pem");
    CHECK(relative.tls->private_key_file == "/secret/key.pem");

    CHECK_THROWS_WITH(parse_settings(R"({"tls": true})", "."), Catch::Contains("'tls' must be an object"));
    CHECK_THROWS_WITH(parse_settings(R"({"tls": {"certificate_file": 1, "private_key_file": "k"}})", "."),
                      Catch::Contains("'tls.certificate_file' must be a string"));
    CHECK_THROWS_WITH(parse_settings(R"({"tls": {"certificate_file": "c", "private_key_file": ""}})", "."),
                      Catch::Contains("'tls.private_key_file' must name a PEM file"));
}
