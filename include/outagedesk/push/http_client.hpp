#pragma once
// A small blocking HTTP(S) client for the delivery workers (webhooks, the
// notification gateway). Every step is bounded by one overall timeout; TLS
// verifies the peer's certificate and host name. Never used on I/O threads.
#include "outagedesk/domain/url.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace outagedesk::push {

struct outbound_request {
    domain::http_url url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string content_type = "application/json";
};

struct outbound_result {
    int status = 0;      // 0 when no answer arrived
    std::string error;   // why, when no answer arrived
    std::string body;    // the first 4 KiB of the answer
    bool ok() const noexcept { return status >= 200 && status < 300; }
};

struct client_settings {
    std::chrono::milliseconds timeout{5000};
    std::string ca_file;             // empty: the system's CA store
    bool allow_private_targets = true;
};

outbound_result post(const outbound_request& request, const client_settings& settings);

// HMAC-SHA256 of `message` with `key`, hex-encoded.
std::string hmac_sha256_hex(const std::string& key, const std::string& message);

}  // namespace outagedesk::push
