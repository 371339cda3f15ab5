#include "outagedesk/config/config.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

namespace outagedesk::config {
namespace {

using nlohmann::json;

// Walks one JSON object, remembering which keys were read so that any key left
// over is reported by name.
class object_reader {
public:
    object_reader(const json& object, std::string path) : object_(object), path_(std::move(path)) {
        if (!object_.is_object()) fail(path_.empty() ? "the configuration" : path_, "must be an object");
    }

    [[noreturn]] static void fail(const std::string& key, const std::string& why) {
        throw config_error("config key '" + key + "' " + why);
    }

    std::string key(const std::string& name) const { return path_.empty() ? name : path_ + "." + name; }

    const json* find(const std::string& name) {
        seen_.insert(name);
        auto it = object_.find(name);
        return it == object_.end() ? nullptr : &*it;
    }

    void string(const std::string& name, std::string& out) {
        if (auto* v = find(name)) {
            if (!v->is_string()) fail(key(name), "must be a string");
            out = v->get<std::string>();
        }
    }

    template <typename Int>
    void integer(const std::string& name, Int& out, std::int64_t min, std::int64_t max) {
        if (auto* v = find(name)) {
            if (!v->is_number_integer()) fail(key(name), "must be an integer");
            auto n = v->get<std::int64_t>();
            if (n < min || n > max)
                fail(key(name), "must be between " + std::to_string(min) + " and " + std::to_string(max));
            out = static_cast<Int>(n);
        }
    }

    template <typename Duration>
    void duration(const std::string& name, Duration& out, std::int64_t min, std::int64_t max) {
        std::int64_t n = out.count();
        integer(name, n, min, max);
        out = Duration{n};
    }

    void number(const std::string& name, double& out, double min, double max) {
        if (auto* v = find(name)) {
            if (!v->is_number()) fail(key(name), "must be a number");
            double n = v->get<double>();
            if (!(n >= min && n <= max))
                fail(key(name), "must be between " + std::to_string(min) + " and " + std::to_string(max));
            out = n;
        }
    }

    void strings(const std::string& name, std::vector<std::string>& out) {
        if (auto* v = find(name)) {
            if (!v->is_array()) fail(key(name), "must be an array of strings");
            out.clear();
            for (const auto& item : *v) {
                if (!item.is_string()) fail(key(name), "must be an array of strings");
                out.push_back(item.get<std::string>());
            }
        }
    }

    void one_of(const std::string& name, std::string& out, const std::set<std::string>& allowed) {
        string(name, out);
        if (find(name) && !allowed.count(out)) {
            std::string list;
            for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
            fail(key(name), "must be one of: " + list);
        }
    }

