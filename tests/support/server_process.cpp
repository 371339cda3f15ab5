#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace outagedesk::test {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

temp_dir::temp_dir() {
    std::random_device seed;
    for (int attempt = 0; attempt < 100; ++attempt) {
        auto candidate = std::filesystem::temp_directory_path() / ("outagedesk-test-" + std::to_string(seed()));
        if (std::filesystem::create_directory(candidate)) {
            path_ = candidate;
            return;
        }
    }
    throw std::runtime_error("cannot create a temporary directory");
}

temp_dir::~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

http_client::http_client(std::uint16_t port) : stream_(io_) {
    stream_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
}

bool http_client::open() const { return stream_.socket().is_open(); }

http_reply http_client::request(const std::string& method, const std::string& target, const std::string& body,
                                const header_list& headers) {
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) req.set(name, value);
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        req.body() = body;
        req.prepare_payload();
    }
    stream_.expires_after(std::chrono::seconds(60));
    // A server may answer (413, say) and close before the whole body is sent;
    // like curl, read the answer it sent before reporting the failed write.
    beast::error_code write_error;
    http::write(stream_, req, write_error);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (method == "HEAD") parser.skip(true);
    if (write_error) {
        beast::error_code read_error;
        http::read(stream_, buffer, parser, read_error);
        if (read_error) throw beast::system_error(write_error);
    } else {
        http::read(stream_, buffer, parser);
    }
    auto res = parser.release();
    http_reply reply;
    reply.status = res.result_int();
    for (const auto& field : res) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        reply.headers[name] = std::string(field.value());
    }
    reply.body = res.body();
    return reply;
}

namespace {
std::mutex failure_sink_mutex;
child_failure_sink failure_sink;

void report_child_failure(const std::string& message) {
    child_failure_sink sink;
    {
        std::lock_guard lock(failure_sink_mutex);
        sink = failure_sink;
    }
    if (sink) {
        sink(message);
    } else {
        FAIL_CHECK(message);
    }
}

void check_child_output(const std::string& who, const std::string& output) {
    if (auto report = sanitizer_report(output))
        report_child_failure(who + " reported a sanitizer error: " + *report + "\n" + output);
}

int spawn(const std::vector<std::string>& args, int stdout_fd, int stderr_fd) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (stdout_fd >= 0) posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    if (stderr_fd >= 0) posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
    return pid;
}

std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

int exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

int wait_exit(int pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return exit_code(status);
}

// Waits up to `limit` for the child to exit; nullopt when it is still running.
std::optional<int> wait_exit_for(int pid, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) return exit_code(status);
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}
}  // namespace

std::optional<std::string> sanitizer_report(const std::string& output) {
    // Markers the sanitizer runtimes of gcc and clang print before a report.
    static const char* const markers[] = {"ERROR: AddressSanitizer",  "ERROR: LeakSanitizer",
                                          "SUMMARY: AddressSanitizer", "runtime error:",
                                          "SUMMARY: UndefinedBehaviorSanitizer",
                                          // LSan itself failing (under ptrace, say) checked nothing.
                                          "Sanitizer has encountered a fatal error", "WARNING: ThreadSanitizer"};
    std::size_t first = std::string::npos;
    for (const char* marker : markers) first = std::min(first, output.find(marker));
    if (first == std::string::npos) return std::nullopt;
    auto begin = output.rfind('\n', first);
    begin = begin == std::string::npos ? 0 : begin + 1;
    return output.substr(begin, output.find('\n', first) - begin);
}

child_failure_sink set_child_failure_sink(child_failure_sink sink) {
    std::lock_guard lock(failure_sink_mutex);
    std::swap(failure_sink, sink);
    return sink;
}

int time_scale() {
    const char* text = std::getenv("OUTAGEDESK_TEST_TIME_SCALE");
    int scale = text ? std::atoi(text) : 1;
    return scale > 0 ? scale : 1;
}

int run_command(const std::vector<std::string>& args, std::string* out, std::string* err) {
    temp_dir scratch;
    auto out_path = scratch.path() / "out";
    auto err_path = scratch.path() / "err";
    int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int pid = spawn(args, out_fd, err_fd);
    ::close(out_fd);
    ::close(err_fd);
    int status = wait_exit(pid);
    std::string err_text = slurp(err_path);
    check_child_output(args.empty() ? "a child" : args[0], err_text);
    if (out) *out = slurp(out_path);
    if (err) *err = std::move(err_text);
    return status;
}

