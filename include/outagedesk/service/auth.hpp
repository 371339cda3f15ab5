#pragma once
// Bearer-token authentication. Tokens are random, shown once at creation, and
// known to the store only by their SHA-256 hash. A token is never logged.
#include "outagedesk/domain/role.hpp"
#include "outagedesk/store/token_repository.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <string>
#include <string_view>

namespace outagedesk::service {

// 32 random bytes from OpenSSL, hex-encoded with a recognisable prefix.
std::string generate_token();
// Lower-case hex of raw bytes.
std::string hex_encode(const unsigned char* bytes, std::size_t length);
// Hex SHA-256 digest of any text (request fingerprints, ETags).
std::string sha256_hex(std::string_view text);
// What the store keeps of a token: its hex SHA-256 digest.
inline std::string hash_token(std::string_view token) { return sha256_hex(token); }

// Checking a token costs a SHA-256 and a SQLite lookup; the IVR asks on every
// call, so tokens found valid are remembered for `recheck_after`. A revocation
// made in this process clears them at once; one made by another process (the
// `outagedesk token revoke` command) takes effect within `recheck_after`.
// Unknown tokens are never remembered, so guessing cannot grow the cache.
class authenticator {
public:
    explicit authenticator(store::token_repository& tokens,
                           std::chrono::milliseconds recheck_after = std::chrono::milliseconds(1000))
        : tokens_(tokens), recheck_after_(recheck_after) {}
    // `authorization` is the whole header value ("Bearer xyz"); nullopt when
    // missing, malformed, unknown or revoked.
    std::optional<domain::principal> authenticate(std::string_view authorization);

private:
    struct remembered {
        std::string token;
        domain::principal who;
        std::chrono::steady_clock::time_point checked;
    };
    std::optional<domain::principal> recall(std::string_view token, std::size_t key);

    store::token_repository& tokens_;
    const std::chrono::milliseconds recheck_after_;
    std::shared_mutex mutex_;
    std::unordered_map<std::size_t, remembered> remembered_;  // by std::hash of the token
    std::uint64_t revocations_seen_ = 0;                        // guarded by mutex_
};

}  // namespace outagedesk::service
