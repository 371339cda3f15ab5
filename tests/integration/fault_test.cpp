// Faults around the server, against the real binary: the database's disk
// filling up (a size-limited tmpfs mounted by the test), the SQLite write lock
// held by someone else, and the notification gateway and webhook receivers
// hanging or refusing. Writes must fail cleanly with 503 and nothing
// half-written, reads must keep answering, and the API's latency must not
// depend on the receivers.
#include "outagedesk/store/sqlite.hpp"
#include "support/server_process.hpp"
#include "support/stream_clients.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

using nlohmann::json;
using outagedesk::test::eventually;
using outagedesk::test::http_client;
using outagedesk::test::http_reply;
using outagedesk::test::server_process;
using outagedesk::test::temp_dir;
using namespace std::chrono_literals;
namespace store = outagedesk::store;

namespace {

// A tmpfs of a fixed size on a directory, unmounted when the object goes, so
// the database can run out of space without touching the machine's disks.
// Needs root (or CAP_SYS_ADMIN): a refusal fails the test with the reason.
class small_filesystem {
public:
    small_filesystem(const std::filesystem::path& where, std::size_t bytes) : where_(where) {
        const std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
        if (::mount("outagedesk-test", where.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0)
            throw std::runtime_error("cannot mount a " + std::to_string(bytes) + "-byte tmpfs on " + where.string() +
                                     ": " + std::strerror(errno) + " (the disk-full test needs root or CAP_SYS_ADMIN)");
    }
    ~small_filesystem() {
        // Lazy: the mount goes even if something still holds a file open on it.
        ::umount2(where_.c_str(), MNT_DETACH);
    }
    small_filesystem(const small_filesystem&) = delete;
    small_filesystem& operator=(const small_filesystem&) = delete;

private:
    std::filesystem::path where_;
};

// Fills the file system holding `file` until it refuses more; returns the
// bytes written. Deleting the file gives the space back.
std::size_t fill_up(const std::filesystem::path& file) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + file.string() + ": " + std::strerror(errno));
    std::vector<char> chunk(64 * 1024, 'x');
    std::size_t total = 0;
    std::size_t size = chunk.size();
    for (;;) {
        auto n = ::write(fd, chunk.data(), size);
        if (n > 0) {
            total += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (size == 1) break;  // not even one byte fits: full
        size = 1;              // take the last partial chunk's leftovers too
    }
    ::close(fd);
    return total;
}

http_reply post_json(http_client& client, const std::string& target, const std::string& token, const json& body) {
    return client.request("POST", target, body.dump(),
                          {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
}

json contact(const std::string& note) {
    return {{"channel", "voice"}, {"reason", "no_service"}, {"postcode", "28001"}, {"agent", "desk-1"}, {"note", note}};
}

json outage(const std::string& title) {
    return {{"title", title},
            {"severity", "major"},
            {"services", {"broadband"}},
            {"areas", {"280*"}},
            {"messages", {{"es", {{"ivr", "Avería en su zona."}, {"sms", "Avería {{ref}} en su zona."}}}}}};
}

std::set<std::string> notes_in(const std::filesystem::path& database, const std::string& like) {
    store::connection db(database, store::connection::mode::read_only, 1000);
    store::statement query(db.handle(), "SELECT note FROM contacts WHERE note LIKE ?1");
    query.bind(1, like);
    std::set<std::string> notes;
    while (query.step()) notes.insert(query.get_text(0));
    return notes;
}

bool refused_as_unavailable(const http_reply& r) {
    if (r.status != 503) return false;
    auto body = json::parse(r.body, nullptr, false);
    return body.is_object() && body["error"].is_object() && body["error"]["code"] == "store_unavailable" &&
           body["error"]["message"].is_string();
}

double percentile(std::vector<double> values, double fraction) {
    std::sort(values.begin(), values.end());
    auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(values.size())));
    return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

// An HTTP peer that accepts connections, reads each request's head and never
// answers: a gateway or webhook target that hangs. Counts requests by path.
class hanging_receiver {
public:
    hanging_receiver() : acceptor_(io_) {
        boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(endpoint.protocol());
        acceptor_.bind(endpoint);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~hanging_receiver() {
        io_.stop();
        thread_.join();
    }
    hanging_receiver(const hanging_receiver&) = delete;
    hanging_receiver& operator=(const hanging_receiver&) = delete;

    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    std::size_t count(const std::string& path) const {
        std::lock_guard lock(mutex_);
        auto it = seen_.find(path);
        return it == seen_.end() ? 0 : it->second;
    }

private:
    struct held {
        explicit held(boost::asio::io_context& io) : socket(io) {}
        boost::asio::ip::tcp::socket socket;
        std::string head;
    };
    void accept() {
        auto next = std::make_shared<held>(io_);
        acceptor_.async_accept(next->socket, [this, next](boost::system::error_code ec) {
            if (ec) return;
            boost::asio::async_read_until(next->socket, boost::asio::dynamic_buffer(next->head), "\r\n\r\n",
                                          [this, next](boost::system::error_code read_error, std::size_t) {
                                              if (read_error) return;
                                              auto start = next->head.find(' ') + 1;
                                              auto path = next->head.substr(start, next->head.find(' ', start) - start);
                                              std::lock_guard lock(mutex_);
                                              ++seen_[path];
                                              open_.push_back(next);  // kept open, never answered
                                          });
            accept();
        });
    }

    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    mutable std::mutex mutex_;
    std::map<std::string, std::size_t> seen_;
    std::vector<std::shared_ptr<held>> open_;
    std::thread thread_;
};

// A loopback port with nothing listening on it: connections are refused.
std::uint16_t refusing_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return probe.local_endpoint().port();  // closed when probe goes
}

}  // namespace

TEST_CASE("when the database's disk fills, writes answer 503 with nothing half-written, reads go on, and writing resumes by itself",
          "[integration][faults]") {
    temp_dir mount_point;
    small_filesystem disk(mount_point.path(), 8 * 1024 * 1024);
    const auto database = mount_point.path() / "outagedesk.db";
    server_process server(json{{"database", database.string()}});
    auto ops = server.create_token("ops", "ops-1");
    auto agent = server.create_token("agent", "desk-1");
    auto ivr = server.create_token("ivr", "ivr-1");
    server.start();
    http_client client(server.port());

    auto declared = post_json(client, "/v1/incidents", ops, outage("Fibre cut before the disk filled"));
    REQUIRE(declared.status == 201);
    const auto incident = declared.json()["id"].get<std::string>();
    REQUIRE(post_json(client, "/v1/contacts", agent, contact("before-1")).status == 201);
    const auto ivr_before = client.request("GET", "/v1/ivr/announcement?postcode=28001", "", {{"Authorization", "Bearer " + ivr}});
    REQUIRE(ivr_before.status == 200);

    const auto balloon = mount_point.path() / "balloon";
    REQUIRE(fill_up(balloon) > 0);

    // Writes of every kind are refused, each with the contract's error body.
    std::set<std::string> acknowledged = {"before-1"};
    std::set<std::string> refused;
    for (int i = 0; i < 20; ++i) {
        const auto note = "full-" + std::to_string(i);
        auto r = post_json(client, "/v1/contacts", agent, contact(note));
        INFO("contact " << note << " answered " << r.status << " " << r.body);
        CHECK(refused_as_unavailable(r));
        (r.status == 201 ? acknowledged : refused).insert(note);
    }
    REQUIRE(refused.size() == 20);
    auto full_declare = post_json(client, "/v1/incidents", ops, outage("Declared on a full disk"));
    CHECK(refused_as_unavailable(full_declare));
    CHECK_THAT(full_declare.json()["error"]["message"].get<std::string>(), Catch::Contains("space"));
    CHECK(full_declare.header("retry-after") != "");
    auto full_patch = client.request("PATCH", "/v1/incidents/" + incident, R"({"status":"identified"})",
                                     {{"Authorization", "Bearer " + ops}, {"Content-Type", "application/json"}});
    CHECK(refused_as_unavailable(full_patch));

    // Reads keep answering: the IVR from memory, lists from the readers.
    auto ivr_full = client.request("GET", "/v1/ivr/announcement?postcode=28001", "", {{"Authorization", "Bearer " + ivr}});
    CHECK(ivr_full.status == 200);
    CHECK(ivr_full.json()["active"] == true);
    CHECK(ivr_full.header("etag") == ivr_before.header("etag"));
    auto one = client.request("GET", "/v1/incidents/" + incident, "", {{"Authorization", "Bearer " + agent}});
    CHECK(one.status == 200);
    CHECK(one.json()["status"] == "investigating");  // the refused PATCH left no trace
    auto listed = client.request("GET", "/v1/incidents?state=all", "", {{"Authorization", "Bearer " + agent}});
    CHECK(listed.status == 200);
    CHECK(listed.json()["items"].size() == 1);
    CHECK(client.request("GET", "/v1/status?postcode=28001").status == 200);
    CHECK(client.request("GET", "/healthz").status == 200);

    // Space comes back: writing resumes without a restart.
    std::filesystem::remove(balloon);
    int attempts = 0;
    bool resumed = eventually(
        [&] {
            const auto note = "after-" + std::to_string(attempts++);
            auto r = post_json(client, "/v1/contacts", agent, contact(note));
            (r.status == 201 ? acknowledged : refused).insert(note);
            return r.status == 201;
        },
        10s);
    REQUIRE(resumed);
    CHECK(attempts == 1);  // the first write after the space returned
    auto again = post_json(client, "/v1/incidents", ops, outage("Declared after the space returned"));
    CHECK(again.status == 201);
    auto patched = client.request("PATCH", "/v1/incidents/" + incident, R"({"status":"identified"})",
                                  {{"Authorization", "Bearer " + ops}, {"Content-Type", "application/json"}});
    CHECK(patched.status == 200);
    auto ivr_after = client.request("GET", "/v1/ivr/announcement?postcode=28001", "", {{"Authorization", "Bearer " + ivr}});
    CHECK(ivr_after.json()["incidents"].size() == 2);
    server.stop(SIGTERM);

    // Exactly what was acknowledged is stored; the store is intact.
    CHECK(notes_in(database, "%") == acknowledged);
    store::connection db(database, store::connection::mode::read_only, 1000);
    store::statement check(db.handle(), "PRAGMA integrity_check");
    REQUIRE(check.step());
    CHECK(check.get_text(0) == "ok");
    store::statement titles(db.handle(), "SELECT COUNT(*), SUM(title = 'Declared on a full disk') FROM incidents");
    REQUIRE(titles.step());
    CHECK(titles.get_int64(0) == 2);
    CHECK(titles.get_int64(1) == 0);
    store::statement events(db.handle(), "SELECT COUNT(*) FROM events WHERE type LIKE 'incident.%'");
    REQUIRE(events.step());
    CHECK(events.get_int64(0) == 3);  // two declares and one update, none of the refused ones
}

TEST_CASE("a write blocked by another holder of the SQLite write lock waits about busy_timeout_ms, answers 503, then succeeds once the lock is gone",
          "[integration][faults]") {
    const auto busy_timeout = 400ms;
    server_process server(json{{"store", {{"busy_timeout_ms", busy_timeout.count()}}}});
    auto agent = server.create_token("agent", "desk-1");
    auto ivr = server.create_token("ivr", "ivr-1");
    server.start();
    http_client client(server.port());
    REQUIRE(post_json(client, "/v1/contacts", agent, contact("before-lock")).status == 201);

    {
        // A second writer, as an operator's sqlite3 shell or a backup tool would be.
        store::connection holder(server.database(), store::connection::mode::read_write, 1000);
        holder.exec("BEGIN IMMEDIATE");
        const auto started = std::chrono::steady_clock::now();
        auto blocked = post_json(client, "/v1/contacts", agent, contact("while-locked"));
        const auto waited = std::chrono::steady_clock::now() - started;
        INFO("answered " << blocked.status << " " << blocked.body << " after "
                         << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() << " ms");
        CHECK(refused_as_unavailable(blocked));
        CHECK_THAT(blocked.json()["error"]["message"].get<std::string>(), Catch::Contains("busy"));
        CHECK(waited >= busy_timeout * 3 / 4);    // it was retried, not refused at once
        CHECK(waited < busy_timeout + 1500ms);    // and not for longer than the bound (plus slack)
        // Reads do not wait for the lock.
        const auto read_started = std::chrono::steady_clock::now();
        auto announcement = client.request("GET", "/v1/ivr/announcement?postcode=28001", "", {{"Authorization", "Bearer " + ivr}});
        CHECK(announcement.status == 200);
        CHECK(std::chrono::steady_clock::now() - read_started < busy_timeout);
        holder.exec("ROLLBACK");
    }

    auto after = post_json(client, "/v1/contacts", agent, contact("after-lock"));
    CHECK(after.status == 201);
    server.stop(SIGTERM);
    CHECK(notes_in(server.database(), "%lock%") == std::set<std::string>{"before-lock", "after-lock"});
}

TEST_CASE("a hanging gateway and hanging or refusing webhook receivers do not slow the IVR GET or the contact POST",
          "[integration][faults]") {
    hanging_receiver hanging;
    server_process server(json{{"timezone", "UTC"},
                               {"notify", {{"gateway_url", hanging.url("/send")}, {"min_severity", "minor"}, {"timeout_ms", 5000}}},
                               {"webhooks", {{"retry_base_ms", 50}, {"timeout_ms", 5000}}}});
    auto admin = server.create_token("admin", "admin-1");
    auto ops = server.create_token("ops", "ops-1");
    auto agent = server.create_token("agent", "desk-1");
    auto ivr = server.create_token("ivr", "ivr-1");
    server.start();
    http_client client(server.port());

    // Customers to notify, two subscriptions (one hangs, one is refused), then
    // an incident that sends work to all of them.
    std::string csv = "id,phone,email,postcode,language,services,preferred_channel,consent\n";
    for (int i = 0; i < 40; ++i)
        csv += "C" + std::to_string(i) + ",+346000" + std::to_string(10000 + i) + ",,28001,es,broadband,sms,true\n";
    auto imported = client.request("POST", "/v1/customers/import", csv,
                                   {{"Authorization", "Bearer " + ops}, {"Content-Type", "text/csv"}});
    REQUIRE(imported.status == 200);
    const std::string secret = "a-secret-of-at-least-16-characters";
    auto refused_port = refusing_port();
    auto hook_hanging = post_json(client, "/v1/webhooks", admin,
                                  {{"url", hanging.url("/hook")}, {"events", {"incident.declared", "incident.updated"}}, {"secret", secret}});
    REQUIRE(hook_hanging.status == 201);
    auto hook_refused = post_json(client, "/v1/webhooks", admin,
                                  {{"url", "http://127.0.0.1:" + std::to_string(refused_port) + "/hook"},
                                   {"events", {"incident.declared", "incident.updated"}}, {"secret", secret}});
    REQUIRE(hook_refused.status == 201);
    auto declared = post_json(client, "/v1/incidents", ops, outage("Backbone down"));
    REQUIRE(declared.status == 201);
    const auto refused_id = std::to_string(hook_refused.json()["id"].get<std::int64_t>());

    // The workers are really stuck on the receivers before anything is measured.
    REQUIRE(eventually([&] { return hanging.count("/send") >= 1 && hanging.count("/hook") >= 1; }, 10s));
    std::string deliveries;
    const bool refused_tried = eventually(
        [&] {
            auto d = client.request("GET", "/v1/webhooks/" + refused_id + "/deliveries", "", {{"Authorization", "Bearer " + admin}});
            deliveries = d.body;
            const auto listed = d.json();  // the loop must not range over a temporary
            for (const auto& item : listed["items"])
                if (item["attempts"].get<int>() >= 1 && item["state"] != "delivered") return true;
            return false;
        },
        10s);
    INFO("deliveries of the refused subscription: " << deliveries);
    REQUIRE(refused_tried);

    std::vector<double> ivr_ms, contact_ms;
    for (int i = 0; i < 300; ++i) {
        auto started = std::chrono::steady_clock::now();
        auto got = client.request("GET", "/v1/ivr/announcement?postcode=28001", "", {{"Authorization", "Bearer " + ivr}});
        ivr_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
        REQUIRE(got.status == 200);
        started = std::chrono::steady_clock::now();
        auto logged = post_json(client, "/v1/contacts", agent, contact("latency-" + std::to_string(i)));
        contact_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
        REQUIRE(logged.status == 201);
        // Keep events flowing to the receivers while measuring.
        if (i % 100 == 50)
            REQUIRE(client.request("PATCH", "/v1/incidents/" + declared.json()["id"].get<std::string>(),
                                   json{{"note", "update " + std::to_string(i)}}.dump(),
                                   {{"Authorization", "Bearer " + ops}, {"Content-Type", "application/json"}})
                        .status == 200);
    }
    const double ivr_p99 = percentile(ivr_ms, 0.99), contact_p99 = percentile(contact_ms, 0.99);
    INFO("IVR GET p50 " << percentile(ivr_ms, 0.5) << " ms, p99 " << ivr_p99 << " ms; contact POST p50 "
                        << percentile(contact_ms, 0.5) << " ms, p99 " << contact_p99 << " ms; gateway calls hanging "
                        << hanging.count("/send") << ", webhook calls hanging " << hanging.count("/hook"));
    CHECK(ivr_p99 < 200.0);
    CHECK(contact_p99 < 200.0);
    // Still stuck at the end: the measurement ran while the receivers were down.
    CHECK(hanging.count("/send") >= 1);
}