server_process::server_process(const nlohmann::json& config) : binary_(OUTAGEDESK_BINARY) {
    nlohmann::json base = {
        {"listen", "127.0.0.1:0"},
        {"database", (dir_.path() / "outagedesk.db").string()},
        {"threads", 2},
        {"log_level", "info"},
        {"templates_dir", std::string(OUTAGEDESK_SOURCE_DIR) + "/config/templates"},
        {"web_root", std::string(OUTAGEDESK_SOURCE_DIR) + "/web"},
        {"notify", {{"gateway_url", ""}, {"quiet_hours", nullptr}}},
    };
    base.merge_patch(config);
    std::ofstream(config_file()) << base.dump(2);
}

server_process::~server_process() {
    if (pid_ <= 0) return;
    // SIGTERM, not SIGKILL: a sanitized server checks for leaks as it exits.
    ::kill(pid_, SIGTERM);
    auto grace = std::chrono::seconds(30 * time_scale());
    auto status = wait_exit_for(pid_, grace);
    if (!status) {
        // Where every thread was, when gdb is there to tell.
        std::string stacks, gdb_errors;
        if (std::filesystem::exists("/usr/bin/gdb"))
            run_command({"/usr/bin/gdb", "-p", std::to_string(pid_), "-batch", "-nx", "-ex", "thread apply all bt"}, &stacks,
                        &gdb_errors);
        ::kill(pid_, SIGKILL);
        status = wait_exit(pid_);
        report_child_failure("the server did not exit within " + std::to_string(grace.count()) +
                             " s of SIGTERM:\n" + log().substr(log_offset_) +
                             (stacks.empty() ? "" : "\nits threads then:\n" + stacks));
    }
    pid_ = -1;
    check_log_since_start(*status);
}

void server_process::check_log_since_start(int exit_status) {
    std::string text = log();
    check_child_output("the server (exit status " + std::to_string(exit_status) + ")",
                       log_offset_ < text.size() ? text.substr(log_offset_) : std::string());
}

int server_process::cli(std::vector<std::string> args, std::string* out, std::string* err) {
    args.insert(args.begin(), binary_.string());
    args.push_back("--config");
    args.push_back(config_file().string());
    return run_command(args, out, err);
}

std::string server_process::create_token(const std::string& role, const std::string& name) {
    std::string out, err;
    int status = cli({"token", "create", "--role", role, "--name", name}, &out, &err);
    if (status != 0) throw std::runtime_error("token create failed: " + err);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

std::string server_process::log() const { return slurp(dir_.path() / "server.log"); }

void server_process::start() {
    auto log_path = dir_.path() / "server.log";
    log_offset_ = std::filesystem::exists(log_path) ? std::filesystem::file_size(log_path) : 0;
    int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    pid_ = spawn({binary_.string(), "serve", "--config", config_file().string()}, log_fd, log_fd);
    ::close(log_fd);
    static const std::regex listening(R"(listening on [0-9.]+:([0-9]+))");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30 * time_scale());
    while (std::chrono::steady_clock::now() < deadline) {
        std::string text = log().substr(log_offset_);
        std::smatch found;
        if (std::regex_search(text, found, listening)) {
            port_ = static_cast<std::uint16_t>(std::stoi(found[1]));
            return;
        }
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            check_log_since_start(exit_code(status));
            throw std::runtime_error("the server exited at start:\n" + text);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("the server did not report its port:\n" + log());
}

int server_process::stop(int signal) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    int status = wait_exit(pid_);
    pid_ = -1;
    check_log_since_start(status);
    return status;
}

http_reply server_process::request(const std::string& method, const std::string& target, const std::string& body,
                                   const header_list& headers) {
    http_client client(port_);
    return client.request(method, target, body, headers);
}

http_reply server_process::call(const std::string& method, const std::string& target, const std::string& token,
                                const nlohmann::json& body, header_list headers) {
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    std::string text;
    if (!body.is_null()) {
        text = body.dump();
        headers.emplace_back("Content-Type", "application/json");
    }
    return request(method, target, text, headers);
}

}  // namespace outagedesk::test
