#pragma once
// Errors that domain code raises for input a client got wrong. The HTTP
// boundary maps them once to the contract's JSON error (422 invalid_field);
// nothing here knows about HTTP.
#include <stdexcept>
#include <string>
#include <utility>

namespace outagedesk::domain {

// A field of a request that cannot be accepted. `field` names it the way the
// client wrote it ("areas[2]", "messages.es.ivr"); `what()` says why in words.
class invalid_input : public std::runtime_error {
public:
    invalid_input(std::string field, const std::string& message)
        : std::runtime_error(message), field_(std::move(field)) {}
    const std::string& field() const noexcept { return field_; }

private:
    std::string field_;
};

}  // namespace outagedesk::domain
