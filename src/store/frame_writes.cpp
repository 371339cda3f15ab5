#include "outagedesk/store/frame_writes.hpp"


#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

namespace outagedesk::store {

namespace {
constexpr int frame_header_size = 24;  // WAL_FRAME_HDRSIZE in SQLite's wal.c
constexpr int log_header_size = 32;    // WAL_HDRSIZE: written at offset 0 when the log (re)starts
// The unix VFS writes at most 0x1ffff bytes per call (it masks the count and
// reports anything longer as a full disk), so what is gathered stays below.
constexpr std::size_t pending_limit = 0x1ffff;

sqlite3_vfs* base_vfs = nullptr;
std::atomic<std::uint64_t> whole_frames{0};
std::atomic<std::uint64_t> log_writes{0};

// What the VFS keeps per open log, placed after the base VFS's own file
// object, so a file that is not a log is the base VFS's file unchanged.
struct log_state {
    const sqlite3_io_methods* base_methods = nullptr;
    // Bytes for the log at `pending_offset`: whole frames, then possibly a
    // header whose page has not come yet.
    std::vector<unsigned char> pending;
    sqlite3_int64 pending_offset = 0;
    bool header_last = false;    // the last 24 pending bytes are a header
    bool commit_header = false;  // ... of a transaction's commit frame
    // Where the next frame appended to the log goes. Only a header written
    // there starts a frame that SQLite completes with its page at once; a
    // header rewritten earlier in the log (new checksums after a page of the
    // transaction was overwritten) must not wait for a page that never comes.
    sqlite3_int64 log_end = 0;
};

int base_file_size() { return (base_vfs->szOsFile + 15) / 16 * 16; }

log_state& state_of(sqlite3_file* file) {
    return *reinterpret_cast<log_state*>(reinterpret_cast<char*>(file) + base_file_size());
}

int write_held(sqlite3_file* file) {
    auto& s = state_of(file);
    if (s.pending.empty()) return SQLITE_OK;
    log_writes.fetch_add(1, std::memory_order_relaxed);
    const int rc = s.base_methods->xWrite(file, s.pending.data(), static_cast<int>(s.pending.size()), s.pending_offset);
    s.pending.clear();
    s.header_last = false;
    return rc;
}

// A frame's header names the database size after the commit in bytes 4–7,
// and zero for every frame but a transaction's last.
bool is_commit_header(const unsigned char* header) { return (header[4] | header[5] | header[6] | header[7]) != 0; }

bool append(log_state& s, const void* data, int amount) {
    if (s.pending.size() + static_cast<std::size_t>(amount) > pending_limit) return false;
    try {
        if (s.pending.capacity() == 0) s.pending.reserve(pending_limit);
        const auto* bytes = static_cast<const unsigned char*>(data);
        s.pending.insert(s.pending.end(), bytes, bytes + amount);
        return true;
    } catch (const std::bad_alloc&) {
        return false;
    }
}

int log_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
    auto& s = state_of(file);
    if (offset == 0 && amount == log_header_size) s.log_end = 0;  // the log starts over
    const auto end = offset + amount;
    const bool appends = offset >= s.log_end;
    if (appends) s.log_end = end;
    const bool follows = !s.pending.empty() && offset == s.pending_offset + static_cast<sqlite3_int64>(s.pending.size());
    const bool header = amount == frame_header_size;
    if (follows && s.header_last && !header) {
        // The page of the held header: the frame is whole. A commit frame
        // goes out with every frame before it, so the transaction is in the
        // log (and any error reported) before SQLite publishes it to readers.
        if (append(s, data, amount)) {
            s.header_last = false;
            whole_frames.fetch_add(1, std::memory_order_relaxed);
            if (s.commit_header) return write_held(file);
            return SQLITE_OK;
        }
    } else if (follows && !s.header_last && header && appends) {
        if (append(s, data, amount)) {
            s.header_last = true;
            s.commit_header = is_commit_header(static_cast<const unsigned char*>(data));
            return SQLITE_OK;
        }
    }
    if (int rc = write_held(file); rc != SQLITE_OK) return rc;
    if (header && appends && append(s, data, amount)) {
        s.pending_offset = offset;
        s.header_last = true;
        s.commit_header = is_commit_header(static_cast<const unsigned char*>(data));
        return SQLITE_OK;
    }
    log_writes.fetch_add(1, std::memory_order_relaxed);
    return s.base_methods->xWrite(file, data, amount, offset);
}

// Every other method writes what is held, then does what the base VFS does.
int log_close(sqlite3_file* file) {
    auto& s = state_of(file);
    const int held = write_held(file);
    const auto* methods = s.base_methods;
    s.~log_state();
    const int rc = methods->xClose(file);
    return held != SQLITE_OK ? held : rc;
}
int log_read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
    if (int rc = write_held(file); rc != SQLITE_OK) return rc;
    return state_of(file).base_methods->xRead(file, out, amount, offset);
}
int log_truncate(sqlite3_file* file, sqlite3_int64 size) {
    if (int rc = write_held(file); rc != SQLITE_OK) return rc;
    if (state_of(file).log_end > size) state_of(file).log_end = size;
    return state_of(file).base_methods->xTruncate(file, size);
}
int log_sync(sqlite3_file* file, int flags) {
    if (int rc = write_held(file); rc != SQLITE_OK) return rc;
    return state_of(file).base_methods->xSync(file, flags);
}
int log_file_size(sqlite3_file* file, sqlite3_int64* size) {
    if (int rc = write_held(file); rc != SQLITE_OK) return rc;
    return state_of(file).base_methods->xFileSize(file, size);
}
int log_lock(sqlite3_file* file, int level) {
    if (int rc = write_held(file); rc != SQLITE_OK) return rc;
    return state_of(file).base_methods->xLock(file, level);
}
int log_unlock(sqlite3_file* file, int level) {
    if (int rc = write_held(file); rc != SQLITE_OK) return rc;
    return state_of(file).base_methods->xUnlock(file, level);
}
int log_check_reserved_lock(sqlite3_file* file, int* out) {
    if (int rc = write_held(file); rc != SQLITE_OK) return rc;
    return state_of(file).base_methods->xCheckReservedLock(file, out);
}
int log_file_control(sqlite3_file* file, int op, void* arg) {
    if (int rc = write_held(file); rc != SQLITE_OK) return rc;
    return state_of(file).base_methods->xFileControl(file, op, arg);
}
int log_sector_size(sqlite3_file* file) { return state_of(file).base_methods->xSectorSize(file); }
int log_device_characteristics(sqlite3_file* file) { return state_of(file).base_methods->xDeviceCharacteristics(file); }
int log_shm_map(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
    if (int rc = write_held(file); rc != SQLITE_OK) return rc;
    return state_of(file).base_methods->xShmMap(file, region, size, extend, out);
}
int log_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
    if (int rc = write_held(file); rc != SQLITE_OK) return rc;
    return state_of(file).base_methods->xShmLock(file, offset, n, flags);
}
void log_shm_barrier(sqlite3_file* file) {
    write_held(file);  // a barrier has no way to report; the next call will
    state_of(file).base_methods->xShmBarrier(file);
}
int log_shm_unmap(sqlite3_file* file, int delete_flag) {
    if (int rc = write_held(file); rc != SQLITE_OK) return rc;
    return state_of(file).base_methods->xShmUnmap(file, delete_flag);
}
int log_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
    if (int rc = write_held(file); rc != SQLITE_OK) return rc;
    return state_of(file).base_methods->xFetch(file, offset, amount, out);
}
int log_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
    if (int rc = write_held(file); rc != SQLITE_OK) return rc;
    return state_of(file).base_methods->xUnfetch(file, offset, page);
}

