#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/store/database.hpp"
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <mutex>

#include <atomic>
#include <future>
#include <thread>

using namespace outagedesk;

TEST_CASE("group commit under 8 concurrent writers commits all but the failing job", "[store][writer]") {
    test::temp_dir dir;
    metrics::registry metrics;
    config::store_settings settings;
    store::database db(dir.path() / "g.db", settings, metrics);
    db.write_sync([](store::write_context& w) { w.db().exec("CREATE TABLE rows (writer INTEGER, n INTEGER, UNIQUE (writer, n))"); });

    constexpr int writers = 8;
    constexpr int per_writer = 200;
    constexpr int failing_writer = 3;
    constexpr int failing_n = 77;
    std::atomic<int> committed{0};
    std::atomic<int> failed{0};
    std::string failure_text;
    std::mutex failure_mutex;
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
        threads.emplace_back([&, w] {
            std::vector<std::future<void>> pending;
            for (int n = 0; n < per_writer; ++n) {
                auto done = std::make_shared<std::promise<void>>();
                pending.push_back(done->get_future());
                db.submit(
                    [w, n](store::write_context& ctx) {
                        ctx.db().cached("INSERT INTO rows VALUES (?1, ?2)").bind(1, w).bind(2, n).run();
                        if (w == failing_writer && n == failing_n) throw std::runtime_error("job 77 refuses");
                    },
                    [&, done](std::exception_ptr error) {
                        if (error) {
                            ++failed;
                            try {
                                std::rethrow_exception(error);
                            } catch (const std::exception& e) {
                                std::lock_guard lock(failure_mutex);
                                failure_text = e.what();
                            }
                        } else {
                            ++committed;
                        }
                        done->set_value();
                    });
            }
            for (auto& f : pending) f.get();
        });
    }
    for (auto& t : threads) t.join();

    CHECK(committed == writers * per_writer - 1);
    CHECK(failed == 1);
    CHECK(failure_text == "job 77 refuses");
    auto reader = db.read();
    auto& count = reader->cached("SELECT COUNT(*) FROM rows");
    REQUIRE(count.step());
    CHECK(count.get_int64(0) == writers * per_writer - 1);
    count.reset();
    auto& missing = reader->cached("SELECT COUNT(*) FROM rows WHERE writer = ?1 AND n = ?2");
    missing.bind(1, failing_writer).bind(2, failing_n);
    REQUIRE(missing.step());
    CHECK(missing.get_int64(0) == 0);
    missing.reset();
    // Batching happened: fewer commits than jobs (the table's creation is one more job).
    const auto& batches = metrics.get_histogram("outagedesk_commit_batch_size", "", "", {});
    CHECK(batches.count() >= 1);
    CHECK(batches.count() < static_cast<std::uint64_t>(writers * per_writer + 1));
    CHECK(batches.sum() == Approx(writers * per_writer + 1));
}

TEST_CASE("after-commit actions run only for jobs that committed", "[store][writer]") {
    test::temp_dir dir;
    metrics::registry metrics;
    store::database db(dir.path() / "a.db", config::store_settings{}, metrics);
    std::atomic<int> ran{0};
    db.write_sync([&](store::write_context& w) { w.after_commit([&] { ran += 1; }); });
    CHECK(ran == 1);
    CHECK_THROWS(db.write_sync([&](store::write_context& w) {
        w.after_commit([&] { ran += 10; });
        throw std::runtime_error("no");
    }));
    CHECK(ran == 1);
}

TEST_CASE("a full write queue refuses new jobs instead of growing", "[store][writer]") {
    test::temp_dir dir;
    metrics::registry metrics;
    config::store_settings settings;
    settings.write_queue_limit = 2;
    store::database db(dir.path() / "q.db", settings, metrics);
    std::promise<void> release;
    auto gate = release.get_future().share();
    std::promise<void> started;
    db.submit([&, gate](store::write_context&) { started.set_value(); gate.wait(); }, nullptr);
    started.get_future().wait();  // the writer now holds the first job
    db.submit([](store::write_context&) {}, nullptr);
    db.submit([](store::write_context&) {}, nullptr);
    CHECK_THROWS_AS(db.submit([](store::write_context&) {}, nullptr), store::store_overloaded);
    release.set_value();
    db.stop();
    CHECK(db.queue_depth() == 0);
}

