#include "outagedesk/service/customer_import.hpp"

#include "outagedesk/domain/csv.hpp"
#include "outagedesk/domain/errors.hpp"
#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/platform/thread_name.hpp"
#include "outagedesk/store/customer_repository.hpp"
#include "outagedesk/store/incident_repository.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

namespace outagedesk::service {

namespace {

struct chunk_outcome {
    std::int64_t inserted = 0;
    std::int64_t updated = 0;
};

}  // namespace

nlohmann::json import_summary_json(const import_summary& summary) {
    nlohmann::json rejected = nlohmann::json::array();
    for (const auto& row : summary.rejected)
        rejected.push_back({{"line", row.line}, {"field", row.field}, {"error", row.error}});
    return {{"inserted", summary.inserted},
            {"updated", summary.updated},
            {"rejected", rejected},
            {"rejected_count", summary.rejected_count},
            {"rejected_truncated", summary.rejected_count > static_cast<std::int64_t>(summary.rejected.size())},
            {"seconds", summary.seconds}};
}

customer_import::customer_import(store::database& db, const config::settings& settings, clock_fn clock)
    : db_(db), settings_(settings), clock_(std::move(clock)) {}

customer_import::~customer_import() { stop(); }

import_summary customer_import::run(std::string_view csv, const std::string& actor) {
    const auto started = std::chrono::steady_clock::now();
    domain::csv_reader reader(csv);
    domain::csv_record record;
    if (!reader.next(record)) throw domain::invalid_input("header", "the file is empty; it needs a header row");
    if (!record.error.empty()) throw domain::invalid_input("header", "the header row is malformed: " + record.error);
    const auto layout = domain::parse_customer_header(record.fields);

    import_summary summary;
    auto reject = [&summary](std::size_t line, std::string field, std::string error) {
        ++summary.rejected_count;
        if (summary.rejected.size() < max_rejected_listed)
            summary.rejected.push_back({line, std::move(field), std::move(error)});
    };

    // One chunk is committed while the next is parsed; never more in flight.
    std::future<void> in_flight;
    std::shared_ptr<chunk_outcome> in_flight_outcome;
    auto settle = [&] {
        if (!in_flight.valid()) return;
        in_flight.get();
        summary.inserted += in_flight_outcome->inserted;
        summary.updated += in_flight_outcome->updated;
    };
    std::vector<domain::customer> chunk;
    chunk.reserve(chunk_rows);
    auto flush = [&] {
        if (chunk.empty()) return;
        settle();
        auto rows = std::make_shared<std::vector<domain::customer>>(std::move(chunk));
        chunk = {};
        chunk.reserve(chunk_rows);
        auto outcome = std::make_shared<chunk_outcome>();
        auto done = std::make_shared<std::promise<void>>();
        in_flight = done->get_future();
        in_flight_outcome = outcome;
        const auto at = domain::format_rfc3339_utc(clock_());
        db_.submit(
            [rows, outcome, at](store::write_context& w) {
                chunk_outcome counted;
                for (const auto& c : *rows) {
                    if (store::customer_repository::upsert(w, c, at))
                        ++counted.inserted;
                    else
                        ++counted.updated;
                }
                *outcome = counted;
            },
            [done](std::exception_ptr error) {
                if (error)
                    done->set_exception(error);
                else
                    done->set_value();
            });
    };

    try {
        while (reader.next(record)) {
            if (!record.error.empty()) {
                reject(record.line, "row", record.error);
                continue;
            }
            try {
                chunk.push_back(domain::make_customer(domain::customer_fields_from_csv(layout, record.fields),
                                                      settings_.default_country_code, settings_.default_language));
            } catch (const domain::invalid_input& e) {
                reject(record.line, e.field(), e.what());
                continue;
            }
            if (chunk.size() >= chunk_rows) flush();
        }
        flush();
        settle();
    } catch (...) {
        // Never leave a job pointing at our stack: wait for it before unwinding.
        if (in_flight.valid()) in_flight.wait();
        throw;
    }
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto detail = nlohmann::json{{"inserted", summary.inserted},
                                       {"updated", summary.updated},
                                       {"rejected", summary.rejected_count}}
                            .dump();
    const auto at = domain::format_rfc3339_utc(clock_());
    db_.write_sync([&](store::write_context& w) { store::audit_log::append(w, at, actor, "customers.import", "customers", detail); });
    spdlog::info("customer import by {}: {} inserted, {} updated, {} rejected in {:.1f} s", actor, summary.inserted,
                 summary.updated, summary.rejected_count, summary.seconds);
    return summary;
}

void customer_import::run_async(std::shared_ptr<const std::string> csv, std::string actor,
                                std::function<void(std::exception_ptr, import_summary)> done) {
    std::lock_guard lock(mutex_);
    if (stopping_) throw store::store_overloaded("the server is shutting down");
    tasks_.push_back([this, csv = std::move(csv), actor = std::move(actor), done = std::move(done)] {
        import_summary summary;
        std::exception_ptr error;
        try {
            summary = run(*csv, actor);
        } catch (...) {
            error = std::current_exception();
        }
        done(error, std::move(summary));
    });
    if (!thread_.joinable()) thread_ = platform::named_thread("od-import", [this] { work(); });
    ready_.notify_one();
}

void customer_import::work() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
            if (tasks_.empty()) return;
            task = std::move(tasks_.front());
            tasks_.pop_front();
        }
        task();
    }
}

void customer_import::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    if (thread_.joinable()) thread_.join();
}

}  // namespace outagedesk::service
