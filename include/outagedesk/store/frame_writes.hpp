#pragma once
// A VFS over SQLite's default one that writes each write-ahead-log frame with
// one system call instead of two.
//
// Why: SQLite writes a frame as its 24-byte header and then its page, two
// pwrite(2) calls at adjacent offsets; a contact dirties four or five pages,
// so the writer thread made ~10 pwrites per contact, and a system call is
// costly on the virtual machines this runs on. The VFS holds a frame header
// back until the page that follows it arrives and writes both at once. Any
// other call on the log (a read, a sync, a lock, a close, a write elsewhere)
// first writes what is held, in order, so the file sees the same bytes in
// the same order and an error is reported before anything else happens.
// Files other than write-ahead logs are SQLite's own, untouched.
#include <cstdint>

namespace outagedesk::store {

// Idempotent and thread-safe; installs the page cache guard first (it must
// precede SQLite's initialisation, which registering a VFS performs).
// Returns whether the VFS is the default.
bool install_frame_write_vfs();

// Frames written whole, over every log of the process: for tests.
std::uint64_t frames_written_whole();

}  // namespace outagedesk::store
