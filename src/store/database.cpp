#include "outagedesk/store/database.hpp"

#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/platform/thread_name.hpp"
#include "outagedesk/store/migrations.hpp"

#include <sqlite3.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <future>
#include <unistd.h>

namespace outagedesk::store {

database::database(std::filesystem::path path, const config::store_settings& settings, metrics::registry& metrics)
    : path_(std::move(path)),
      settings_(settings),
      queue_depth_gauge_(metrics.get_gauge("outagedesk_write_queue_depth", "Write jobs waiting for the writer")),
      batch_size_(metrics.get_histogram("outagedesk_commit_batch_size", "Write jobs per committed transaction", "",
                                        {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024})),
      commit_latency_(metrics.get_histogram("outagedesk_commit_seconds", "Time to run and commit one batch")),
      commit_failures_(metrics.get_counter("outagedesk_commit_failures_total", "Batches whose commit failed")),
      sync_latency_(metrics.get_histogram("outagedesk_log_sync_seconds", "Time to flush the write-ahead log to disk")),
      sync_failures_(metrics.get_counter("outagedesk_log_sync_failures_total", "Flushes of the write-ahead log that failed")),
      checkpoint_latency_(metrics.get_histogram("outagedesk_checkpoint_seconds", "Time to copy the write-ahead log into the database")),
      checkpoint_failures_(metrics.get_counter("outagedesk_checkpoint_failures_total", "Checkpoints that failed")),
      log_finish_latency_(metrics.get_histogram("outagedesk_log_finish_seconds",
                                                "Time the writer spent copying the last pages of the log itself, "
                                                "writes waiting meanwhile")) {
    if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
    writer_db_ = std::make_unique<connection>(path_, connection::mode::read_write,
                                              static_cast<int>(settings_.busy_timeout.count()));
    // Bulk jobs (imports, outbox chunks) touch many index pages; a larger cache
    // keeps them from being spilled and re-read within one transaction.
    writer_db_->exec("PRAGMA cache_size = -65536");
    // A job's savepoint journal stays in memory instead of spilling to a temporary file.
    writer_db_->exec("PRAGMA temp_store = MEMORY");
    map_file(*writer_db_);
    migrate(*writer_db_);
    // The sync thread flushes the log before any job is acknowledged (see the
    // header); SQLite itself need not wait for the disk at each commit. It
    // still flushes around checkpoints, which keeps the database consistent.
    writer_db_->exec("PRAGMA synchronous = NORMAL");
    // Replaces SQLite's auto-checkpoint, which would run inside the writer's COMMIT.
    sqlite3_wal_hook(writer_db_->handle(), &database::on_log_commit, this);
    checkpoint_db_ = std::make_unique<connection>(path_, connection::mode::read_write,
                                                  static_cast<int>(settings_.busy_timeout.count()));
    checkpointer_thread_ = platform::named_thread("od-checkpoint", [this] { run_checkpointer(); });
    syncer_thread_ = platform::named_thread("od-sync", [this] { run_syncer(); });
    writer_thread_ = platform::named_thread("od-writer", [this] { run_writer(); });
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
    {
        std::lock_guard lock(finished_mutex_);
        writer_stopped_ = true;
    }
    finished_ready_.notify_all();
    if (syncer_thread_.joinable()) syncer_thread_.join();
    {
        std::lock_guard lock(checkpoint_mutex_);
        checkpointer_stopping_ = true;
    }
    checkpoint_wanted_.notify_all();
    if (checkpointer_thread_.joinable()) checkpointer_thread_.join();
    if (log_fd_ >= 0) {
        ::close(log_fd_);
        log_fd_ = -1;
    }
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
    finished_batch finished;
    finished.committed = !batch_error;
    finished.done.reserve(batch.size());
    finished.outcomes.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        std::exception_ptr outcome = batch_error ? batch_error : outcomes[i];
        if (!outcome)
            for (auto& action : actions[i]) action();
        finished.done.push_back(std::move(batch[i].done));
        finished.outcomes.push_back(outcome);
    }
    {
        std::lock_guard lock(finished_mutex_);
        finished_.push_back(std::move(finished));
    }
    finished_ready_.notify_one();
}

void database::run_syncer() {
    std::deque<finished_batch> taken;
    for (;;) {
        {
            std::unique_lock lock(finished_mutex_);
            finished_ready_.wait(lock, [this] { return writer_stopped_ || !finished_.empty(); });
            if (finished_.empty()) return;  // the writer stopped and everything is answered
            taken.swap(finished_);
        }
        // One flush covers every batch committed before it starts.
        std::exception_ptr sync_error;
        bool any_committed = false;
        for (const auto& batch : taken) any_committed = any_committed || batch.committed;
        if (any_committed) {
            try {
                flush_log();
            } catch (...) {
                sync_error = std::current_exception();
            }
        }
        for (auto& batch : taken) {
            for (std::size_t i = 0; i < batch.done.size(); ++i) {
                auto outcome = batch.outcomes[i] ? batch.outcomes[i] : batch.committed ? sync_error : nullptr;
                if (batch.done[i]) batch.done[i](outcome);
            }
        }
        taken.clear();
    }
}

