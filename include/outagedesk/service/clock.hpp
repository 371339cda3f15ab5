#pragma once
// A clock that tests can move: system time plus an offset in seconds read
// from a file, so that a test can make fourteen days pass, or a callback go
// overdue, in a running server. Selected in main only when the environment
// variable OUTAGEDESK_CLOCK_OFFSET_FILE names such a file; production uses
// system_clock(). It never writes the file and never blocks for long: the
// file is re-read at most every 100 ms, and a missing or unreadable file
// means an offset of 0.
#include "outagedesk/service/events.hpp"

#include <filesystem>
#include <optional>
#include <string_view>

namespace outagedesk::service {

inline constexpr const char* clock_offset_variable = "OUTAGEDESK_CLOCK_OFFSET_FILE";

clock_fn offset_clock(std::filesystem::path offset_file);
// The file's content: optional whitespace, an optionally signed integer of
// seconds, optional whitespace; nullopt for anything else.
std::optional<std::chrono::seconds> parse_clock_offset(std::string_view text);

}  // namespace outagedesk::service
