// The server's log sink: every line arrives, in order, in far fewer writes
// than lines under load, and a lone line is written without any flush.
#include "outagedesk/logging/batched_sink.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <spdlog/async.h>
#include <spdlog/async_logger.h>

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace outagedesk;

namespace {

std::string read_all(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Waits (generously: the promise is "as soon as the queue is empty") until the file holds `lines` lines.
std::string wait_for_lines(const std::filesystem::path& path, std::size_t lines) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string text;
    while (std::chrono::steady_clock::now() < deadline) {
        text = read_all(path);
        if (static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) >= lines) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return text;
}

}  // namespace

TEST_CASE("the log sink writes every line in order, batched, and a lone line without a flush", "[logging]") {
    test::temp_dir dir;
    const auto path = dir.path() / "server.log";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    auto pool = std::make_shared<spdlog::details::thread_pool>(8192, 1);
    auto sink = std::make_shared<logging::batched_sink>(fd, [p = pool.get()] { return p->queue_size(); });
    auto logger = std::make_shared<spdlog::async_logger>("batched-test", sink, pool, spdlog::async_overflow_policy::block);
    logger->set_pattern("%v");

    constexpr int burst = 20000;
    for (int i = 0; i < burst; ++i) logger->info("line {}", i);
    auto text = wait_for_lines(path, burst);
    std::istringstream lines(text);
    std::string line;
    int expected = 0;
    bool in_order = true;
    while (std::getline(lines, line)) in_order = in_order && line == "line " + std::to_string(expected++);
    CHECK(expected == burst);
    CHECK(in_order);
    // The log thread cannot keep up with one syscall per line, so lines pile up and go out together.
    INFO("writes: " << sink->writes());
    CHECK(sink->writes() < burst / 4);

    // Idle, then one line: written once the queue is empty, with no flush asked for.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto before = sink->writes();
    logger->warn("alone");
    text = wait_for_lines(path, burst + 1);
    CHECK(text.size() >= 6);
    CHECK(text.substr(text.size() - 6) == "alone\n");
    CHECK(sink->writes() == before + 1);

    logger.reset();
    pool.reset();
    ::close(fd);
}
