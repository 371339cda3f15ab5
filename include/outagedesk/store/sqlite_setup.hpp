#pragma once
// The process-wide set-up of the embedded SQLite, done before anything opens a
// database; the server calls it at start to report what could not be done.

namespace outagedesk::store {

// What SQLite accepts only before it initialises, which its first open (or
// registering a VFS) does: its allocation statistics off (they take a
// process-wide mutex on every sqlite3_malloc and free, which the writer and
// the readers contend for), then the page cache guard (page_cache.hpp), then
// the frame-writing VFS (frame_writes.hpp). Once per process, thread-safe;
// every connection calls it before opening. Says which of the two
// replacements are in place: the store works without them, only slower.
struct sqlite_setup {
    bool page_cache_guard = false;
    bool frame_write_vfs = false;
};
sqlite_setup prepare_sqlite();

}  // namespace outagedesk::store