const sqlite3_io_methods log_methods = {
    3,           log_close,        log_read,         log_write,     log_truncate,
    log_sync,    log_file_size,    log_lock,         log_unlock,    log_check_reserved_lock,
    log_file_control, log_sector_size, log_device_characteristics, log_shm_map, log_shm_lock,
    log_shm_barrier,  log_shm_unmap,   log_fetch,        log_unfetch,
};

int open_file(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
    const int rc = base_vfs->xOpen(base_vfs, name, file, flags, out_flags);
    if (rc != SQLITE_OK || !(flags & SQLITE_OPEN_WAL) || !file->pMethods || file->pMethods->iVersion < 3) return rc;
    auto* state = new (reinterpret_cast<char*>(file) + base_file_size()) log_state;
    state->base_methods = file->pMethods;
    file->pMethods = &log_methods;
    return rc;
}

int delete_file(sqlite3_vfs*, const char* name, int sync_dir) { return base_vfs->xDelete(base_vfs, name, sync_dir); }
int access(sqlite3_vfs*, const char* name, int flags, int* out) { return base_vfs->xAccess(base_vfs, name, flags, out); }
int full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
    return base_vfs->xFullPathname(base_vfs, name, size, out);
}
void* dl_open(sqlite3_vfs*, const char* name) { return base_vfs->xDlOpen(base_vfs, name); }
void dl_error(sqlite3_vfs*, int size, char* out) { base_vfs->xDlError(base_vfs, size, out); }
void (*dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) { return base_vfs->xDlSym(base_vfs, handle, symbol); }
void dl_close(sqlite3_vfs*, void* handle) { base_vfs->xDlClose(base_vfs, handle); }
int randomness(sqlite3_vfs*, int size, char* out) { return base_vfs->xRandomness(base_vfs, size, out); }
int sleep_for(sqlite3_vfs*, int microseconds) { return base_vfs->xSleep(base_vfs, microseconds); }
int current_time(sqlite3_vfs*, double* out) { return base_vfs->xCurrentTime(base_vfs, out); }
int last_error(sqlite3_vfs*, int size, char* out) { return base_vfs->xGetLastError(base_vfs, size, out); }
int current_time_int64(sqlite3_vfs*, sqlite3_int64* out) { return base_vfs->xCurrentTimeInt64(base_vfs, out); }
int set_system_call(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr call) {
    return base_vfs->xSetSystemCall(base_vfs, name, call);
}
sqlite3_syscall_ptr get_system_call(sqlite3_vfs*, const char* name) { return base_vfs->xGetSystemCall(base_vfs, name); }
const char* next_system_call(sqlite3_vfs*, const char* name) { return base_vfs->xNextSystemCall(base_vfs, name); }

