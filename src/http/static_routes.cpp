#include "outagedesk/http/static_routes.hpp"

#include "outagedesk/http/errors.hpp"
#include "outagedesk/service/auth.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace outagedesk::http {

using beast_http::status;
using beast_http::verb;

namespace {

constexpr const char* html_cache = "no-cache";
constexpr const char* asset_cache = "public, max-age=31536000, immutable";
constexpr const char* pages[] = {"status", "ops", "desk"};

// No inline script or style anywhere, and the pages talk to this origin only.
constexpr const char* content_security_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

std::string content_type_for(const std::filesystem::path& file) {
    static const std::map<std::string, std::string> types = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".json", "application/json"},
        {".webmanifest", "application/manifest+json"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
    };
    auto it = types.find(file.extension().string());
    return it == types.end() ? std::string() : it->second;
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// A path component we are willing to put in a URL: no hidden files, no
// separators or escapes, nothing a browser or a proxy might reinterpret.
bool plain_component(const std::string& part) {
    if (part.empty() || part.front() == '.') return false;
    for (char c : part)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == '_'))
            return false;
    return part.find("..") == std::string::npos;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

bool etag_matches(std::string_view header, std::string_view etag) {
    while (!header.empty()) {
        auto comma = header.find(',');
        auto item = header.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item.starts_with("W/")) item.remove_prefix(2);
        if (item == etag || item == "*") return true;
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    }
    return false;
}

static_file make_file(std::string content_type, const char* cache_control, std::string body) {
    static_file f{std::move(content_type), cache_control, "", std::move(body)};
    f.etag = "\"" + service::sha256_hex(f.body).substr(0, 20) + "\"";
    return f;
}

}  // namespace

static_site static_site::load(const std::filesystem::path& web_root) {
    namespace fs = std::filesystem;
    static_site site;

    // Assets first: their combined hash names the version in every URL.
    std::map<std::string, std::pair<std::string, std::string>> assets;  // relative path -> (type, body)
    const fs::path asset_dir = web_root / "assets";
    if (fs::is_directory(asset_dir)) {
        for (auto it = fs::recursive_directory_iterator(asset_dir); it != fs::recursive_directory_iterator(); ++it) {
            // Symbolic links are not followed: only what really lies under web/ is served.
            if (it->is_symlink() || !it->is_regular_file()) continue;
            const fs::path relative = it->path().lexically_relative(asset_dir);
            std::string url_path;
            bool plain = true;
            for (const auto& part : relative) {
                plain = plain && plain_component(part.string());
                url_path += (url_path.empty() ? "" : "/") + part.string();
            }
            auto type = content_type_for(it->path());
            if (!plain || type.empty()) {
                spdlog::debug("web: not serving {} (hidden, unusual name or unknown type)", it->path().string());
                continue;
            }
            assets[url_path] = {std::move(type), read_file(it->path())};
        }
    }
    std::string all;
    for (const auto& [path, file] : assets) all += path + '\0' + file.second + '\0';
    site.asset_version_ = service::sha256_hex(all).substr(0, 12);
    const std::string prefix = "/assets/" + site.asset_version_ + "/";
    for (auto& [path, file] : assets)
        site.files_.emplace(prefix + path, make_file(std::move(file.first), asset_cache, std::move(file.second)));

    for (const char* page : pages) {
        const fs::path file = web_root / page / "index.html";
        if (!fs::is_regular_file(file)) throw std::runtime_error("the page " + file.string() + " is missing");
        // Pages name assets as "/assets/x.js"; they are served under the current version.
        auto body = replace_all(read_file(file), "\"/assets/", "\"" + prefix);
        site.files_.emplace(std::string("/") + page, make_file("text/html; charset=utf-8", html_cache, std::move(body)));
    }
    return site;
}

const static_file* static_site::find(std::string_view url_path) const {
    if (url_path.find("..") != std::string_view::npos || url_path.find("//") != std::string_view::npos ||
        url_path.find_first_of("%\\") != std::string_view::npos)
        return nullptr;
    auto it = files_.find(url_path);
    return it == files_.end() ? nullptr : &it->second;
}

void set_page_security_headers(response& res) {
    res.set("Content-Security-Policy", content_security_policy);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.set("X-Frame-Options", "DENY");
    res.set("Cross-Origin-Opener-Policy", "same-origin");
}

void add_static_routes(router& routes, const std::filesystem::path& web_root) {
    if (!std::filesystem::is_directory(web_root)) {
        spdlog::warn("web root {} not found: the pages /status, /ops and /desk are not served", web_root.string());
        return;
    }
    auto site = std::make_shared<const static_site>(static_site::load(web_root));
    handler serve = [site](std::shared_ptr<request_context> request, responder respond) {
        const auto* file = site->find(request->path);
        if (!file) return respond(error_response(status::not_found, "not_found", "No such resource: " + request->path));
        if (etag_matches(request->header("If-None-Match"), file->etag)) {
            response res{status::not_modified, 11};
            res.set(beast_http::field::etag, file->etag);
            res.set(beast_http::field::cache_control, file->cache_control);
            set_page_security_headers(res);
            return respond(std::move(res));
        }
        auto res = text_response(status::ok, file->content_type, file->body);
        res.set(beast_http::field::etag, file->etag);
        res.set(beast_http::field::cache_control, file->cache_control);
        set_page_security_headers(res);
        respond(std::move(res));
    };

    std::set<std::string> patterns;
    for (const char* page : pages) patterns.insert(std::string("/") + page);
    // The router matches whole segments, so one pattern per depth of the asset tree.
    for (const auto& [path, file] : site->files()) {
        if (!path.starts_with("/assets/")) continue;
        std::string pattern = "/assets/{version}";
        std::size_t depth = 0;
        for (auto at = path.find('/', 8); at != std::string::npos; at = path.find('/', at + 1))
            pattern += "/{p" + std::to_string(++depth) + "}";
        patterns.insert(pattern);
    }
    for (const auto& pattern : patterns) {
        routes.add(verb::get, pattern, {}, serve);
        routes.add(verb::head, pattern, {}, serve);
    }
    spdlog::info("web: {} files from {}, assets version {}", site->files().size(), web_root.string(),
                 site->asset_version());
}

}  // namespace outagedesk::http
