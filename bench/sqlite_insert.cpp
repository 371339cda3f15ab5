// The anchor of the contact benchmark: raw SQLite inserting contact rows (the
// server's `contacts` table, with its indexes) in transactions of BATCH rows,
// WAL, synchronous=FULL, one prepared statement, for SECONDS seconds.
// Prints `rows=R seconds=S rows_per_s=X p50_ms=.. p99_ms=..` (per-batch commit latency)
// and checks the row count afterwards.
// Usage: bench_sqlite_insert DB_FILE SECONDS [BATCH]
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

void check(int rc, sqlite3* db, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        std::fprintf(stderr, "bench_sqlite_insert: %s: %s\n", what, sqlite3_errmsg(db));
        std::exit(1);
    }
}

void exec(sqlite3* db, const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        std::fprintf(stderr, "bench_sqlite_insert: %s: %s\n", sql, error ? error : "?");
        std::exit(1);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_sqlite_insert DB_FILE SECONDS [BATCH]\n");
        return 2;
    }
    const double seconds = std::atof(argv[2]);
    const int batch = argc > 3 ? std::atoi(argv[3]) : 100;
    sqlite3* db = nullptr;
    check(sqlite3_open(argv[1], &db), db, "open");
    exec(db, "PRAGMA journal_mode=WAL");
    exec(db, "PRAGMA synchronous=FULL");
    // The server's contacts table (src/store/migrations.cpp).
    exec(db, R"(CREATE TABLE IF NOT EXISTS contacts (
    id INTEGER PRIMARY KEY, channel TEXT NOT NULL, customer_id TEXT, phone TEXT, postcode TEXT,
    reason TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', agent TEXT NOT NULL DEFAULT '', outcome TEXT NOT NULL,
    ivr TEXT, script TEXT NOT NULL DEFAULT '', surge INTEGER NOT NULL DEFAULT 0, created_by TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS contacts_customer ON contacts (customer_id, id) WHERE customer_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS contacts_phone ON contacts (phone, id) WHERE phone IS NOT NULL;
CREATE INDEX IF NOT EXISTS contacts_surge ON contacts (created_at) WHERE surge = 1;)");
    sqlite3_stmt* insert = nullptr;
    check(sqlite3_prepare_v2(db,
                             "INSERT INTO contacts (channel, customer_id, phone, postcode, reason, note, agent, outcome, "
                             "script, created_by, created_at) VALUES ('voice', ?1, ?2, ?3, 'no_service', ?4, 'desk-7', "
                             "'handled', ?5, 'bench-agent', ?6)",
                             -1, &insert, nullptr),
          db, "prepare");
    const std::string script = "Incidencia INC-12 en 28013, 2801* y 28100..28199. Estado: causa identificada.";
    long rows = 0;
    std::vector<double> commits;
    const auto started = std::chrono::steady_clock::now();
    const auto until = started + std::chrono::duration<double>(seconds);
    char customer[24], phone[32], postcode[24], note[96];
    while (std::chrono::steady_clock::now() < until) {
        const auto t0 = std::chrono::steady_clock::now();
        exec(db, "BEGIN");
        for (int i = 0; i < batch; ++i, ++rows) {
            const long c = (rows * 7919) % 1000000;
            std::snprintf(customer, sizeof customer, "C%07ld", c);
            std::snprintf(phone, sizeof phone, "+346%08ld", c);
            std::snprintf(postcode, sizeof postcode, "%05ld", 28000 + c % 1000);
            std::snprintf(note, sizeof note, "bench contact %ld: no service since this morning", rows);
            sqlite3_bind_text(insert, 1, customer, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(insert, 2, phone, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(insert, 3, postcode, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(insert, 4, note, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(insert, 5, script.c_str(), static_cast<int>(script.size()), SQLITE_STATIC);
            sqlite3_bind_text(insert, 6, "2026-11-25T12:00:00Z", -1, SQLITE_STATIC);
            check(sqlite3_step(insert), db, "insert");
            sqlite3_reset(insert);
        }
        exec(db, "COMMIT");
        commits.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    sqlite3_finalize(insert);
    sqlite3_stmt* count = nullptr;
    check(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM contacts", -1, &count, nullptr), db, "prepare count");
    check(sqlite3_step(count), db, "count");
    const long stored = sqlite3_column_int64(count, 0);
    sqlite3_finalize(count);
    sqlite3_close(db);
    std::sort(commits.begin(), commits.end());
    auto pct = [&](double p) {
        return commits.empty() ? 0.0 : commits[std::min(commits.size() - 1, static_cast<std::size_t>(p * static_cast<double>(commits.size())))];
    };
    std::printf("rows=%ld stored=%ld seconds=%.2f rows_per_s=%.0f p50_ms=%.2f p99_ms=%.2f\n", rows, stored, elapsed,
                static_cast<double>(rows) / elapsed, pct(0.5), pct(0.99));
    return stored >= rows ? 0 : 1;
}
