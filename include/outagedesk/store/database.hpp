#pragma once
// The store: one writer thread that group-commits queued write jobs, one sync
// thread that makes them durable, and a small pool of read-only connections
// for the I/O threads. A job is acknowledged only after the transaction
// holding it has committed and the write-ahead log has been flushed to disk
// (fdatasync); a job that throws is rolled back alone (a savepoint) and its
// batch-mates still commit. Repositories are the only users of this class;
// services never see SQL.
//
// Why two threads: with SQLite's synchronous=FULL the writer itself waits for
// every commit's fsync, and nothing else is written meanwhile. Here SQLite
// commits with synchronous=NORMAL (the log is written, not flushed) and the
// sync thread flushes it while the writer runs the next batch; one flush may
// cover several batches. What an acknowledged write promises is unchanged: it
// is on disk before its caller hears of it.
//
// A third thread checkpoints: it copies the log back into the database file
// on its own connection once the log holds `checkpoint_pages` pages, while
// the writer goes on appending. SQLite would otherwise checkpoint inside the
// writer's COMMIT (its auto-checkpoint), and every write would wait for it.
// The log can only start over from its beginning once all of it is copied,
// which a copy racing the writer never quite achieves: so once the
// checkpointer is nearly through, the writer copies the last few pages itself
// after a commit, and the next transaction restarts the log.
#include "outagedesk/config/config.hpp"
#include "outagedesk/store/sqlite.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace outagedesk::metrics {
class registry;
class gauge;
class histogram;
class counter;
}  // namespace outagedesk::metrics

namespace outagedesk::store {

// Given to a write job: the writer's connection, and a way to run something
// once the job's batch has committed (e.g. swapping a snapshot, publishing an
// event). Actions run on the writer thread straight after the commit, before
// the next batch, so later jobs see their effect; the flush to disk may still
// be under way. Actions of a job that failed are dropped.
class write_context {
public:
    explicit write_context(connection& db) : db_(db) {}
    connection& db() noexcept { return db_; }
    void after_commit(std::function<void()> action) { actions_.push_back(std::move(action)); }

private:
    friend class database;
    connection& db_;
    std::vector<std::function<void()>> actions_;
};

using write_job = std::function<void(write_context&)>;
// Called on the sync thread once the job's fate is known: nullptr when its
// batch committed and is on disk, else the reason. Must be quick and must not
// wait for another write (write_sync would deadlock): post elsewhere to work.
using write_callback = std::function<void(std::exception_ptr)>;

class database {
public:
    database(std::filesystem::path path, const config::store_settings& settings, metrics::registry& metrics);
    ~database();
    database(const database&) = delete;
    database& operator=(const database&) = delete;

    // Queues a job; throws store_overloaded when the queue is at its bound.
    void submit(write_job job, write_callback done);
    // Queues a job and waits for its commit; rethrows its failure.
    void write_sync(write_job job);
    // Finishes every queued job, then stops the writer thread. Idempotent.
    void stop();
    std::size_t queue_depth() const;

    // A read-only connection lent to the caller for the scope of the lease.
    class read_lease {
    public:
        read_lease(database& owner, std::unique_ptr<connection> conn)
            : owner_(&owner), conn_(std::move(conn)), use_(conn_.get()) {}
        // The connection of an enclosing read_scope, not returned by this lease.
        explicit read_lease(connection& borrowed) : owner_(nullptr), use_(&borrowed) {}
        read_lease(read_lease&&) = default;
        read_lease& operator=(read_lease&&) = delete;
        ~read_lease();
        connection& operator*() const noexcept { return *use_; }
        connection* operator->() const noexcept { return use_; }

    private:
        database* owner_;
        std::unique_ptr<connection> conn_;
        connection* use_;
    };
    read_lease read();

    // While one lives, every read() on this thread uses the same connection
    // inside one read transaction: the reads see one consistent state, and a
    // request that reads five things pays for one transaction, not five
    // (about 6.5 µs each). Nested scopes join the outer one. Not movable: the
    // thread remembers its address.
    class read_scope {
    public:
        explicit read_scope(database& db);
        ~read_scope();
        read_scope(const read_scope&) = delete;
        read_scope& operator=(const read_scope&) = delete;

    private:
        friend class database;
        database& db_;
        std::optional<read_lease> lease_;  // empty when joined to an outer scope
        read_scope* outer_;
    };

    // Readiness: a trivial query through a reader answers.
    bool ping();
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    struct queued_job {
        write_job job;
        write_callback done;
    };
    // A batch the writer has finished with, waiting for its flush.
    struct finished_batch {
        std::vector<write_callback> done;
        std::vector<std::exception_ptr> outcomes;
        bool committed = false;
    };
    void run_writer();
    void commit_batch(std::vector<queued_job>& batch);
    void run_syncer();
    // fdatasync of the write-ahead log; throws store_error when it fails.
    void flush_log();
    void map_file(connection& conn) const;
    void run_checkpointer();
    // One PASSIVE checkpoint on `handle`: the pages of the log copied so far,
    // or nothing when it could not run (busy, or failed and logged).
    std::optional<std::int64_t> checkpoint(sqlite3* handle);
    // SQLite's hook after each commit of the writer: how long the log is.
    static int on_log_commit(void* self, sqlite3* db, const char* schema, int frames);

    std::filesystem::path path_;
    config::store_settings settings_;
    std::unique_ptr<connection> writer_db_;

    mutable std::mutex queue_mutex_;
    std::condition_variable queue_ready_;
    std::deque<queued_job> queue_;
    bool stopping_ = false;

    std::mutex readers_mutex_;
    std::condition_variable reader_returned_;
    std::vector<std::unique_ptr<connection>> idle_readers_;
    std::size_t readers_open_ = 0;

    metrics::gauge& queue_depth_gauge_;
    metrics::histogram& batch_size_;
    metrics::histogram& commit_latency_;
    metrics::counter& commit_failures_;
    metrics::histogram& sync_latency_;
    metrics::counter& sync_failures_;
    metrics::histogram& checkpoint_latency_;
    metrics::counter& checkpoint_failures_;
    metrics::histogram& log_finish_latency_;

    std::unique_ptr<connection> checkpoint_db_;
    std::mutex checkpoint_mutex_;
    std::condition_variable checkpoint_wanted_;
    std::condition_variable checkpoint_finished_;  // the checkpointer's round ended
    bool checkpoint_due_ = false;
    bool checkpoint_running_ = false;
    bool checkpointer_stopping_ = false;
    // Pages of the current log the checkpointer has copied; the generation
    // counts restarts of the log, so a count from an older log is not trusted.
    std::int64_t log_copied_ = 0;
    std::uint64_t log_generation_ = 0;
    int log_pages_seen_ = 0;  // writer thread only

    std::mutex finished_mutex_;
    std::condition_variable finished_ready_;
    std::deque<finished_batch> finished_;
    bool writer_stopped_ = false;
    int log_fd_ = -1;  // the -wal file, opened by the sync thread when first needed

    std::thread writer_thread_;
    std::thread syncer_thread_;
    std::thread checkpointer_thread_;
};

}  // namespace outagedesk::store
