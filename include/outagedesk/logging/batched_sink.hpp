#pragma once
// The server's log sink. Every request logs a line, and one write(2) per line
// cost the log thread more than a third of a core at 40k requests/s on these
// machines. This sink collects formatted lines and writes them in one call
// when the async logger's queue has nothing more to add (so a line waits
// only for those queued before it, never for a timer), when the buffer is
// full, or at once for an error.
#include <spdlog/sinks/base_sink.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

namespace outagedesk::logging {

class batched_sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    // `lines_waiting` says how many log lines are still queued behind the one
    // being written (the async logger's queue size).
    batched_sink(int fd, std::function<std::size_t()> lines_waiting, std::size_t buffer_limit = 64 * 1024);
    ~batched_sink() override;
    batched_sink(const batched_sink&) = delete;
    batched_sink& operator=(const batched_sink&) = delete;

    // write(2) calls so far.
    std::uint64_t writes() const noexcept { return writes_.load(std::memory_order_relaxed); }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override;

private:
    void write_out() noexcept;

    int fd_;
    std::function<std::size_t()> lines_waiting_;
    std::size_t buffer_limit_;
    spdlog::memory_buf_t buffer_;
    std::atomic<std::uint64_t> writes_{0};
};

}  // namespace outagedesk::logging
