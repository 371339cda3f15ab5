#pragma once
// The pages people use — /status, /ops, /desk — and their assets, served
// from web/. Every file is read once at start into memory and looked up by
// its exact URL path, so a request can never reach the file system: `..`,
// encoded dots or any path not loaded at start is a plain 404.
// HTML answers `no-cache`; assets live under /assets/<version>/…, <version>
// being a hash of every asset together, and are cached a year, immutable.
// Every answer carries a strict Content-Security-Policy (no inline script or
// style, connections to this origin only), nosniff and a Referrer-Policy.
// This module must never serve a file that was not under web/ at start.
#include "outagedesk/http/router.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace outagedesk::http {

struct static_file {
    std::string content_type;
    std::string cache_control;
    std::string etag;  // quoted
    std::string body;
};

class static_site {
public:
    // Reads web_root/{status,ops,desk}/index.html and everything under
    // web_root/assets/. Throws std::runtime_error when a page is missing.
    static static_site load(const std::filesystem::path& web_root);

    // The file for a URL path such as "/ops" or "/assets/<version>/ops.js".
    const static_file* find(std::string_view url_path) const;
    const std::string& asset_version() const noexcept { return asset_version_; }
    const std::map<std::string, static_file, std::less<>>& files() const noexcept { return files_; }

private:
    std::map<std::string, static_file, std::less<>> files_;
    std::string asset_version_;
};

// The security headers every page and asset carries.
void set_page_security_headers(response& res);
// GET and HEAD for the pages and assets. When web_root does not exist the
// pages are not served (the API still is) and a warning is logged.
void add_static_routes(router& routes, const std::filesystem::path& web_root);

}  // namespace outagedesk::http
