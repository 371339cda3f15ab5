#include "outagedesk/store/sqlite.hpp"

#include "outagedesk/store/frame_writes.hpp"
#include "outagedesk/store/page_cache.hpp"
#include "outagedesk/store/sqlite_setup.hpp"

#include <sqlite3.h>

#include <mutex>

namespace outagedesk::store {

sqlite_setup prepare_sqlite() {
    static std::once_flag once;
    static sqlite_setup setup;
    std::call_once(once, [] {
        // Nothing here reads sqlite3_memory_used() or sets a heap limit.
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        setup.page_cache_guard = install_page_cache_guard();
        setup.frame_write_vfs = install_frame_write_vfs();
    });
    return setup;
}

store_error::store_error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
bool store_error::busy() const noexcept { return (code_ & 0xff) == SQLITE_BUSY || (code_ & 0xff) == SQLITE_LOCKED; }
bool store_error::disk_full() const noexcept { return (code_ & 0xff) == SQLITE_FULL || (code_ & 0xff) == SQLITE_IOERR; }
bool store_error::constraint() const noexcept { return (code_ & 0xff) == SQLITE_CONSTRAINT; }

namespace {
[[noreturn]] void raise(sqlite3* db, int code, std::string_view context) {
    int extended = db ? sqlite3_extended_errcode(db) : code;
    std::string message = std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(code));
    throw store_error(extended ? extended : code, message);
}
}  // namespace

statement::statement(sqlite3* db, std::string_view sql) : db_(db) {
    int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) raise(db, rc, "prepare");
}

statement::~statement() { sqlite3_finalize(stmt_); }

statement::statement(statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }

statement& statement::bind(int index, std::int64_t value) {
    if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) raise(db_, rc, "bind");
    return *this;
}
statement& statement::bind(int index, double value) {
    if (int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK) raise(db_, rc, "bind");
    return *this;
}
statement& statement::bind(int index, std::string_view value) {
    if (int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
        rc != SQLITE_OK)
        raise(db_, rc, "bind");
    return *this;
}
statement& statement::bind_null(int index) {
    if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) raise(db_, rc, "bind");
    return *this;
}

bool statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3_reset(stmt_);
    raise(db_, rc, "step");
}

void statement::run() {
    try {
        while (step()) {
        }
    } catch (...) {
        reset();
        throw;
    }
    reset();
}

void statement::reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
std::int64_t statement::get_int64(int column) const { return sqlite3_column_int64(stmt_, column); }
double statement::get_double(int column) const { return sqlite3_column_double(stmt_, column); }
std::string statement::get_text(int column) const { return std::string(get_text_view(column)); }
std::string_view statement::get_text_view(int column) const {
    const auto* text = sqlite3_column_text(stmt_, column);
    return text ? std::string_view(reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string_view();
}
std::optional<std::string> statement::get_optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return get_text(column);
}
std::optional<std::int64_t> statement::get_optional_int64(int column) const {
    if (is_null(column)) return std::nullopt;
    return get_int64(column);
}

connection::connection(const std::filesystem::path& path, mode m, int busy_timeout_ms) {
    int flags = SQLITE_OPEN_NOMUTEX |
                (m == mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    prepare_sqlite();
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = "open " + path.string() + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
        sqlite3_close(db_);
        db_ = nullptr;
        throw store_error(rc, message);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    exec("PRAGMA foreign_keys = ON");
    if (m == mode::read_write) {
        exec("PRAGMA journal_mode = WAL");
        // FULL: an acknowledged write is on disk even if the machine loses power.
        exec("PRAGMA synchronous = FULL");
    } else {
        exec("PRAGMA query_only = ON");
    }
}

connection::~connection() {
    cache_.clear();
    sqlite3_close_v2(db_);
}

void connection::exec(const std::string& sql) {
    char* error = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string message = error ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        throw store_error(sqlite3_extended_errcode(db_), "exec: " + message);
    }
}

statement& connection::cached(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) it = cache_.emplace(sql, std::make_unique<statement>(db_, sql)).first;
    it->second->reset();
    return *it->second;
}

std::int64_t connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int connection::changes() const { return sqlite3_changes(db_); }

transaction::transaction(connection& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
transaction::~transaction() {
    if (!done_ && sqlite3_get_autocommit(db_.handle()) == 0) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}
void transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

// Prepared once per connection: a savepoint opens and closes for every job,
// and parsing the SQL text each time cost more than many jobs themselves.
savepoint::savepoint(connection& db) : db_(db) { db_.cached("SAVEPOINT job").run(); }
savepoint::~savepoint() {
    if (!done_) {
        sqlite3_exec(db_.handle(), "ROLLBACK TO job", nullptr, nullptr, nullptr);
        sqlite3_exec(db_.handle(), "RELEASE job", nullptr, nullptr, nullptr);
    }
}
void savepoint::release() {
    db_.cached("RELEASE job").run();
    done_ = true;
}

}  // namespace outagedesk::store
