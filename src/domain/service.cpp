#include "outagedesk/domain/service.hpp"

#include "outagedesk/domain/errors.hpp"

namespace outagedesk::domain {
namespace {

constexpr std::array<std::string_view, all_services.size()> service_names = {
    "mobile_voice", "mobile_data", "fixed_voice", "broadband", "tv"};

std::string valid_names() {
    std::string out;
    for (std::string_view name : service_names) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

// Echoes what the client sent without letting a huge entry bloat the error.
std::string in_quotes(std::string_view text) {
    constexpr std::size_t max_echo = 40;
    if (text.size() <= max_echo) return "'" + std::string(text) + "'";
    return "'" + std::string(text.substr(0, max_echo)) + "...'";
}

}  // namespace

std::string_view service_name(service s) noexcept {
    return service_names[static_cast<std::size_t>(s)];
}

std::optional<service> service_from_name(std::string_view name) noexcept {
    for (service s : all_services) {
        if (service_name(s) == name) return s;
    }
    return std::nullopt;
}

std::vector<service> service_set::members() const {
    std::vector<service> out;
    out.reserve(size());
    for (service s : all_services) {
        if (contains(s)) out.push_back(s);
    }
    return out;
}

std::vector<std::string> service_set::names() const {
    std::vector<std::string> out;
    out.reserve(size());
    for (service s : all_services) {
        if (contains(s)) out.emplace_back(service_name(s));
    }
    return out;
}

std::optional<service_set> parse_service(std::string_view name) {
    if (auto s = service_from_name(name)) return service_set{*s};
    return std::nullopt;
}

service_set parse_services(const std::vector<std::string>& names, const std::string& field) {
    service_set set;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string entry = field + "[" + std::to_string(i) + "]";
        auto s = service_from_name(names[i]);
        if (!s) {
            throw invalid_input(entry, entry + ": unknown service " + in_quotes(names[i]) +
                                           " (valid: " + valid_names() + ")");
        }
        if (set.contains(*s)) {
            throw invalid_input(entry, entry + ": " + in_quotes(names[i]) +
                                           " is listed twice; name each of " + valid_names() +
                                           " at most once");
        }
        set.insert(*s);
    }
    return set;
}

}  // namespace outagedesk::domain
