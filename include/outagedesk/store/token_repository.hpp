#pragma once
// API tokens: only the SHA-256 hash of a token is stored, never the token.
#include "outagedesk/domain/role.hpp"
#include "outagedesk/store/database.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

namespace outagedesk::store {

class token_repository {
public:
    explicit token_repository(database& db) : db_(db) {}

    // Looks a hash up among tokens that are not revoked.
    std::optional<domain::principal> find_active(const std::string& token_hash);
    // False when a token of that name exists already.
    bool create(const std::string& name, domain::role role, const std::string& token_hash, const std::string& now);
    // False when no active token has that name.
    bool revoke(const std::string& name, const std::string& now);
    // Counts revocations made through this repository, so caches of
    // authenticated tokens in this process can drop their entries at once.
    std::uint64_t revocations() const noexcept { return revocations_.load(std::memory_order_acquire); }

private:
    database& db_;
    std::atomic<std::uint64_t> revocations_{0};
};

}  // namespace outagedesk::store
