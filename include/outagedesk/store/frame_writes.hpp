#pragma once
// A VFS over SQLite's default one that writes a transaction's write-ahead-log
// frames with one system call instead of two per frame.
//
// Why: SQLite writes a frame as its 24-byte header and then its page, two
// pwrite(2) calls at adjacent offsets, and a commit of a batch of contacts
// writes dozens of frames; a system call is costly on the virtual machines
// this runs on (it was 15 % of the writer thread with one call per frame).
// The VFS gathers the consecutive frames a transaction appends to the log
// and writes them when its commit frame (the one whose header names the
// database size) arrives, before SQLite makes the commit visible to readers,
// or when nearly 128 KiB are waiting (the most the unix VFS writes at once).
// Only writes at the log's end are gathered: SQLite rewriting a header or a
// page earlier in the log is written through at once. Any other call on the
// log (a read, a sync, a lock, a close) first writes what is gathered, so the
// file sees the same bytes in the same order and an error is reported before
// anything else happens. Files other than write-ahead logs are SQLite's own,
// untouched.
#include <cstdint>

namespace outagedesk::store {

// Idempotent and thread-safe; prepare_sqlite() (sqlite.hpp) calls it after the
// settings that must precede SQLite's initialisation, which registering a VFS
// performs. Returns whether the VFS is the default.
bool install_frame_write_vfs();

// Frames written whole, over every log of the process: for tests.
std::uint64_t frames_written_whole();
// Writes made to logs through the VFS, over every log of the process: for tests.
std::uint64_t log_write_calls();

}  // namespace outagedesk::store
