// The test harness itself: a sanitizer report on a child's stderr (a CLI
// command, or the server at any stop) must fail the test, never pass unseen.
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

using namespace outagedesk::test;

namespace {

// Collects the harness's child failures instead of failing this test with them.
class collected_failures {
public:
    collected_failures()
        : previous_(set_child_failure_sink([this](const std::string& message) { messages.push_back(message); })) {}
    ~collected_failures() { set_child_failure_sink(previous_); }
    collected_failures(const collected_failures&) = delete;
    collected_failures& operator=(const collected_failures&) = delete;

    std::vector<std::string> messages;

private:
    child_failure_sink previous_;
};

// A stand-in for `outagedesk serve` that reports a port and, at SIGTERM, prints `at_exit` to stderr.
std::filesystem::path fake_server(const temp_dir& dir, const std::string& at_exit) {
    auto path = dir.path() / "fake-server";
    std::ofstream(path) << "#!/bin/sh\n"
                        << "trap 'printf \"%s\\n\" \"" << at_exit << "\" >&2; exit 0' TERM\n"
                        << "echo 'listening on 127.0.0.1:9' >&2\n"
                        << "while :; do sleep 0.05; done\n";
    ::chmod(path.c_str(), 0700);
    return path;
}

const std::string leak_report = "==4242==ERROR: LeakSanitizer: detected memory leaks";

}  // namespace

TEST_CASE("sanitizer reports of ASan, LSan and UBSan are recognised by their first line", "[harness]") {
    CHECK(sanitizer_report("start\n==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x6\nREAD of size 8") ==
          "==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x6");
    CHECK(sanitizer_report(leak_report + "\n\nDirect leak of 24 byte(s)") == leak_report);
    CHECK(sanitizer_report("info\nsrc/domain/area.cpp:10:5: runtime error: signed integer overflow\n") ==
          "src/domain/area.cpp:10:5: runtime error: signed integer overflow");
    CHECK(sanitizer_report("==9==LeakSanitizer has encountered a fatal error.") ==
          "==9==LeakSanitizer has encountered a fatal error.");
    CHECK_FALSE(sanitizer_report("2026-01-01T00:00:00.000Z info listening on 127.0.0.1:4000\nstopped cleanly\n"));
    CHECK_FALSE(sanitizer_report(""));
}

TEST_CASE("a command whose stderr carries a sanitizer report fails the test that ran it", "[harness]") {
    collected_failures failures;
    std::string err;
    int status = run_command({"/bin/sh", "-c", "echo 'x.cpp:3:7: runtime error: load of null pointer' >&2"}, nullptr,
                             &err);
    CHECK(status == 0);
    REQUIRE(failures.messages.size() == 1);
    CHECK(failures.messages[0].find("runtime error: load of null pointer") != std::string::npos);

    run_command({"/bin/sh", "-c", "echo 'all fine' >&2"});
    CHECK(failures.messages.size() == 1);
}

TEST_CASE("a server that prints a sanitizer report as it stops fails the test, by stop() or by its destructor",
          "[harness]") {
    temp_dir scripts;
    collected_failures failures;
    SECTION("stopped by the test") {
        server_process server;
        server.use_binary(fake_server(scripts, leak_report));
        server.start();
        CHECK(server.stop(SIGTERM) == 0);
        REQUIRE(failures.messages.size() == 1);
        CHECK(failures.messages[0].find(leak_report) != std::string::npos);
    }
    SECTION("left running, stopped by the destructor with SIGTERM") {
        {
            server_process server;
            server.use_binary(fake_server(scripts, leak_report));
            server.start();
        }
        REQUIRE(failures.messages.size() == 1);
        CHECK(failures.messages[0].find(leak_report) != std::string::npos);
    }
    SECTION("a clean exit reports nothing") {
        {
            server_process server;
            server.use_binary(fake_server(scripts, "stopped cleanly"));
            server.start();
        }
        CHECK(failures.messages.empty());
    }
}
