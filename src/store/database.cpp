#include "outagedesk/store/database.hpp"

#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/store/migrations.hpp"

#include <chrono>
#include <future>

namespace outagedesk::store {

database::database(std::filesystem::path path, const config::store_settings& settings, metrics::registry& metrics)
    : path_(std::move(path)),
      settings_(settings),
      queue_depth_gauge_(metrics.get_gauge("outagedesk_write_queue_depth", "Write jobs waiting for the writer")),
      batch_size_(metrics.get_histogram("outagedesk_commit_batch_size", "Write jobs per committed transaction", "",
                                        {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024})),
      commit_latency_(metrics.get_histogram("outagedesk_commit_seconds", "Time to run and commit one batch")),
      commit_failures_(metrics.get_counter("outagedesk_commit_failures_total", "Batches whose commit failed")) {
    if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
    writer_db_ = std::make_unique<connection>(path_, connection::mode::read_write,
                                              static_cast<int>(settings_.busy_timeout.count()));
    // Bulk jobs (imports, outbox chunks) touch many index pages; a larger cache
    // keeps them from being spilled and re-read within one transaction.
    writer_db_->exec("PRAGMA cache_size = -65536");
    migrate(*writer_db_);
    writer_thread_ = std::thread([this] { run_writer(); });
}

database::~database() { stop(); }

void database::submit(write_job job, write_callback done) {
    {
        std::lock_guard lock(queue_mutex_);
        if (stopping_) throw store_overloaded("the store is shutting down");
        if (queue_.size() >= settings_.write_queue_limit) throw store_overloaded("the write queue is full");
        queue_.push_back({std::move(job), std::move(done)});
        queue_depth_gauge_.set(static_cast<std::int64_t>(queue_.size()));
    }
    queue_ready_.notify_one();
}

void database::write_sync(write_job job) {
    std::promise<void> finished;
    auto future = finished.get_future();
    submit(std::move(job), [&finished](std::exception_ptr error) {
        if (error)
            finished.set_exception(error);
        else
            finished.set_value();
    });
    future.get();
}

void database::stop() {
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    queue_ready_.notify_all();
    if (writer_thread_.joinable()) writer_thread_.join();
}

std::size_t database::queue_depth() const {
    std::lock_guard lock(queue_mutex_);
    return queue_.size();
}

void database::run_writer() {
    std::vector<queued_job> batch;
    for (;;) {
        {
            std::unique_lock lock(queue_mutex_);
            queue_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping and drained
            while (!queue_.empty() && batch.size() < settings_.max_batch) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            queue_depth_gauge_.set(static_cast<std::int64_t>(queue_.size()));
        }
        commit_batch(batch);
        batch.clear();
    }
}

void database::commit_batch(std::vector<queued_job>& batch) {
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::exception_ptr> outcomes(batch.size());
    std::vector<std::vector<std::function<void()>>> actions(batch.size());
    std::exception_ptr batch_error;
    try {
        transaction tx(*writer_db_);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            write_context context(*writer_db_);
            try {
                savepoint job_scope(*writer_db_);
                batch[i].job(context);
                job_scope.release();
                actions[i] = std::move(context.actions_);
            } catch (...) {
                outcomes[i] = std::current_exception();
            }
        }
        tx.commit();
    } catch (...) {
        batch_error = std::current_exception();
        commit_failures_.add();
    }
    batch_size_.observe(static_cast<double>(batch.size()));
    commit_latency_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        std::exception_ptr outcome = batch_error ? batch_error : outcomes[i];
        if (!outcome)
            for (auto& action : actions[i]) action();
        if (batch[i].done) batch[i].done(outcome);
    }
}

database::read_lease::~read_lease() {
    if (!conn_ || !owner_) return;
    {
        std::lock_guard lock(owner_->readers_mutex_);
        owner_->idle_readers_.push_back(std::move(conn_));
    }
    owner_->reader_returned_.notify_one();
}

namespace {
thread_local database::read_scope* current_read_scope = nullptr;
}

database::read_scope::read_scope(database& db) : db_(db), outer_(current_read_scope) {
    for (auto* scope = outer_; scope; scope = scope->outer_)
        if (&scope->db_ == &db && scope->lease_) {
            current_read_scope = this;
            return;
        }
    lease_.emplace(db.read());
    (*lease_)->cached("BEGIN").run();
    current_read_scope = this;
}

database::read_scope::~read_scope() {
    current_read_scope = outer_;
    if (!lease_) return;
    // Ending a read transaction cannot lose anything, but a connection must
    // not go back to the pool still inside one (it would read stale data).
    try {
        (*lease_)->cached("COMMIT").run();
    } catch (const std::exception&) {
        try {
            (*lease_)->cached("ROLLBACK").run();
        } catch (const std::exception&) {
        }
    }
}

database::read_lease database::read() {
    for (auto* scope = current_read_scope; scope; scope = scope->outer_)
        if (&scope->db_ == this && scope->lease_) return read_lease(**scope->lease_);
    std::unique_lock lock(readers_mutex_);
    if (idle_readers_.empty() && readers_open_ < settings_.reader_connections) {
        ++readers_open_;
        lock.unlock();
        try {
            return read_lease(*this, std::make_unique<connection>(path_, connection::mode::read_only,
                                                                   static_cast<int>(settings_.busy_timeout.count())));
        } catch (...) {
            std::lock_guard relock(readers_mutex_);
            --readers_open_;
            throw;
        }
    }
    reader_returned_.wait(lock, [this] { return !idle_readers_.empty(); });
    auto conn = std::move(idle_readers_.back());
    idle_readers_.pop_back();
    return read_lease(*this, std::move(conn));
}

bool database::ping() {
    try {
        auto reader = read();
        auto& query = reader->cached("SELECT COUNT(*) FROM schema_migrations");
        bool ok = query.step();
        query.reset();
        return ok;
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace outagedesk::store
