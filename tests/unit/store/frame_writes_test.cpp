#include "outagedesk/store/frame_writes.hpp"
#include "outagedesk/store/sqlite.hpp"
#include "outagedesk/store/sqlite_setup.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <string>

using namespace outagedesk;

TEST_CASE("log frames are written whole, and a copy of the log taken mid-run recovers every committed row through "
          "SQLite's own VFS",
          "[store][frame_writes]") {
    test::temp_dir dir;
    const auto path = dir.path() / "f.db";
    constexpr int rows = 300;
    store::connection db(path, store::connection::mode::read_write, 1000);
    REQUIRE(store::prepare_sqlite().frame_write_vfs);
    db.exec("PRAGMA wal_autocheckpoint = 0");  // keep every frame in the log
    // As the server's writer: no sync at commit, which would write what the VFS gathered anyway.
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("CREATE TABLE t (n INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    db.exec("CREATE INDEX t_body ON t (body)");
    const auto before = store::frames_written_whole();
    for (int n = 0; n < rows; ++n) {
        store::transaction tx(db);
        db.cached("INSERT INTO t (n, body) VALUES (?1, ?2)").bind(1, n).bind(2, std::string(500, char('a' + n % 26)) + std::to_string(n)).run();
        tx.commit();
    }
    // Each commit writes at least its table and index pages as frames.
    CHECK(store::frames_written_whole() - before >= 2 * rows);

    // As after a crash: the files as they are, the writer still open.
    const auto copy = dir.path() / "copy";
    std::filesystem::create_directories(copy);
    std::filesystem::copy_file(path, copy / "f.db");
    std::filesystem::copy_file(std::filesystem::path(path.string() + "-wal"), copy / "f.db-wal");

    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open_v2((copy / "f.db").c_str(), &raw, SQLITE_OPEN_READWRITE, "unix") == SQLITE_OK);
    sqlite3_stmt* check = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &check, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(check) == SQLITE_ROW);
    CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(check, 0))) == "ok");
    sqlite3_finalize(check);
    sqlite3_stmt* read = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, "SELECT n, body FROM t ORDER BY n", -1, &read, nullptr) == SQLITE_OK);
    int expected = 0;
    while (sqlite3_step(read) == SQLITE_ROW) {
        CHECK(sqlite3_column_int(read, 0) == expected);
        CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(read, 1))) ==
              std::string(500, char('a' + expected % 26)) + std::to_string(expected));
        ++expected;
    }
    sqlite3_finalize(read);
    sqlite3_close(raw);
    CHECK(expected == rows);
}

namespace {

std::string integrity_through_unix_vfs(const std::filesystem::path& db_file, std::int64_t& rows, std::int64_t& bytes) {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open_v2(db_file.c_str(), &raw, SQLITE_OPEN_READWRITE, "unix") == SQLITE_OK);
    sqlite3_stmt* check = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &check, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(check) == SQLITE_ROW);
    std::string verdict = reinterpret_cast<const char*>(sqlite3_column_text(check, 0));
    sqlite3_finalize(check);
    sqlite3_stmt* count = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, "SELECT COUNT(*), COALESCE(SUM(length(body)), 0) FROM t", -1, &count, nullptr) ==
            SQLITE_OK);
    REQUIRE(sqlite3_step(count) == SQLITE_ROW);
    rows = sqlite3_column_int64(count, 0);
    bytes = sqlite3_column_int64(count, 1);
    sqlite3_finalize(count);
    sqlite3_close(raw);
    return verdict;
}

}  // namespace

TEST_CASE("a transaction's log frames go out in one write, and transactions that spill or roll back stay intact",
          "[store][frame_writes]") {
    test::temp_dir dir;
    const auto path = dir.path() / "g.db";
    store::connection db(path, store::connection::mode::read_write, 1000);
    REQUIRE(store::prepare_sqlite().frame_write_vfs);
    db.exec("PRAGMA wal_autocheckpoint = 0");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("CREATE TABLE t (n INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    db.exec("CREATE INDEX t_body ON t (body)");
    auto insert = [&](int from, int to, std::size_t size) {
        for (int n = from; n < to; ++n)
            db.cached("INSERT INTO t (n, body) VALUES (?1, ?2)")
                .bind(1, n)
                .bind(2, std::to_string(n) + std::string(size, char('a' + n % 26)))
                .run();
    };
    {
        store::transaction tx(db);
        insert(0, 10, 100);
        tx.commit();
    }

    // About twenty pages (rows of ~3 KB, in the table and its index): one write.
    const auto writes_before = store::log_write_calls();
    const auto frames_before = store::frames_written_whole();
    {
        store::transaction tx(db);
        insert(10, 20, 3000);
        tx.commit();
    }
    CHECK(store::frames_written_whole() - frames_before >= 15);
    CHECK(store::log_write_calls() - writes_before == 1);
    // More than one write can carry (the unix VFS writes at most 128 KiB a call).
    {
        store::transaction tx(db);
        insert(1000, 1150, 3000);
        tx.commit();
    }

    // A transaction larger than the page cache spills frames to the log
    // before its commit and reads them back; one rolled back leaves frames
    // past the log's end that the next transaction writes over.
    db.exec("PRAGMA cache_size = 10");
    {
        store::transaction tx(db);
        insert(20, 400, 2000);
        tx.commit();
    }
    {
        store::transaction tx(db);
        insert(400, 700, 2000);
        db.exec("UPDATE t SET body = body || 'x' WHERE n < 100");
    }  // rolled back
    // The last transaction writes pages it already spilled: SQLite writes
    // them over in place and then rewrites the checksums of the frames
    // after them, the last rewrite being the commit frame's header.
    {
        store::transaction tx(db);
        insert(400, 450, 2000);
        db.exec("UPDATE t SET body = body || 'y' WHERE n < 300");
        db.exec("UPDATE t SET body = body || 'z' WHERE n < 300");
        tx.commit();
    }
    // As after a crash, before anything else touches the log: read by SQLite's own VFS.
    const auto copy = dir.path() / "copy";
    std::filesystem::create_directories(copy);
    std::filesystem::copy_file(path, copy / "g.db");
    std::filesystem::copy_file(std::filesystem::path(path.string() + "-wal"), copy / "g.db-wal");

    std::int64_t rows = 0;
    std::int64_t bytes = 0;
    auto& count = db.cached("SELECT COUNT(*), SUM(length(body)) FROM t");
    REQUIRE(count.step());
    rows = count.get_int64(0);
    bytes = count.get_int64(1);
    count.reset();
    CHECK(rows == 600);
    std::int64_t copied_rows = 0;
    std::int64_t copied_bytes = 0;
    CHECK(integrity_through_unix_vfs(copy / "g.db", copied_rows, copied_bytes) == "ok");
    CHECK(copied_rows == rows);
    CHECK(copied_bytes == bytes);
}
