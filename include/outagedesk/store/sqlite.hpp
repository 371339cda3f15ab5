#pragma once
// RAII wrappers over the SQLite C API: a connection, a prepared statement and
// a transaction. Every handle is released in its destructor, which never
// throws. Only store/ includes this header; nothing outside store/ may know the
// store is SQLite.
#include "outagedesk/store/errors.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace outagedesk::store {

class statement {
public:
    statement(sqlite3* db, std::string_view sql);
    ~statement();
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    statement(statement&& other) noexcept;
    statement& operator=(statement&&) = delete;

    // Binding is 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT).
    statement& bind(int index, std::int64_t value);
    statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    statement& bind(int index, double value);
    statement& bind(int index, std::string_view value);
    statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
    statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    statement& bind_null(int index);
    template <typename T>
    statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }

    // Advances to the next row; false when done. Throws store_error on failure.
    bool step();
    // Runs a statement that returns no rows and resets it.
    void run();
    void reset() noexcept;

    bool is_null(int column) const;
    std::int64_t get_int64(int column) const;
    double get_double(int column) const;
    std::string get_text(int column) const;
    // The text in SQLite's own buffer: valid until the next step() or reset().
    std::string_view get_text_view(int column) const;
    std::optional<std::string> get_optional_text(int column) const;
    std::optional<std::int64_t> get_optional_int64(int column) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class connection {
public:
    enum class mode { read_write, read_only };
    connection(const std::filesystem::path& path, mode m, int busy_timeout_ms);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    void exec(const std::string& sql);
    // A statement prepared once per connection and reused; reset before return.
    statement& cached(const std::string& sql);
    std::int64_t last_insert_rowid() const;
    int changes() const;
    sqlite3* handle() const noexcept { return db_; }

private:
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, std::unique_ptr<statement>> cache_;
};

// BEGIN IMMEDIATE on construction; rolls back on destruction unless committed.
class transaction {
public:
    explicit transaction(connection& db);
    ~transaction();
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    void commit();

private:
    connection& db_;
    bool done_ = false;
};

// A named savepoint inside a transaction, so one failed job of a batch is
// undone alone. Rolls back to itself on destruction unless released.
class savepoint {
public:
    explicit savepoint(connection& db);
    ~savepoint();
    savepoint(const savepoint&) = delete;
    savepoint& operator=(const savepoint&) = delete;
    void release();

private:
    connection& db_;
    bool done_ = false;
};

}  // namespace outagedesk::store
