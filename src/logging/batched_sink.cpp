#include "outagedesk/logging/batched_sink.hpp"

#include <cerrno>
#include <unistd.h>

namespace outagedesk::logging {

batched_sink::batched_sink(int fd, std::function<std::size_t()> lines_waiting, std::size_t buffer_limit)
    : fd_(fd), lines_waiting_(std::move(lines_waiting)), buffer_limit_(buffer_limit) {
    buffer_.reserve(buffer_limit_ + 1024);
}

batched_sink::~batched_sink() {
    std::lock_guard lock(mutex_);
    write_out();
}

void batched_sink::sink_it_(const spdlog::details::log_msg& msg) {
    formatter_->format(msg, buffer_);
    if (buffer_.size() >= buffer_limit_ || msg.level >= spdlog::level::err || !lines_waiting_ || lines_waiting_() == 0)
        write_out();
}

void batched_sink::flush_() { write_out(); }

void batched_sink::write_out() noexcept {
    const char* next = buffer_.data();
    std::size_t left = buffer_.size();
    while (left > 0) {
        const auto written = ::write(fd_, next, left);
        if (written < 0) {
            if (errno == EINTR) continue;
            break;  // nowhere left to report it; the lines are dropped rather than blocking the server
        }
        writes_.fetch_add(1, std::memory_order_relaxed);
        next += written;
        left -= static_cast<std::size_t>(written);
    }
    buffer_.clear();
}

}  // namespace outagedesk::logging
