// The pages and their assets, served by the real binary from the source tree's web/.
#include "support/server_process.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <vector>

using outagedesk::test::server_process;

namespace {
std::string asset_url(const std::string& html, const std::string& file) {
    std::smatch found;
    const std::regex pattern("\"(/assets/[0-9a-f]+/" + file + ")\"");
    REQUIRE(std::regex_search(html, found, pattern));
    return found[1];
}
}  // namespace

TEST_CASE("the three pages are served as HTML with a strict policy and no-cache", "[integration][web]") {
    server_process server;
    server.start();
    for (const char* page : {"/status", "/ops", "/desk"}) {
        auto res = server.request("GET", page);
        INFO(page);
        CHECK(res.status == 200);
        CHECK(res.header("content-type") == "text/html; charset=utf-8");
        CHECK(res.header("cache-control") == "no-cache");
        CHECK_FALSE(res.header("etag").empty());
        const auto csp = res.header("content-security-policy");
        CHECK_THAT(csp, Catch::Contains("default-src 'self'"));
        CHECK_THAT(csp, Catch::Contains("script-src 'self'"));
        CHECK_THAT(csp, Catch::Contains("style-src 'self'"));
        CHECK_THAT(csp, Catch::Contains("connect-src 'self'"));
        CHECK_THAT(csp, !Catch::Contains("unsafe-inline") && !Catch::Contains("unsafe-eval"));
        CHECK(res.header("x-content-type-options") == "nosniff");
        CHECK(res.header("referrer-policy") == "no-referrer");
        // Nothing inline for the policy to refuse.
        CHECK_THAT(res.body, !Catch::Contains("<script>") && !Catch::Contains("style=") && !Catch::Contains("<style"));
    }
}

TEST_CASE("assets are versioned, cached for a year and revalidate with their ETag", "[integration][web]") {
    server_process server;
    server.start();
    auto page = server.request("GET", "/ops");
    const auto script = asset_url(page.body, "ops\\.js");
    const auto style = asset_url(page.body, "app\\.css");
    auto js = server.request("GET", script);
    CHECK(js.status == 200);
    CHECK(js.header("content-type") == "text/javascript; charset=utf-8");
    CHECK(js.header("cache-control") == "public, max-age=31536000, immutable");
    CHECK(js.header("x-content-type-options") == "nosniff");
    CHECK(server.request("GET", style).header("content-type") == "text/css; charset=utf-8");
    auto again = server.request("GET", script, "", {{"If-None-Match", js.header("etag")}});
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    auto head = server.request("HEAD", "/status");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    // Another version of the same file is not this one: 404, never a stale copy cached for a year.
    CHECK(server.request("GET", std::regex_replace(script, std::regex("/assets/[0-9a-f]+/"), "/assets/0000/")).status == 404);
}

TEST_CASE("no request path reaches outside web/ or a file not loaded at start", "[integration][web]") {
    server_process server;
    server.start();
    auto page = server.request("GET", "/desk");
    const auto script = asset_url(page.body, "desk\\.js");
    const auto folder = script.substr(0, script.rfind('/') + 1);
    const std::vector<std::string> targets = {
        "/assets/../../etc/passwd", folder + "../../config/outagedesk.json", folder + "..%2f..%2fCMakeLists.txt",
        folder + "%2e%2e/desk.js", folder + ".%2e/x", "/status/../ops", "/status/index.html", "/web/status/index.html",
        folder + "desk.js/", folder + "nope.js", "/assets/app.css", "//etc/passwd"};
    for (const auto& target : targets) {
        INFO(target);
        auto res = server.request("GET", target);
        CHECK(res.status == 404);
        CHECK(res.json()["error"]["code"] == "not_found");
    }
    CHECK(server.request("GET", "/v1/no-such-thing").json()["error"]["code"] == "not_found");
}

TEST_CASE("without a web root the API still runs and the pages are 404", "[integration][web]") {
    server_process server(nlohmann::json{{"web_root", "/nonexistent/outagedesk-web"}});
    server.start();
    CHECK(server.request("GET", "/healthz").status == 200);
    CHECK(server.request("GET", "/status").status == 404);
    CHECK_THAT(server.log(), Catch::Contains("web root /nonexistent/outagedesk-web not found"));
}
