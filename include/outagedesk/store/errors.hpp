#pragma once
// Failures of the store that callers must tell apart: the store is busy or
// out of space (answer 503 and try later), or the write queue is full.
#include <stdexcept>
#include <string>

namespace outagedesk::store {

class store_error : public std::runtime_error {
public:
    store_error(int code, const std::string& message);
    int code() const noexcept { return code_; }
    bool busy() const noexcept;
    bool disk_full() const noexcept;
    bool constraint() const noexcept;

private:
    int code_;
};

// The write queue is at its bound or the writer is stopping.
class store_overloaded : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace outagedesk::store
