#pragma once
// The server's log sink. Every request logs a line. Handing each line to
// spdlog's async logger cost a lock and, whenever its thread had caught up, a
// futex wake-up per line, and one write(2) per few lines on the log thread:
// about a fifth of the server's CPU per IVR request on these machines, and
// context switches in the middle of every request. Here each thread formats
// its lines into a buffer of its own (an uncontended lock, no system call);
// one writer thread gathers the buffers every `interval`, or sooner when one
// fills, and writes them with one write(2). An error line is written, with
// everything gathered before it, before log() returns.
//
// Lines of one thread stay in order; lines of different threads gathered in
// the same round may be out of time order by up to `interval` (each carries
// its own timestamp).
#include <spdlog/formatter.h>
#include <spdlog/sinks/sink.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace outagedesk::logging {

class thread_buffered_sink final : public spdlog::sinks::sink {
public:
    thread_buffered_sink(int fd, std::chrono::milliseconds interval = std::chrono::milliseconds(50),
                         std::size_t buffer_limit = 32 * 1024);
    // Writes every line still buffered.
    ~thread_buffered_sink() override;
    thread_buffered_sink(const thread_buffered_sink&) = delete;
    thread_buffered_sink& operator=(const thread_buffered_sink&) = delete;

    void log(const spdlog::details::log_msg& msg) override;
    // Writes every thread's buffered lines now, on the calling thread.
    void flush() override;
    void set_pattern(const std::string& pattern) override;
    void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override;

    // write(2) calls so far.
    std::uint64_t writes() const noexcept { return writes_.load(std::memory_order_relaxed); }

private:
    struct thread_buffer {
        std::mutex mutex;
        spdlog::memory_buf_t text;
        std::unique_ptr<spdlog::formatter> formatter;
        std::uint64_t formatter_version = 0;
    };

    thread_buffer& this_threads_buffer();
    void run_writer();
    void write_out() noexcept;
    void write_all(const char* data, std::size_t size) noexcept;

    const std::uint64_t id_;
    const int fd_;
    const std::chrono::milliseconds interval_;
    const std::size_t buffer_limit_;

    std::mutex formatter_mutex_;
    std::unique_ptr<spdlog::formatter> formatter_;
    std::atomic<std::uint64_t> formatter_version_{1};

    std::mutex buffers_mutex_;
    std::vector<std::shared_ptr<thread_buffer>> buffers_;

    // Held while gathering and writing, so rounds never interleave their lines.
    std::mutex write_mutex_;
    std::string gathered_;
    std::atomic<std::uint64_t> writes_{0};

    std::mutex wake_mutex_;
    std::condition_variable wake_;
    bool wake_requested_ = false;
    bool stopping_ = false;
    std::thread writer_;
};

}  // namespace outagedesk::logging
