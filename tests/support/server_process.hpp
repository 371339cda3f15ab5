#pragma once
// Test support: a temporary directory, the real outagedesk binary started on a
// free loopback port with its own config and database, and a plain HTTP
// client over a real socket. Each object cleans up what it started. A child
// whose stderr carries a sanitizer report fails the running test: under
// `scripts/test --sanitize` the children are sanitized builds too.
#include <nlohmann/json.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace outagedesk::test {

class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

struct http_reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    nlohmann::json json() const { return nlohmann::json::parse(body); }
    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? "" : it->second;
    }
};

using header_list = std::vector<std::pair<std::string, std::string>>;

// One keep-alive connection to a server.
class http_client {
public:
    explicit http_client(std::uint16_t port);
    http_reply request(const std::string& method, const std::string& target, const std::string& body = "",
                       const header_list& headers = {});
    bool open() const;

private:
    boost::asio::io_context io_;
    boost::beast::tcp_stream stream_;
};

// The first line of an AddressSanitizer, LeakSanitizer or UBSan report in a
// child's output, if there is one.
std::optional<std::string> sanitizer_report(const std::string& output);

// Receives each child failure the harness finds (a sanitizer report, a server
// that ignores SIGTERM). The default records a failed check in the running
// test; the harness's own tests swap it. Returns the sink it replaced.
using child_failure_sink = std::function<void(const std::string& message)>;
child_failure_sink set_child_failure_sink(child_failure_sink sink);

// How much slower than a plain build the binaries run: the value of
// OUTAGEDESK_TEST_TIME_SCALE (scripts/test --sanitize sets it), else 1. Only
// bounds that wait for work to finish scale with it, never asserted latencies.
int time_scale();

// Runs a command to completion; returns its exit status, stdout in `out`.
int run_command(const std::vector<std::string>& args, std::string* out = nullptr, std::string* err = nullptr);

class server_process {
public:
    // `config` is merged over a test default (quiet logs, small limits off).
    explicit server_process(const nlohmann::json& config = nlohmann::json::object());
    ~server_process();
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;

    std::string create_token(const std::string& role, const std::string& name);
    // Runs a CLI command of the binary against this instance's config and db.
    int cli(std::vector<std::string> args, std::string* out = nullptr, std::string* err = nullptr);
    void start();
    // Sends a signal and waits for the exit; returns the exit status, or
    // 128+signal when killed by one. A sanitizer report in the log of this run
    // fails the test. The destructor stops a running server with SIGTERM (so
    // LeakSanitizer runs at its exit), and with SIGKILL only if it hangs.
    int stop(int signal = 15);
    // Runs another executable in place of the outagedesk binary (harness tests).
    void use_binary(std::filesystem::path binary) { binary_ = std::move(binary); }
    bool running() const { return pid_ > 0; }
    int pid() const { return pid_; }

    http_reply request(const std::string& method, const std::string& target, const std::string& body = "",
                       const header_list& headers = {});
    // Convenience: JSON body with a bearer token.
    http_reply call(const std::string& method, const std::string& target, const std::string& token,
                    const nlohmann::json& body = nullptr, header_list headers = {});

    std::uint16_t port() const { return port_; }
    const std::filesystem::path& dir() const { return dir_.path(); }
    std::filesystem::path database() const { return dir_.path() / "outagedesk.db"; }
    std::filesystem::path config_file() const { return dir_.path() / "outagedesk.json"; }
    std::string log() const;

private:
    void check_log_since_start(int exit_status);

    temp_dir dir_;
    std::filesystem::path binary_;
    int pid_ = -1;
    std::uint16_t port_ = 0;
    std::size_t log_offset_ = 0;
};

}  // namespace outagedesk::test
