#include "outagedesk/store/page_cache.hpp"
#include "outagedesk/store/sqlite.hpp"
#include "outagedesk/store/sqlite_setup.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <string>

using namespace outagedesk;

namespace {
std::string blob_of(int row) { return std::string(3000, static_cast<char>('a' + row % 26)); }
}  // namespace

TEST_CASE("the page cache guard skips the truncation of steady commits and passes on the one that must drop pages",
          "[store][page_cache]") {
    test::temp_dir dir;
    store::connection db(dir.path() / "p.db", store::connection::mode::read_write, 1000);
    REQUIRE(store::prepare_sqlite().page_cache_guard);
    db.exec("CREATE TABLE t (n INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    for (int n = 0; n < 50; ++n) db.cached("INSERT INTO t (n, body) VALUES (?1, ?2)").bind(1, n).bind(2, blob_of(n)).run();

    SECTION("commits that only grow the database never reach pcache1's truncate") {
        const auto before = store::page_cache_guard_totals();
        for (int n = 50; n < 250; ++n) {
            store::transaction tx(db);
            db.cached("INSERT INTO t (n, body) VALUES (?1, ?2)").bind(1, n).bind(2, blob_of(n)).run();
            tx.commit();
        }
        const auto after = store::page_cache_guard_totals();
        CHECK(after.truncations_skipped - before.truncations_skipped >= 200);
        CHECK(after.truncations_passed == before.truncations_passed);
    }

    SECTION("a rolled-back transaction that grew the database has its pages dropped, and the data stays right") {
        const auto before = store::page_cache_guard_totals();
        {
            store::transaction tx(db);
            for (int n = 1000; n < 1100; ++n)
                db.cached("INSERT INTO t (n, body) VALUES (?1, ?2)").bind(1, n).bind(2, std::string(3000, '#')).run();
        }  // rolled back: the cache holds pages beyond the database's size
        CHECK(store::page_cache_guard_totals().truncations_passed > before.truncations_passed);
        for (int n = 50; n < 120; ++n) db.cached("INSERT INTO t (n, body) VALUES (?1, ?2)").bind(1, n).bind(2, blob_of(n)).run();

        auto& check = db.cached("PRAGMA integrity_check");
        REQUIRE(check.step());
        CHECK(check.get_text(0) == "ok");
        check.reset();
        // What a fresh connection reads from disk is what was committed, nothing of the rollback.
        store::connection reader(dir.path() / "p.db", store::connection::mode::read_only, 1000);
        auto& rows = reader.cached("SELECT n, body FROM t ORDER BY n");
        int expected = 0;
        while (rows.step()) {
            CHECK(rows.get_int64(0) == expected);
            CHECK(rows.get_text(1) == blob_of(expected));
            ++expected;
        }
        rows.reset();
        CHECK(expected == 120);
    }
}

TEST_CASE("SQLite keeps no allocation statistics, so its allocations take no process-wide lock", "[store]") {
    outagedesk::test::temp_dir dir;
    outagedesk::store::connection db(dir.path() / "m.db", outagedesk::store::connection::mode::read_write, 1000);
    db.exec("CREATE TABLE t (x TEXT)");
    db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
            "INSERT INTO t SELECT hex(randomblob(100)) FROM n");
    // With the statistics on, the open connection alone holds hundreds of KiB.
    CHECK(sqlite3_memory_used() == 0);
}