sqlite3_vfs frame_vfs{};

bool install() {
    base_vfs = sqlite3_vfs_find(nullptr);
    // Every method below is forwarded as is; an older base VFS lacks some.
    if (!base_vfs || base_vfs->iVersion < 3) return false;
    frame_vfs.iVersion = 3;
    frame_vfs.szOsFile = base_file_size() + static_cast<int>(sizeof(log_state));
    frame_vfs.mxPathname = base_vfs->mxPathname;
    frame_vfs.zName = "outagedesk-frames";
    frame_vfs.xOpen = open_file;
    frame_vfs.xDelete = delete_file;
    frame_vfs.xAccess = access;
    frame_vfs.xFullPathname = full_pathname;
    frame_vfs.xDlOpen = dl_open;
    frame_vfs.xDlError = dl_error;
    frame_vfs.xDlSym = dl_sym;
    frame_vfs.xDlClose = dl_close;
    frame_vfs.xRandomness = randomness;
    frame_vfs.xSleep = sleep_for;
    frame_vfs.xCurrentTime = current_time;
    frame_vfs.xGetLastError = last_error;
    frame_vfs.xCurrentTimeInt64 = current_time_int64;
    frame_vfs.xSetSystemCall = set_system_call;
    frame_vfs.xGetSystemCall = get_system_call;
    frame_vfs.xNextSystemCall = next_system_call;
    return sqlite3_vfs_register(&frame_vfs, 1) == SQLITE_OK;
}
}  // namespace

bool install_frame_write_vfs() {
    static std::once_flag once;
    static bool installed = false;
    std::call_once(once, [] { installed = install(); });
    return installed;
}

std::uint64_t frames_written_whole() { return whole_frames.load(std::memory_order_relaxed); }

std::uint64_t log_write_calls() { return log_writes.load(std::memory_order_relaxed); }

}  // namespace outagedesk::store
