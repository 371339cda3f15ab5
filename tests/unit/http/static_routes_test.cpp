#include "outagedesk/http/static_routes.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <random>

using outagedesk::http::static_site;
namespace fs = std::filesystem;

namespace {
struct web_tree {
    fs::path root;
    web_tree() {
        std::random_device seed;
        root = fs::temp_directory_path() / ("outagedesk-web-" + std::to_string(seed()));
        for (const char* page : {"status", "ops", "desk"}) {
            fs::create_directories(root / page);
            write(root / page / "index.html", std::string("<script type=\"module\" src=\"/assets/") + page + ".js\"></script>");
        }
        fs::create_directories(root / "assets" / "lib");
        write(root / "assets" / "status.js", "import './lib/x.js';");
        write(root / "assets" / "lib" / "x.js", "export {};");
        write(root / "assets" / ".secret.js", "hidden");
        write(root / "assets" / "notes.exe", "unknown type");
        write(root / "outside.js", "outside assets/");
        fs::create_symlink(root / "outside.js", root / "assets" / "link.js");
    }
    ~web_tree() {
        std::error_code ignored;
        fs::remove_all(root, ignored);
    }
    static void write(const fs::path& file, const std::string& text) { std::ofstream(file, std::ios::binary) << text; }
};
}  // namespace

TEST_CASE("the static site serves pages and versioned assets, nothing else", "[web]") {
    web_tree tree;
    auto site = static_site::load(tree.root);
    const auto prefix = "/assets/" + site.asset_version() + "/";
    REQUIRE(site.find("/status"));
    CHECK(site.find("/status")->body == "<script type=\"module\" src=\"" + prefix + "status.js\"></script>");
    CHECK(site.find("/status")->cache_control == "no-cache");
    REQUIRE(site.find(prefix + "status.js"));
    CHECK(site.find(prefix + "status.js")->content_type == "text/javascript; charset=utf-8");
    CHECK(site.find(prefix + "lib/x.js"));
    CHECK_FALSE(site.find(prefix + ".secret.js"));
    CHECK_FALSE(site.find(prefix + "notes.exe"));
    CHECK_FALSE(site.find(prefix + "link.js"));
    CHECK_FALSE(site.find(prefix + "lib/../status.js"));
    CHECK_FALSE(site.find("/assets/status.js"));
    CHECK_FALSE(site.find("/outside.js"));
}

TEST_CASE("the asset version changes when any asset changes", "[web]") {
    web_tree tree;
    const auto before = static_site::load(tree.root).asset_version();
    CHECK(static_site::load(tree.root).asset_version() == before);
    web_tree::write(tree.root / "assets" / "lib" / "x.js", "export const changed = 1;");
    CHECK(static_site::load(tree.root).asset_version() != before);
}

TEST_CASE("a missing page stops the load with its path named", "[web]") {
    web_tree tree;
    fs::remove(tree.root / "desk" / "index.html");
    CHECK_THROWS_WITH(static_site::load(tree.root), Catch::Contains("desk/index.html"));
}