TEST_CASE("a write is acknowledged only after a flush of the log that began after its commit", "[store][writer]") {
    test::temp_dir dir;
    metrics::registry metrics;
    store::database db(dir.path() / "s.db", config::store_settings{}, metrics);
    auto& flushes = metrics.get_histogram("outagedesk_log_sync_seconds", "");
    db.write_sync([](store::write_context& w) { w.db().exec("CREATE TABLE t (n INTEGER)"); });
    for (int n = 0; n < 20; ++n) {
        const auto flushed_before = flushes.count();
        std::promise<std::uint64_t> seen;
        db.submit([n](store::write_context& w) { w.db().cached("INSERT INTO t VALUES (?1)").bind(1, n).run(); },
                  [&](std::exception_ptr error) {
                      if (error) seen.set_exception(error);
                      else seen.set_value(flushes.count());
                  });
        CHECK(seen.get_future().get() > flushed_before);
    }
    // A failed job needs no flush and is still answered.
    CHECK_THROWS(db.write_sync([](store::write_context&) { throw std::runtime_error("refused"); }));
}

TEST_CASE("checkpoints beside the writer keep the log from growing under sustained writes", "[store][writer]") {
    test::temp_dir dir;
    metrics::registry metrics;
    config::store_settings settings;
    settings.checkpoint_pages = 100;
    const auto path = dir.path() / "c.db";
    store::database db(path, settings, metrics);
    db.write_sync([](store::write_context& w) { w.db().exec("CREATE TABLE t (n INTEGER, pad BLOB)"); });
    // About 3,000 pages of log in all: thirty times the threshold.
    constexpr int jobs = 6000;
    std::atomic<int> committed{0};
    std::atomic<int> answered{0};
    std::mutex first_error_mutex;
    std::string first_error;
    std::promise<void> all_done;
    for (int n = 0; n < jobs; ++n) {
        for (;;) {
            try {
                db.submit([n](store::write_context& w) {
                              w.db().cached("INSERT INTO t VALUES (?1, zeroblob(2000))").bind(1, n).run();
                          },
                          [&](std::exception_ptr error) {
                              if (!error) {
                                  ++committed;
                              } else {
                                  std::lock_guard lock(first_error_mutex);
                                  try {
                                      std::rethrow_exception(error);
                                  } catch (const std::exception& e) {
                                      if (first_error.empty()) first_error = e.what();
                                  }
                              }
                              if (++answered == jobs) all_done.set_value();
                          });
                break;
            } catch (const store::store_overloaded&) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        }
    }
    all_done.get_future().wait();
    INFO("first failure: " << first_error);
    CHECK(committed == jobs);
    CHECK(metrics.get_histogram("outagedesk_checkpoint_seconds", "").count() > 0);
    // The writer copied the last pages itself at least once, so that the log could start over.
    CHECK(metrics.get_histogram("outagedesk_log_finish_seconds", "").count() > 0);
    // The log started over along the way instead of holding every page written.
    const auto log_bytes = std::filesystem::file_size(path.string() + "-wal");
    CHECK(log_bytes < 1500u * 4096u);
    std::int64_t rows = 0;
    db.write_sync([&](store::write_context& w) {
        auto& count = w.db().cached("SELECT count(*) FROM t");
        if (count.step()) rows = count.get_int64(0);
        count.reset();
    });
    CHECK(rows == jobs);
}

TEST_CASE("the writer and the readers map as much of the file as configured, and read what was committed", "[store]") {
    test::temp_dir dir;
    metrics::registry metrics;
    for (std::size_t mib : {std::size_t{0}, std::size_t{64}}) {
        config::store_settings settings;
        settings.mmap_mib = mib;
        const auto path = dir.path() / ("m" + std::to_string(mib) + ".db");
        store::database db(path, settings, metrics);
        db.write_sync([](store::write_context& w) { w.db().exec("CREATE TABLE rows (n INTEGER PRIMARY KEY, pad BLOB)"); });
        std::int64_t writer_mapped = -1;
        db.write_sync([&writer_mapped](store::write_context& w) {
            auto& mapped = w.db().cached("PRAGMA mmap_size");
            if (mapped.step()) writer_mapped = mapped.get_int64(0);
            mapped.reset();
        });
        CHECK(writer_mapped == static_cast<std::int64_t>(mib) * 1024 * 1024);
        for (int round = 1; round <= 3; ++round) {
            db.write_sync([](store::write_context& w) {
                auto& insert = w.db().cached("INSERT INTO rows (pad) VALUES (zeroblob(3000))");
                for (int i = 0; i < 500; ++i) insert.run();
            });
            // Copied into the file, which grows past what the readers mapped before.
            store::connection(path, store::connection::mode::read_write, 5000).exec("PRAGMA wal_checkpoint(PASSIVE)");
            auto reader = db.read();
            auto& rows = reader->cached("SELECT COUNT(*), SUM(length(pad)) FROM rows");
            REQUIRE(rows.step());
            CHECK(rows.get_int64(0) == round * 500);
            CHECK(rows.get_int64(1) == round * 500 * 3000);
            rows.reset();
            auto& mapped = reader->cached("PRAGMA mmap_size");
            REQUIRE(mapped.step());
            CHECK(mapped.get_int64(0) == static_cast<std::int64_t>(mib) * 1024 * 1024);
            mapped.reset();
        }
    }
}
