#include "outagedesk/store/page_cache.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <new>
#include <vector>

namespace outagedesk::store {

namespace {
// pcache1's methods, as SQLite had them before the guard replaced them.
sqlite3_pcache_methods2 inner{};
std::atomic<std::uint64_t> passed{0};
std::atomic<std::uint64_t> skipped{0};

// One per sqlite3_pcache SQLite creates; SQLite calls a cache's methods from
// one thread at a time (its connection's), so the bound needs no lock.
struct guarded_cache {
    sqlite3_pcache* cache = nullptr;
    unsigned max_fetched = 0;  // no page fetched into `cache` had a larger number
    // Numbers above max_fetched that a page was moved to and still holds. The
    // B-tree swaps pages through a temporary number past the end of any
    // database (the lock-byte page's) and moves them on at once; counting
    // that number in max_fetched would make every later truncation pass.
    std::vector<unsigned> moved_high;

    bool may_hold_from(unsigned limit) const {
        return max_fetched >= limit ||
               std::any_of(moved_high.begin(), moved_high.end(), [limit](unsigned key) { return key >= limit; });
    }
};

guarded_cache* guarded(sqlite3_pcache* p) { return reinterpret_cast<guarded_cache*>(p); }

int init(void*) { return inner.xInit ? inner.xInit(inner.pArg) : SQLITE_OK; }
void shutdown(void*) {
    if (inner.xShutdown) inner.xShutdown(inner.pArg);
}

sqlite3_pcache* create(int page_size, int extra_size, int purgeable) {
    auto* cache = inner.xCreate(page_size, extra_size, purgeable);
    if (!cache) return nullptr;
    auto* wrapper = new (std::nothrow) guarded_cache{cache, 0, {}};
    if (!wrapper) {
        inner.xDestroy(cache);
        return nullptr;
    }
    return reinterpret_cast<sqlite3_pcache*>(wrapper);
}

void cache_size(sqlite3_pcache* p, int pages) { inner.xCachesize(guarded(p)->cache, pages); }
int page_count(sqlite3_pcache* p) { return inner.xPagecount(guarded(p)->cache); }

sqlite3_pcache_page* fetch(sqlite3_pcache* p, unsigned key, int create_flag) {
    auto* g = guarded(p);
    auto* page = inner.xFetch(g->cache, key, create_flag);
    if (page) g->max_fetched = std::max(g->max_fetched, key);
    return page;
}

void unpin(sqlite3_pcache* p, sqlite3_pcache_page* page, int discard) { inner.xUnpin(guarded(p)->cache, page, discard); }

void rekey(sqlite3_pcache* p, sqlite3_pcache_page* page, unsigned old_key, unsigned new_key) {
    auto* g = guarded(p);
    inner.xRekey(g->cache, page, old_key, new_key);
    std::erase(g->moved_high, old_key);
    if (new_key > g->max_fetched) g->moved_high.push_back(new_key);
}

void truncate(sqlite3_pcache* p, unsigned limit) {
    auto* g = guarded(p);
    // Pages numbered `limit` or more are to go; when none can be cached there
    // is nothing to do, and pcache1 would walk its whole hash to find that out.
    if (!g->may_hold_from(limit)) {
        skipped.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    passed.fetch_add(1, std::memory_order_relaxed);
    inner.xTruncate(g->cache, limit);
    // Every page numbered `limit` or more is gone now.
    g->max_fetched = limit > 0 ? std::min(g->max_fetched, limit - 1) : 0;
    std::erase_if(g->moved_high, [limit](unsigned key) { return key >= limit; });
}

void destroy(sqlite3_pcache* p) {
    auto* g = guarded(p);
    inner.xDestroy(g->cache);
    delete g;
}

void shrink(sqlite3_pcache* p) { inner.xShrink(guarded(p)->cache); }

bool install() {
    if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &inner) != SQLITE_OK || !inner.xCreate) return false;
    static const sqlite3_pcache_methods2 methods = {
        1, nullptr, init, shutdown, create, cache_size, page_count, fetch, unpin, rekey, truncate, destroy, shrink,
    };
    return sqlite3_config(SQLITE_CONFIG_PCACHE2, &methods) == SQLITE_OK;
}
}  // namespace

bool install_page_cache_guard() {
    static std::once_flag once;
    static bool installed = false;
    std::call_once(once, [] { installed = install(); });
    return installed;
}

page_cache_guard_counts page_cache_guard_totals() {
    return {passed.load(std::memory_order_relaxed), skipped.load(std::memory_order_relaxed)};
}

}  // namespace outagedesk::store
