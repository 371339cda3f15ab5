#pragma once
// Bearer-token authentication. Tokens are random, shown once at creation, and
// known to the store only by their SHA-256 hash. A token is never logged.
#include "outagedesk/domain/role.hpp"
#include "outagedesk/store/token_repository.hpp"

#include <optional>
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

class authenticator {
public:
    explicit authenticator(store::token_repository& tokens) : tokens_(tokens) {}
    // `authorization` is the whole header value ("Bearer xyz"); nullopt when
    // missing, malformed, unknown or revoked.
    std::optional<domain::principal> authenticate(std::string_view authorization);

private:
    store::token_repository& tokens_;
};

}  // namespace outagedesk::service
