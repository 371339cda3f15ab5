#include "outagedesk/store/migrations.hpp"
#include "outagedesk/store/sqlite.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

using namespace outagedesk::store;

TEST_CASE("migrations apply every step to an empty database and record each", "[store]") {
    outagedesk::test::temp_dir dir;
    connection db(dir.path() / "m.db", connection::mode::read_write, 1000);
    CHECK(schema_version(db) == 0);
    int applied = migrate(db);
    CHECK(applied == static_cast<int>(all_migrations().size()));
    CHECK(schema_version(db) == all_migrations().back().version);
    statement count(db.handle(), "SELECT COUNT(*) FROM schema_migrations");
    REQUIRE(count.step());
    CHECK(count.get_int64(0) == applied);
    statement tables(db.handle(), "SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name IN ('tokens','events','audit_log')");
    REQUIRE(tables.step());
    CHECK(tables.get_int64(0) == 3);
}

TEST_CASE("re-running migrations changes nothing", "[store]") {
    outagedesk::test::temp_dir dir;
    {
        connection db(dir.path() / "m.db", connection::mode::read_write, 1000);
        migrate(db);
    }
    connection db(dir.path() / "m.db", connection::mode::read_write, 1000);
    auto version = schema_version(db);
    CHECK(migrate(db) == 0);
    CHECK(schema_version(db) == version);
}

TEST_CASE("migration versions are strictly increasing", "[store]") {
    int previous = 0;
    for (const auto& m : all_migrations()) {
        CHECK(m.version > previous);
        previous = m.version;
    }
}

TEST_CASE("the store runs in WAL mode with foreign keys on", "[store]") {
    outagedesk::test::temp_dir dir;
    connection db(dir.path() / "m.db", connection::mode::read_write, 1000);
    statement mode(db.handle(), "PRAGMA journal_mode");
    REQUIRE(mode.step());
    CHECK(mode.get_text(0) == "wal");
    statement fk(db.handle(), "PRAGMA foreign_keys");
    REQUIRE(fk.step());
    CHECK(fk.get_int64(0) == 1);
}

TEST_CASE("a transaction rolls back when it is not committed", "[store]") {
    outagedesk::test::temp_dir dir;
    connection db(dir.path() / "m.db", connection::mode::read_write, 1000);
    db.exec("CREATE TABLE t (x INTEGER)");
    {
        transaction tx(db);
        db.exec("INSERT INTO t VALUES (1)");
    }
    statement count(db.handle(), "SELECT COUNT(*) FROM t");
    REQUIRE(count.step());
    CHECK(count.get_int64(0) == 0);
}
