#include "outagedesk/service/clock.hpp"

#include <charconv>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

namespace outagedesk::service {

namespace {
constexpr std::chrono::milliseconds reread_every{100};

struct offset_source {
    std::filesystem::path file;
    std::mutex mutex;
    std::chrono::steady_clock::time_point read_at{};
    bool read_once = false;
    std::chrono::seconds offset{0};

    std::chrono::seconds current() {
        std::lock_guard lock(mutex);
        const auto now = std::chrono::steady_clock::now();
        if (read_once && now - read_at < reread_every) return offset;
        read_once = true;
        read_at = now;
        std::ifstream in(file);
        std::stringstream text;
        if (in) text << in.rdbuf();
        offset = parse_clock_offset(text.str()).value_or(std::chrono::seconds{0});
        return offset;
    }
};
}  // namespace

std::optional<std::chrono::seconds> parse_clock_offset(std::string_view text) {
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    std::int64_t seconds = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return std::chrono::seconds{seconds};
}

clock_fn offset_clock(std::filesystem::path offset_file) {
    auto source = std::make_shared<offset_source>();
    source->file = std::move(offset_file);
    auto system = system_clock();
    return [source, system] { return system() + source->current(); };
}

}  // namespace outagedesk::service