void database::flush_log() {
    const auto started = std::chrono::steady_clock::now();
    const auto log_path = path_.string() + "-wal";
    auto fail = [&](const char* step) {
        const int error = errno;
        sync_failures_.add();
        spdlog::critical("store: {} of {} failed: {}; writes are not acknowledged", step, log_path, std::strerror(error));
        throw store_error(error == ENOSPC ? SQLITE_FULL : SQLITE_IOERR_FSYNC,
                          std::string(step) + " of the write-ahead log failed: " + std::strerror(error));
    };
    // SQLite removes the log only when its last connection closes, and the
    // writer's stays open until this thread has stopped: one descriptor serves.
    if (log_fd_ < 0) {
        log_fd_ = ::open(log_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (log_fd_ < 0) fail("open");
    }
    if (::fdatasync(log_fd_) != 0) fail("fdatasync");
    sync_latency_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

int database::on_log_commit(void* self, sqlite3* handle, const char*, int frames) {
    auto& db = *static_cast<database*>(self);
    const auto threshold = static_cast<std::int64_t>(db.settings_.checkpoint_pages);
    bool finish_here = false;
    {
        std::unique_lock lock(db.checkpoint_mutex_);
        if (frames < db.log_pages_seen_) {  // the log started over
            ++db.log_generation_;
            db.log_copied_ = 0;
        }
        db.log_pages_seen_ = frames;
        if (frames < threshold) return SQLITE_OK;
        // Nearly all copied already: finishing here is cheap and lets the next
        // transaction restart the log. Every write waits while the writer
        // copies, so "nearly" is a fortieth of the threshold (250 pages at the
        // default) rather than a quarter: contact POSTs +5-16% in four A/B
        // pairs. The checkpointer gets there in a round or two more, each
        // copying what was written during the one before. Most of the pause
        // left (~20 ms per log cycle, outagedesk_log_finish_seconds) is SQLite
        // flushing the pages the checkpointer copied: it flushes the database
        // only after a checkpoint that reached the end of the log. Flushing
        // after each of the checkpointer's rounds instead slowed every log
        // flush and cost more than the pause. Far behind (readers holding old
        // pages, or the checkpointer not keeping up): copy here too, bounding
        // the log.
        const bool nearly_done = frames - db.log_copied_ <= std::max<std::int64_t>(threshold / 40, 16);
        const bool far_behind = frames >= threshold * 8;
        if (!db.checkpoint_running_ && (nearly_done || far_behind)) {
            finish_here = true;
        } else if (far_behind) {
            // The checkpointer is not keeping up (starved of CPU or disk):
            // the writer waits for its round and then copies the rest, so
            // the log stays bounded whatever the machine is doing.
            db.checkpoint_finished_.wait(lock, [&db] { return !db.checkpoint_running_; });
            finish_here = true;
        } else if (!db.checkpoint_running_) {
            db.checkpoint_due_ = true;
            db.checkpoint_wanted_.notify_one();
        }
    }
    if (finish_here) {
        const auto started = std::chrono::steady_clock::now();
        const auto copied = db.checkpoint(handle);
        db.log_finish_latency_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        if (copied) {
            std::lock_guard lock(db.checkpoint_mutex_);
            db.log_copied_ = *copied;
        }
    }
    // The commit itself stands whatever the checkpoint did.
    return SQLITE_OK;
}

std::optional<std::int64_t> database::checkpoint(sqlite3* handle) {
    // PASSIVE: copies what no reader still needs and never waits for the
    // writer or the readers. The log is flushed before the copy and the
    // database file after it.
    const auto started = std::chrono::steady_clock::now();
    int log_pages = 0;
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(handle, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_pages, &copied);
    checkpoint_latency_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (rc == SQLITE_OK) return copied;
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
        checkpoint_failures_.add();
        // Nothing is lost: the pages stay in the log and a later commit asks again.
        spdlog::warn("store: checkpoint failed: {}", sqlite3_errmsg(handle));
    }
    return std::nullopt;
}

void database::run_checkpointer() {
    for (;;) {
        std::uint64_t generation = 0;
        {
            std::unique_lock lock(checkpoint_mutex_);
            checkpoint_wanted_.wait(lock, [this] { return checkpointer_stopping_ || checkpoint_due_; });
            if (checkpointer_stopping_) return;  // closing the last connection checkpoints
            checkpoint_due_ = false;
            checkpoint_running_ = true;
            generation = log_generation_;
        }
        const auto copied = checkpoint(checkpoint_db_->handle());
        {
            std::lock_guard lock(checkpoint_mutex_);
            checkpoint_running_ = false;
            if (copied && generation == log_generation_) log_copied_ = *copied;
        }
        checkpoint_finished_.notify_all();
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

void database::map_file(connection& conn) const {
    if (settings_.mmap_mib > 0) conn.exec("PRAGMA mmap_size = " + std::to_string(settings_.mmap_mib * 1024 * 1024));
}

database::read_lease database::read() {
    for (auto* scope = current_read_scope; scope; scope = scope->outer_)
        if (&scope->db_ == this && scope->lease_) return read_lease(**scope->lease_);
    std::unique_lock lock(readers_mutex_);
    if (idle_readers_.empty() && readers_open_ < settings_.reader_connections) {
        ++readers_open_;
        lock.unlock();
        try {
            auto opened = std::make_unique<connection>(path_, connection::mode::read_only,
                                                       static_cast<int>(settings_.busy_timeout.count()));
            map_file(*opened);
            return read_lease(*this, std::move(opened));
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
