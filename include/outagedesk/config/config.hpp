#pragma once
// The server's settings, read once at start from config/outagedesk.json.
// Loading is strict: an unknown key or a bad value stops the start with a
// message naming the key, so a typo never silently falls back to a default.
// This module must never reach the store or the network.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace outagedesk::config {

class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct listen_address {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
};
listen_address parse_listen_address(const std::string& text, const std::string& key);

struct http_limits {
    std::size_t max_body_bytes = 1024 * 1024;
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_import_bytes = 512ull * 1024 * 1024;
    std::chrono::seconds header_read_timeout{10};
    std::chrono::seconds body_read_timeout{30};
    std::chrono::seconds idle_timeout{60};
    std::size_t max_connections = 20000;
    std::size_t max_connections_per_address = 10000;
    double rate_limit_per_token = 2000;  // requests per second; 0 turns it off
    double rate_burst_per_token = 4000;
};

struct store_settings {
    std::chrono::milliseconds busy_timeout{5000};
    std::size_t write_queue_limit = 20000;
    std::size_t max_batch = 256;
    std::size_t reader_connections = 4;
    // How much of the database file the writer and each reader map into
    // memory (0: none). Mapped pages are the operating system's cache, read
    // without a system call; a reader's own cache is emptied at every commit.
    std::size_t mmap_mib = 1024;
    // Pages in the write-ahead log that start a checkpoint (on its own thread).
    std::size_t checkpoint_pages = 10000;
};

struct quiet_hours {
    std::string from = "22:00";
    std::string to = "08:00";
};

struct notify_settings {
    std::string gateway_url;
    std::string gateway_token;
    double rate_per_second = 200;
    std::vector<std::string> on{"declared", "eta_changed", "resolved"};
    std::string min_severity = "major";
    std::optional<quiet_hours> quiet;
    // Gateway delivery: per-request timeout, attempts before a message is
    // failed, backoff from retry_base doubling up to retry_max, and how many
    // requests may be in flight at once (the rate still bounds the total).
    std::chrono::milliseconds timeout{5000};
    int max_attempts = 8;
    std::chrono::milliseconds retry_base{1000};
    std::chrono::seconds retry_max{300};
    unsigned concurrency = 4;
};

struct compensation_settings {
    std::vector<std::string> rules{"es_rd899_2009"};
    std::int64_t minimum_cents = 100;
    std::string proration = "720h";      // or "billing_month"
    int bundle_telephony_percent = 50;   // es_rd899_2009 bundle split
    std::int64_t ofcom_daily_pence = 1034;
};

struct surge_settings {
    std::size_t prefix_length = 3;
    std::chrono::seconds window{300};
    std::size_t threshold = 20;
    double baseline_multiple = 5;
};

struct push_settings {
    std::size_t max_queue = 1024;
    std::chrono::seconds heartbeat{15};
    std::chrono::seconds write_timeout{10};
};

struct webhook_settings {
    std::chrono::milliseconds timeout{5000};
    int max_attempts = 12;
    std::chrono::milliseconds retry_base{1000};
    std::chrono::seconds retry_max{300};
    bool allow_private_targets = true;
    std::string ca_file;
};

// HTTPS on the listening port. Both files are PEM; the certificate file may
// hold the chain after the leaf. Relative paths are taken from the config
// file's directory. Neither path nor contents of the key is ever logged.
struct tls_settings {
    std::filesystem::path certificate_file;
    std::filesystem::path private_key_file;
};

struct settings {
    listen_address listen;
    std::optional<tls_settings> tls;  // absent: plain HTTP
    std::filesystem::path database = "data/outagedesk.db";
    // I/O threads: HTTP, TLS, pushes and the answers served from memory.
    unsigned threads = 1;
    // Threads that run the routes reading the store (agent and ops lookups)
    // off the I/O threads; 0 runs them on the I/O threads.
    unsigned lookup_threads = 2;
    std::string timezone = "Europe/Madrid";
    std::string default_language = "es";
    std::string default_country_code = "34";
    std::string log_level = "info";
    std::filesystem::path templates_dir;  // resolved: absolute or relative to the config file
    // The pages and their assets; like `database`, a relative path is taken from
    // the working directory (scripts/run starts at the repository root).
    std::filesystem::path web_root = "web";
    http_limits http;
    store_settings store;
    notify_settings notify;
    compensation_settings compensation;
    surge_settings surge;
    push_settings push;
    webhook_settings webhooks;
    std::chrono::hours owner_period{24 * 14};
    std::chrono::hours event_retention{24 * 7};
};

// Parses the JSON text of a config file. `base_dir` resolves relative paths
// of templates_dir (the database path stays relative to the working directory,
// as operators type it on the command line).
settings parse_settings(const std::string& json_text, const std::filesystem::path& base_dir);
settings load_settings(const std::filesystem::path& file);

}  // namespace outagedesk::config
