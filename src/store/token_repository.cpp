#include "outagedesk/store/token_repository.hpp"

#include <openssl/crypto.h>

namespace outagedesk::store {

std::optional<domain::principal> token_repository::find_active(const std::string& token_hash) {
    auto reader = db_.read();
    auto& query = reader->cached("SELECT name, role, token_hash FROM tokens WHERE token_hash = ?1 AND revoked_at IS NULL");
    query.bind(1, token_hash);
    std::optional<domain::principal> found;
    if (query.step()) {
        std::string stored = query.get_text(2);
        auto role = domain::parse_role(query.get_text(1));
        // The index found the row; compare in constant time anyway so a match
        // is never decided by an early-exit comparison.
        if (role && stored.size() == token_hash.size() &&
            CRYPTO_memcmp(stored.data(), token_hash.data(), stored.size()) == 0)
            found = domain::principal{query.get_text(0), *role};
    }
    query.reset();
    return found;
}

bool token_repository::create(const std::string& name, domain::role role, const std::string& token_hash,
                              const std::string& now) {
    bool created = false;
    db_.write_sync([&](write_context& w) {
        auto& exists = w.db().cached("SELECT 1 FROM tokens WHERE name = ?1");
        exists.bind(1, name);
        bool taken = exists.step();
        exists.reset();
        if (taken) return;
        w.db().cached("INSERT INTO tokens (name, role, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)")
            .bind(1, name)
            .bind(2, std::string(domain::role_name(role)))
            .bind(3, token_hash)
            .bind(4, now)
            .run();
        w.db().cached("INSERT INTO audit_log (at, actor, action, subject) VALUES (?1, 'cli', 'token.create', ?2)")
            .bind(1, now)
            .bind(2, name)
            .run();
        created = true;
    });
    return created;
}

bool token_repository::revoke(const std::string& name, const std::string& now) {
    bool revoked = false;
    db_.write_sync([&](write_context& w) {
        // The name is freed for reuse; the row stays for the audit trail under a tombstone name.
        w.db().cached("UPDATE tokens SET revoked_at = ?2, name = name || '#revoked-' || id WHERE name = ?1 AND revoked_at IS NULL")
            .bind(1, name)
            .bind(2, now)
            .run();
        revoked = w.db().changes() > 0;
        if (revoked)
            w.db().cached("INSERT INTO audit_log (at, actor, action, subject) VALUES (?1, 'cli', 'token.revoke', ?2)")
                .bind(1, now)
                .bind(2, name)
                .run();
    });
    if (revoked) revocations_.fetch_add(1, std::memory_order_acq_rel);
    return revoked;
}

}  // namespace outagedesk::store
