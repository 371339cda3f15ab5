#include "outagedesk/service/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cctype>
#include <stdexcept>

namespace outagedesk::service {
std::string hex_encode(const unsigned char* bytes, std::size_t length) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (std::size_t i = 0; i < length; ++i) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 0xf];
    }
    return out;
}

std::string generate_token() {
    std::array<unsigned char, 32> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw std::runtime_error("the system random generator failed");
    return "odk_" + hex_encode(bytes.data(), bytes.size());
}

std::string sha256_hex(std::string_view text) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    return hex_encode(digest.data(), length);
}

std::optional<domain::principal> authenticator::authenticate(std::string_view authorization) {
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() <= scheme.size()) return std::nullopt;
    for (std::size_t i = 0; i < scheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
            std::tolower(static_cast<unsigned char>(scheme[i])))
            return std::nullopt;
    std::string_view token = authorization.substr(scheme.size());
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (token.empty() || token.size() > 256) return std::nullopt;
    const std::size_t key = std::hash<std::string_view>{}(token);
    if (auto who = recall(token, key)) return who;
    const auto revocations_before = tokens_.revocations();
    auto who = tokens_.find_active(hash_token(token));
    std::unique_lock lock(mutex_);
    const auto revocations = tokens_.revocations();
    if (revocations != revocations_seen_) {
        remembered_.clear();
        revocations_seen_ = revocations;
    }
    // A revocation while we looked may have made the answer stale: use it
    // once, but do not remember it.
    if (who && revocations == revocations_before) remembered_[key] = remembered{std::string(token), *who, std::chrono::steady_clock::now()};
    else remembered_.erase(key);
    return who;
}

std::optional<domain::principal> authenticator::recall(std::string_view token, std::size_t key) {
    std::shared_lock lock(mutex_);
    if (tokens_.revocations() != revocations_seen_) return std::nullopt;
    auto it = remembered_.find(key);
    if (it == remembered_.end()) return std::nullopt;
    const auto& entry = it->second;
    if (std::chrono::steady_clock::now() - entry.checked > recheck_after_) return std::nullopt;
    // Same hash is not the same token: compare in constant time, as the store does.
    if (entry.token.size() != token.size() || CRYPTO_memcmp(entry.token.data(), token.data(), token.size()) != 0)
        return std::nullopt;
    return entry.who;
}

}  // namespace outagedesk::service
