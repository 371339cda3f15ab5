// The server's log sink: every line of every thread arrives exactly once, in
// its thread's order, in far fewer writes than lines; a quiet line is written
// within the interval without a flush; an error is written before log()
// returns; lines of a thread that has ended, and those buffered when the sink
// goes away, are not lost.
#include "outagedesk/logging/thread_buffered_sink.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <spdlog/logger.h>

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace outagedesk;
using namespace std::chrono_literals;

namespace {

std::string read_all(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::size_t line_count(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Waits, generously (ten seconds against a promise of one interval), until the file holds `lines` lines.
std::string wait_for_lines(const std::filesystem::path& path, std::size_t lines) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    std::string text;
    while (std::chrono::steady_clock::now() < deadline) {
        text = read_all(path);
        if (line_count(text) >= lines) break;
        std::this_thread::sleep_for(5ms);
    }
    return text;
}

struct log_file {
    test::temp_dir dir;
    std::filesystem::path path = dir.path() / "server.log";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    ~log_file() { ::close(fd); }
};

std::shared_ptr<spdlog::logger> logger_on(std::shared_ptr<logging::thread_buffered_sink> sink) {
    auto logger = std::make_shared<spdlog::logger>("buffered-test", std::move(sink));
    logger->set_pattern("%v");
    return logger;
}

}  // namespace

TEST_CASE("the log sink writes every line of every thread once, in each thread's order, batched", "[logging]") {
    log_file file;
    REQUIRE(file.fd >= 0);
    auto sink = std::make_shared<logging::thread_buffered_sink>(file.fd, 20ms);
    auto logger = logger_on(sink);

    constexpr int threads = 4;
    constexpr int per_thread = 10000;
    std::vector<std::thread> writers;
    for (int t = 0; t < threads; ++t)
        writers.emplace_back([&logger, t] {
            for (int i = 0; i < per_thread; ++i) logger->info("t{} {}", t, i);
        });
    for (auto& w : writers) w.join();
    // Every writer thread has ended: their buffers are written all the same.
    const auto text = wait_for_lines(file.path, threads * per_thread);

    std::map<int, int> next;  // thread → the number its next line must carry
    std::istringstream lines(text);
    std::string line;
    int total = 0;
    bool in_order = true;
    while (std::getline(lines, line)) {
        int t = -1, i = -1;
        REQUIRE(std::sscanf(line.c_str(), "t%d %d", &t, &i) == 2);
        in_order = in_order && i == next[t];
        next[t] = i + 1;
        ++total;
    }
    CHECK(total == threads * per_thread);
    CHECK(in_order);
    for (int t = 0; t < threads; ++t) CHECK(next[t] == per_thread);
    INFO("writes: " << sink->writes());
    CHECK(sink->writes() < threads * per_thread / 50);
}

TEST_CASE("a quiet log line is written within the interval without a flush", "[logging]") {
    log_file file;
    auto sink = std::make_shared<logging::thread_buffered_sink>(file.fd, 50ms);
    auto logger = logger_on(sink);
    logger->info("alone");
    const auto text = wait_for_lines(file.path, 1);
    CHECK(text == "alone\n");
    CHECK(sink->writes() == 1);
}

TEST_CASE("a full buffer is written before the interval is up, and an error before log() returns", "[logging]") {
    log_file file;
    // An interval no test waits for: whatever is written here was written for another reason.
    auto sink = std::make_shared<logging::thread_buffered_sink>(file.fd, std::chrono::hours(1), 1024);
    auto logger = logger_on(sink);

    logger->info("first");
    std::this_thread::sleep_for(100ms);
    CHECK(read_all(file.path).empty());

    const std::string padding(100, 'x');
    for (int i = 0; i < 20; ++i) logger->info("{} {}", i, padding);  // ~2 KiB: past the 1 KiB limit
    CHECK(line_count(wait_for_lines(file.path, 21)) == 21);

    logger->info("before the error");
    logger->error("the error");
    // No waiting: the error and the line before it are in the file already.
    const auto text = read_all(file.path);
    REQUIRE(text.size() > 30);
    CHECK(text.substr(text.size() - 27) == "before the error\nthe error\n");
}

TEST_CASE("the log sink writes what is still buffered when it goes away", "[logging]") {
    log_file file;
    {
        auto sink = std::make_shared<logging::thread_buffered_sink>(file.fd, std::chrono::hours(1));
        auto logger = logger_on(sink);
        std::thread([&logger] { logger->info("from a thread that has ended"); }).join();
        logger->info("last words");
        CHECK(read_all(file.path).empty());
    }
    const auto text = read_all(file.path);
    CHECK(text.find("from a thread that has ended\n") != std::string::npos);
    CHECK(text.find("last words\n") != std::string::npos);
    CHECK(line_count(text) == 2);
}

TEST_CASE("a new pattern applies to lines of threads that already logged", "[logging]") {
    log_file file;
    auto sink = std::make_shared<logging::thread_buffered_sink>(file.fd, std::chrono::hours(1));
    auto logger = logger_on(sink);
    logger->info("plain");
    logger->set_pattern("<%v>");
    logger->info("framed");
    sink->flush();
    CHECK(read_all(file.path) == "plain\n<framed>\n");
}
