#pragma once
// A guard around SQLite's own page cache (pcache1), installed once per process
// before the first connection opens.
//
// Why: the SQLite of Debian 12 (3.40) truncates a connection's page cache to
// the database size at the end of every write transaction, and its pcache1
// does so even when no cached page lies beyond that size; the unsigned
// "pages above the limit" test then wraps and every bucket of the cache's hash
// is visited. With the writer's 64 MiB cache (16k pages) that walk, a cache
// miss per page, cost 0.4–0.7 ms per commit: most of a batch's commit time.
// (The B-tree also parks pages it swaps under the lock-byte page's number,
// past the end of any database, which keeps pcache1's own bound high.) The
// guard keeps an upper bound of the page numbers each cache holds, not raised
// by such a parked page once it moves on, and skips a truncation that cannot
// drop anything; every other call goes to pcache1 unchanged.
#include <cstdint>

namespace outagedesk::store {

// Idempotent and thread-safe; prepare_sqlite() (sqlite_setup.hpp) calls it.
// Returns whether the guard is in place: false when SQLite was initialised
// before the first call (its page cache can then
// no longer be replaced); the store works either way, only slower.
bool install_page_cache_guard();

struct page_cache_guard_counts {
    std::uint64_t truncations_passed = 0;   // reached pcache1: pages may lie beyond the limit
    std::uint64_t truncations_skipped = 0;  // no cached page at or beyond the limit
};

// Totals over every connection of the process, for tests and diagnostics.
page_cache_guard_counts page_cache_guard_totals();

}  // namespace outagedesk::store
