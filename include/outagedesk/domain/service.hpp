#pragma once
// The services an incident can hit and a customer can subscribe to, and the
// rule that decides whether one touches the other. A set of services is one
// byte so that matching a million customers against an incident costs a mask
// test each. Pure: it must never do I/O, and it knows nothing of JSON or SQL
// beyond the canonical names it parses and prints.
#include <array>
#include <bit>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outagedesk::domain {

// The declaration order is the canonical order of lists and the bit order of
// service_set::bits(); stored data depends on it, so only ever append.
enum class service : std::uint8_t { mobile_voice, mobile_data, fixed_voice, broadband, tv };

inline constexpr std::array<service, 5> all_services = {
    service::mobile_voice, service::mobile_data, service::fixed_voice, service::broadband,
    service::tv};

std::string_view service_name(service s) noexcept;
std::optional<service> service_from_name(std::string_view name) noexcept;

class service_set {
public:
    constexpr service_set() noexcept = default;
    constexpr service_set(std::initializer_list<service> services) noexcept {
        for (service s : services) insert(s);
    }

    // Bits outside the known services are dropped, so a value read back from
    // storage can never claim a service that does not exist.
    static constexpr service_set from_bits(std::uint8_t bits) noexcept {
        service_set set;
        set.bits_ = static_cast<std::uint8_t>(bits & known_bits_);
        return set;
    }
    constexpr std::uint8_t bits() const noexcept { return bits_; }

    constexpr bool contains(service s) const noexcept { return (bits_ & bit(s)) != 0; }
    constexpr void insert(service s) noexcept { bits_ = static_cast<std::uint8_t>(bits_ | bit(s)); }
    constexpr void erase(service s) noexcept {
        bits_ = static_cast<std::uint8_t>(bits_ & ~bit(s));
    }
    constexpr bool empty() const noexcept { return bits_ == 0; }
    constexpr std::size_t size() const noexcept {
        return static_cast<std::size_t>(std::popcount(bits_));
    }
    constexpr bool overlaps(service_set other) const noexcept { return (bits_ & other.bits_) != 0; }

    // Members in canonical order.
    std::vector<service> members() const;
    std::vector<std::string> names() const;

    friend constexpr bool operator==(const service_set&, const service_set&) noexcept = default;

private:
    static constexpr std::uint8_t bit(service s) noexcept {
        return static_cast<std::uint8_t>(1u << static_cast<unsigned>(s));
    }
    static constexpr std::uint8_t known_bits_ = (1u << all_services.size()) - 1;

    std::uint8_t bits_ = 0;
};

// One name → a set holding that service; nullopt for an unknown name.
std::optional<service_set> parse_service(std::string_view name);

// A client's list → a set. An unknown or repeated name throws invalid_input
// naming the entry ("services[1]") and listing the valid names.
service_set parse_services(const std::vector<std::string>& names, const std::string& field);

// An empty list means "not stated" for a customer and "every service" for an
// incident; either way it cannot rule the customer out.
constexpr bool customer_affected(service_set customer_services,
                                 service_set incident_services) noexcept {
    return customer_services.empty() || incident_services.empty() ||
           customer_services.overlaps(incident_services);
}

// Compensation rules (e.g. RD 899/2009) treat these two families differently.
constexpr bool is_telephony(service s) noexcept {
    return s == service::fixed_voice || s == service::mobile_voice;
}
constexpr bool is_internet_access(service s) noexcept {
    return s == service::broadband || s == service::mobile_data;
}

}  // namespace outagedesk::domain