    void reject_unknown() const {
        for (auto it = object_.begin(); it != object_.end(); ++it)
            if (!seen_.count(it.key())) fail(key(it.key()), "is not a known setting");
    }

private:
    const json& object_;
    std::string path_;
    std::set<std::string> seen_;
};

bool valid_clock_time(const std::string& text) {
    if (text.size() != 5 || text[2] != ':') return false;
    for (int i : {0, 1, 3, 4})
        if (text[i] < '0' || text[i] > '9') return false;
    int h = (text[0] - '0') * 10 + (text[1] - '0');
    int m = (text[3] - '0') * 10 + (text[4] - '0');
    return h < 24 && m < 60;
}

void read_http(object_reader& top, http_limits& http) {
    const json* v = top.find("http");
    if (!v) return;
    object_reader r(*v, "http");
    r.integer("max_body_bytes", http.max_body_bytes, 1024, 1ll << 30);
    r.integer("max_header_bytes", http.max_header_bytes, 1024, 1 << 20);
    r.integer("max_import_bytes", http.max_import_bytes, 1024, 1ll << 40);
    r.duration("header_read_timeout_seconds", http.header_read_timeout, 1, 3600);
    r.duration("body_read_timeout_seconds", http.body_read_timeout, 1, 3600);
    r.duration("idle_timeout_seconds", http.idle_timeout, 1, 86400);
    r.integer("max_connections", http.max_connections, 1, 1000000);
    r.integer("max_connections_per_address", http.max_connections_per_address, 1, 1000000);
    r.number("rate_limit_per_token", http.rate_limit_per_token, 0, 1e9);
    r.number("rate_burst_per_token", http.rate_burst_per_token, 1, 1e9);
    r.reject_unknown();
}

void read_store(object_reader& top, store_settings& store) {
    const json* v = top.find("store");
    if (!v) return;
    object_reader r(*v, "store");
    r.duration("busy_timeout_ms", store.busy_timeout, 0, 600000);
    r.integer("write_queue_limit", store.write_queue_limit, 1, 10000000);
    r.integer("max_batch", store.max_batch, 1, 100000);
    r.integer("checkpoint_pages", store.checkpoint_pages, 100, 1000000);
    r.integer("reader_connections", store.reader_connections, 1, 256);
    r.integer("mmap_mib", store.mmap_mib, 0, 1048576);
    r.reject_unknown();
}

void read_notify(object_reader& top, notify_settings& notify) {
    const json* v = top.find("notify");
    if (!v) return;
    object_reader r(*v, "notify");
    r.string("gateway_url", notify.gateway_url);
    if (!notify.gateway_url.empty() && notify.gateway_url.rfind("http://", 0) != 0 &&
        notify.gateway_url.rfind("https://", 0) != 0)
        object_reader::fail("notify.gateway_url", "must start with http:// or https://, or be empty to turn sending off");
    r.string("gateway_token", notify.gateway_token);
    r.number("rate_per_second", notify.rate_per_second, 0.001, 1e6);
    r.strings("on", notify.on);
    for (const auto& kind : notify.on)
        if (kind != "declared" && kind != "eta_changed" && kind != "resolved")
            object_reader::fail("notify.on", "has '" + kind + "'; must list only declared, eta_changed, resolved");
    r.one_of("min_severity", notify.min_severity, {"minor", "major", "critical"});
    if (const json* q = r.find("quiet_hours")) {
        if (q->is_null()) {
            notify.quiet.reset();
        } else {
            object_reader qr(*q, "notify.quiet_hours");
            quiet_hours hours;
            qr.string("from", hours.from);
            qr.string("to", hours.to);
            if (!valid_clock_time(hours.from)) object_reader::fail("notify.quiet_hours.from", "must be HH:MM");
            if (!valid_clock_time(hours.to)) object_reader::fail("notify.quiet_hours.to", "must be HH:MM");
            qr.reject_unknown();
            notify.quiet = hours;
        }
    }
    r.duration("timeout_ms", notify.timeout, 50, 600000);
    r.integer("max_attempts", notify.max_attempts, 1, 1000);
    r.duration("retry_base_ms", notify.retry_base, 10, 3600000);
    r.duration("retry_max_seconds", notify.retry_max, 1, 86400);
    r.integer("concurrency", notify.concurrency, 1, 64);
    r.reject_unknown();
}

void read_compensation(object_reader& top, compensation_settings& comp) {
    const json* v = top.find("compensation");
    if (!v) return;
    object_reader r(*v, "compensation");
    r.strings("rules", comp.rules);
    for (const auto& rule : comp.rules)
        if (rule != "es_rd899_2009" && rule != "uk_ofcom_acs")
            object_reader::fail("compensation.rules", "has unknown rule '" + rule + "'; known: es_rd899_2009, uk_ofcom_acs");
    r.integer("minimum_cents", comp.minimum_cents, 0, 1000000000);
    r.one_of("proration", comp.proration, {"720h", "billing_month"});
    r.integer("bundle_telephony_percent", comp.bundle_telephony_percent, 0, 100);
    r.integer("ofcom_daily_pence", comp.ofcom_daily_pence, 0, 1000000);
    r.reject_unknown();
}

void read_surge(object_reader& top, surge_settings& surge) {
    const json* v = top.find("surge");
    if (!v) return;
    object_reader r(*v, "surge");
    r.integer("prefix_length", surge.prefix_length, 1, 10);
    r.duration("window_seconds", surge.window, 10, 86400);
    r.integer("threshold", surge.threshold, 1, 1000000);
    r.number("baseline_multiple", surge.baseline_multiple, 0, 1000);
    r.reject_unknown();
}

void read_push(object_reader& top, push_settings& push) {
    const json* v = top.find("push");
    if (!v) return;
    object_reader r(*v, "push");
    r.integer("max_queue", push.max_queue, 1, 1000000);
    r.duration("heartbeat_seconds", push.heartbeat, 1, 3600);
    r.duration("write_timeout_seconds", push.write_timeout, 1, 3600);
    r.reject_unknown();
}

void read_webhooks(object_reader& top, webhook_settings& hooks) {
    const json* v = top.find("webhooks");
    if (!v) return;
    object_reader r(*v, "webhooks");
    r.duration("timeout_ms", hooks.timeout, 50, 600000);
    r.integer("max_attempts", hooks.max_attempts, 1, 1000);
    r.duration("retry_base_ms", hooks.retry_base, 10, 3600000);
    r.duration("retry_max_seconds", hooks.retry_max, 1, 86400);
    if (const json* allow = r.find("allow_private_targets")) {
        if (!allow->is_boolean()) object_reader::fail("webhooks.allow_private_targets", "must be true or false");
        hooks.allow_private_targets = allow->get<bool>();
    }
    r.string("ca_file", hooks.ca_file);
    r.reject_unknown();
}

// Only the shape is checked here; whether the files can be read, parse and
// match is found when the server loads them (http::make_tls_context).
void read_tls(object_reader& top, const std::filesystem::path& base_dir, std::optional<tls_settings>& tls) {
    const json* v = top.find("tls");
    if (!v || v->is_null()) return;
    object_reader r(*v, "tls");
    tls_settings files;
    for (auto [name, out] : {std::pair{"certificate_file", &files.certificate_file},
                             std::pair{"private_key_file", &files.private_key_file}}) {
        std::string path;
        r.string(name, path);
        if (path.empty()) object_reader::fail(r.key(name), "must name a PEM file");
        *out = std::filesystem::path(path).is_absolute() ? std::filesystem::path(path) : base_dir / path;
    }
    r.reject_unknown();
    tls = std::move(files);
}

}  // namespace

listen_address parse_listen_address(const std::string& text, const std::string& key) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
        throw config_error("config key '" + key + "' must be HOST:PORT, e.g. 127.0.0.1:8080");
    listen_address address;
    address.host = text.substr(0, colon);
    if (address.host.size() > 2 && address.host.front() == '[' && address.host.back() == ']')
        address.host = address.host.substr(1, address.host.size() - 2);
    const std::string port = text.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(port) > 65535)
        throw config_error("config key '" + key + "' has a bad port '" + port + "' (0 to 65535)");
    address.port = static_cast<std::uint16_t>(std::stoul(port));
    return address;
}

