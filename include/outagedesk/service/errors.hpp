#pragma once
// Expected refusals of a use case that the HTTP boundary maps to statuses:
// not found (404), a stale version (412), a conflicting state (409).
#include <cstdint>
#include <stdexcept>
#include <string>

namespace outagedesk::service {

class not_found : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class version_mismatch : public std::runtime_error {
public:
    explicit version_mismatch(std::int64_t current)
        : std::runtime_error("The incident has changed: its version is now " + std::to_string(current) +
                             "; reload it and apply your change again."),
          current_(current) {}
    std::int64_t current() const noexcept { return current_; }

private:
    std::int64_t current_;
};

class conflict : public std::runtime_error {
public:
    conflict(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
    const std::string& code() const noexcept { return code_; }

private:
    std::string code_;
};

}  // namespace outagedesk::service
