#include "outagedesk/logging/thread_buffered_sink.hpp"

#include "outagedesk/platform/thread_name.hpp"

#include <spdlog/pattern_formatter.h>

#include <algorithm>
#include <cerrno>
#include <unistd.h>
#include <utility>

namespace outagedesk::logging {

namespace {
std::atomic<std::uint64_t> next_sink_id{1};
// A thread whose buffer holds this many times the limit (the writer thread is
// stuck behind a full pipe, say) writes out itself: memory stays bounded and
// no line is dropped.
constexpr std::size_t hard_limit_multiple = 8;
}  // namespace

thread_buffered_sink::thread_buffered_sink(int fd, std::chrono::milliseconds interval, std::size_t buffer_limit)
    : id_(next_sink_id.fetch_add(1)),
      fd_(fd),
      interval_(interval),
      buffer_limit_(buffer_limit),
      formatter_(std::make_unique<spdlog::pattern_formatter>()) {
    writer_ = platform::named_thread("od-log", [this] { run_writer(); });
}

thread_buffered_sink::~thread_buffered_sink() {
    {
        std::lock_guard lock(wake_mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    writer_.join();
    write_out();
    std::lock_guard lock(buffers_mutex_);
    buffers_.clear();
}

thread_buffered_sink::thread_buffer& thread_buffered_sink::this_threads_buffer() {
    // Keyed by the sink's id, not its address: a sink created where a
    // destroyed one lived must not find the old one's buffer.
    thread_local std::vector<std::pair<std::uint64_t, std::shared_ptr<thread_buffer>>> mine;
    for (auto& [sink, buffer] : mine)
        if (sink == id_) return *buffer;
    // Buffers only this thread still holds belong to sinks that are gone.
    std::erase_if(mine, [](const auto& entry) { return entry.second.use_count() == 1; });
    auto created = std::make_shared<thread_buffer>();
    {
        std::lock_guard lock(buffers_mutex_);
        buffers_.push_back(created);
    }
    mine.emplace_back(id_, created);
    return *created;
}

void thread_buffered_sink::log(const spdlog::details::log_msg& msg) {
    auto& buffer = this_threads_buffer();
    std::size_t buffered = 0;
    {
        std::lock_guard lock(buffer.mutex);
        const auto version = formatter_version_.load(std::memory_order_acquire);
        if (buffer.formatter_version != version) {
            std::lock_guard formatter_lock(formatter_mutex_);
            buffer.formatter = formatter_->clone();
            buffer.formatter_version = version;
        }
        buffer.formatter->format(msg, buffer.text);
        buffered = buffer.text.size();
    }
    if (msg.level >= spdlog::level::err || buffered >= buffer_limit_ * hard_limit_multiple) {
        write_out();
    } else if (buffered >= buffer_limit_) {
        {
            std::lock_guard lock(wake_mutex_);
            wake_requested_ = true;
        }
        wake_.notify_one();
    }
}

void thread_buffered_sink::flush() { write_out(); }

void thread_buffered_sink::set_pattern(const std::string& pattern) {
    set_formatter(std::make_unique<spdlog::pattern_formatter>(pattern));
}

void thread_buffered_sink::set_formatter(std::unique_ptr<spdlog::formatter> formatter) {
    std::lock_guard lock(formatter_mutex_);
    formatter_ = std::move(formatter);
    formatter_version_.fetch_add(1, std::memory_order_release);
}

void thread_buffered_sink::run_writer() {
    std::unique_lock lock(wake_mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, interval_, [this] { return stopping_ || wake_requested_; });
        wake_requested_ = false;
        lock.unlock();
        write_out();
        lock.lock();
    }
}

void thread_buffered_sink::write_out() noexcept {
    std::lock_guard write_lock(write_mutex_);
    try {
        std::vector<std::shared_ptr<thread_buffer>> buffers;
        {
            std::lock_guard lock(buffers_mutex_);
            buffers = buffers_;
        }
        gathered_.clear();
        for (const auto& buffer : buffers) {
            std::lock_guard lock(buffer->mutex);
            gathered_.append(buffer->text.data(), buffer->text.size());
            buffer->text.clear();
        }
        buffers.clear();
        write_all(gathered_.data(), gathered_.size());
        // A buffer held by nobody else belongs to a thread that has ended. It
        // may have logged again between being gathered above and ending: such
        // a buffer stays for the next round, which writes it.
        std::lock_guard lock(buffers_mutex_);
        std::erase_if(buffers_, [](const auto& buffer) {
            if (buffer.use_count() != 1) return false;
            std::lock_guard buffer_lock(buffer->mutex);
            return buffer->text.size() == 0;
        });
    } catch (...) {
        // Out of memory while gathering: the lines gathered so far are lost, never the server.
    }
}

void thread_buffered_sink::write_all(const char* data, std::size_t size) noexcept {
    while (size > 0) {
        const auto written = ::write(fd_, data, size);
        if (written < 0) {
            if (errno == EINTR) continue;
            return;  // nowhere left to report it; the lines are dropped rather than blocking the server
        }
        writes_.fetch_add(1, std::memory_order_relaxed);
        data += written;
        size -= static_cast<std::size_t>(written);
    }
}

}  // namespace outagedesk::logging
