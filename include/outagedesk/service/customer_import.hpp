#pragma once
// Bulk import of the customer registry from CSV (the HTTP import and the
// import-customers command share it). Rows are parsed and validated off the
// writer, then upserted in writer jobs of a bounded size, so a million-row
// file never holds the writer for long and the API keeps answering. A bad
// row is rejected with its line number and reason; the good rows are kept.
// It never reads a request or renders HTTP.
#include "outagedesk/config/config.hpp"
#include "outagedesk/service/events.hpp"
#include "outagedesk/store/database.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace outagedesk::service {

struct rejected_row {
    std::size_t line = 0;  // the header is line 1
    std::string field;     // the column at fault, or "row"
    std::string error;
};

struct import_summary {
    std::int64_t inserted = 0;
    std::int64_t updated = 0;
    std::int64_t rejected_count = 0;
    std::vector<rejected_row> rejected;  // the first max_rejected_listed of them
    double seconds = 0;
};

// {inserted, updated, rejected:[{line, field, error}], rejected_count, rejected_truncated, seconds}
nlohmann::json import_summary_json(const import_summary& summary);

class customer_import {
public:
    // Rows per writer job: other writes wait behind at most one of them.
    static constexpr std::size_t chunk_rows = 2000;
    static constexpr std::size_t max_rejected_listed = 1000;

    customer_import(store::database& db, const config::settings& settings, clock_fn clock);
    ~customer_import();
    customer_import(const customer_import&) = delete;
    customer_import& operator=(const customer_import&) = delete;

    // Imports on the calling thread. A file without a usable header (empty,
    // unknown or repeated column, no id or postcode) throws invalid_input
    // (field "header") before anything is written.
    import_summary run(std::string_view csv, const std::string& actor);

    // The same on the import thread (one import at a time); `done` runs there.
    void run_async(std::shared_ptr<const std::string> csv, std::string actor,
                   std::function<void(std::exception_ptr, import_summary)> done);
    // Finishes the queued imports and joins the import thread. Idempotent.
    void stop();

private:
    void work();

    store::database& db_;
    const config::settings& settings_;
    clock_fn clock_;

    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> tasks_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace outagedesk::service