settings parse_settings(const std::string& json_text, const std::filesystem::path& base_dir) {
    json doc;
    try {
        doc = json::parse(json_text);
    } catch (const json::parse_error& e) {
        throw config_error(std::string("the configuration is not valid JSON: ") + e.what());
    }
    settings s;
    object_reader r(doc, "");
    std::string listen;
    r.string("listen", listen);
    if (!listen.empty() || r.find("listen")) s.listen = parse_listen_address(listen, "listen");
    read_tls(r, base_dir, s.tls);
    std::string database = s.database.string();
    r.string("database", database);
    if (database.empty()) object_reader::fail("database", "must not be empty");
    s.database = database;
    r.integer("threads", s.threads, 1, 256);
    r.integer("lookup_threads", s.lookup_threads, 0, 256);
    r.string("timezone", s.timezone);
    if (s.timezone.empty() || s.timezone.find("..") != std::string::npos || s.timezone.front() == '/')
        object_reader::fail("timezone", "must be an IANA zone name such as Europe/Madrid");
    r.string("default_language", s.default_language);
    if (s.default_language.size() < 2 || s.default_language.size() > 3)
        object_reader::fail("default_language", "must be a language code such as es or en");
    r.string("default_country_code", s.default_country_code);
    if (s.default_country_code.empty() || s.default_country_code.size() > 3 ||
        s.default_country_code.find_first_not_of("0123456789") != std::string::npos)
        object_reader::fail("default_country_code", "must be 1 to 3 digits, e.g. 34");
    r.one_of("log_level", s.log_level, {"trace", "debug", "info", "warn", "error", "critical", "off"});
    std::string templates = "templates";
    r.string("templates_dir", templates);
    s.templates_dir = std::filesystem::path(templates).is_absolute() ? std::filesystem::path(templates)
                                                                     : base_dir / templates;
    std::string web_root = s.web_root.string();
    r.string("web_root", web_root);
    if (web_root.empty()) object_reader::fail("web_root", "must not be empty");
    s.web_root = web_root;
    read_http(r, s.http);
    read_store(r, s.store);
    read_notify(r, s.notify);
    read_compensation(r, s.compensation);
    read_surge(r, s.surge);
    read_push(r, s.push);
    read_webhooks(r, s.webhooks);
    std::int64_t owner_days = s.owner_period.count() / 24;
    r.integer("owner_days", owner_days, 1, 3650);
    s.owner_period = std::chrono::hours{owner_days * 24};
    std::int64_t retention_days = s.event_retention.count() / 24;
    r.integer("event_retention_days", retention_days, 1, 3650);
    s.event_retention = std::chrono::hours{retention_days * 24};
    r.reject_unknown();
    return s;
}

settings load_settings(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw config_error("cannot read the configuration file " + file.string());
    std::stringstream buffer;
    buffer << in.rdbuf();
    return parse_settings(buffer.str(), file.has_parent_path() ? file.parent_path() : std::filesystem::path("."));
}

}  // namespace outagedesk::config
