#include "outagedesk/service/startup.hpp"

#include "outagedesk/config/config.hpp"
#include "outagedesk/domain/errors.hpp"
#include "outagedesk/service/incident_json.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace outagedesk::service {

namespace {
std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw config::config_error("cannot read " + path.string());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}
}  // namespace

domain::time_zone load_time_zone(const std::string& name) {
    if (name == "UTC" || name == "Etc/UTC") return domain::time_zone::utc();
    const char* tzdir = std::getenv("TZDIR");
    std::filesystem::path file = std::filesystem::path(tzdir && *tzdir ? tzdir : "/usr/share/zoneinfo") / name;
    try {
        return domain::time_zone::from_tzif(name, read_file(file));
    } catch (const std::invalid_argument& e) {
        throw config::config_error("config key 'timezone': " + file.string() + " is not a time zone file (" + e.what() + ")");
    } catch (const config::config_error&) {
        throw config::config_error("config key 'timezone': unknown zone '" + name + "' (no " + file.string() +
                                   "; is tzdata installed?)");
    }
}

std::map<std::string, domain::incident_template> load_templates(const std::filesystem::path& dir) {
    std::map<std::string, domain::incident_template> out;
    if (!std::filesystem::is_directory(dir)) return out;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".json") continue;
        const auto where = entry.path().string();
        try {
            auto doc = nlohmann::json::parse(read_file(entry.path()));
            domain::incident_template t;
            t.name = entry.path().stem().string();
            t.title = doc.value("title", "");
            auto level = domain::parse_severity(doc.value("severity", "major"));
            if (!level) throw domain::invalid_input("severity", "severity must be minor, major or critical");
            t.level = *level;
            t.services = domain::parse_services(doc.value("services", std::vector<std::string>{}), "services");
            if (doc.contains("messages")) t.messages = parse_messages(doc["messages"], "messages");
            for (auto it = doc.begin(); it != doc.end(); ++it)
                if (it.key() != "title" && it.key() != "severity" && it.key() != "services" && it.key() != "messages" &&
                    it.key() != "description")
                    throw domain::invalid_input(it.key(), "unknown field " + it.key());
            out.emplace(t.name, std::move(t));
        } catch (const domain::invalid_input& e) {
            throw config::config_error("template " + where + ": " + e.what());
        } catch (const nlohmann::json::exception& e) {
            throw config::config_error("template " + where + ": " + e.what());
        }
    }
    return out;
}

}  // namespace outagedesk::service
