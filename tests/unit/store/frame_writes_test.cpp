#include "outagedesk/store/frame_writes.hpp"
#include "outagedesk/store/sqlite.hpp"
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
    REQUIRE(store::install_frame_write_vfs());
    db.exec("PRAGMA wal_autocheckpoint = 0");  // keep every frame in the log
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
