#pragma once
// Maps a request to a handler by method and path pattern ("/v1/incidents/{id}"),
// checks the caller's role before anything else, and turns every failure into
// the contract's JSON error. It also writes the access log line and the
// request metrics, once, when the response goes out. Testable without sockets.
#include "outagedesk/domain/role.hpp"
#include "outagedesk/http/rate_limiter.hpp"
#include "outagedesk/http/request.hpp"

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace outagedesk::metrics {
class registry;
class histogram;
class counter;
}  // namespace outagedesk::metrics

namespace outagedesk::http {

// Resolves an Authorization header to a caller, or nullopt.
using authenticate_fn = std::function<std::optional<domain::principal>(std::string_view authorization)>;

// Where a route's handler runs. A handler that reads the store waits on
// SQLite, and on the disk behind it when a page is not cached; on an I/O
// thread that wait would hold every connection the thread serves (the IVR's
// among them), so such routes run on the lookup threads instead. Reports that
// read a whole outbox (hundreds of thousands of rows) have a thread of their
// own, so one cannot hold the lookups up either.
enum class runs_on { io_thread, lookup_threads, report_thread };

class router {
public:
    using run_fn = std::function<void(std::function<void()>)>;

    router(authenticate_fn authenticate, metrics::registry& metrics);

    // `granted` empty means public. Otherwise a caller needs a role that
    // permits one of them (see domain::role_permits).
    void add(beast_http::verb method, const std::string& pattern, std::vector<domain::role> granted, handler h,
             runs_on where = runs_on::io_thread);
    void dispatch(std::shared_ptr<request_context> request, responder respond) const;
    // Budgets requests per authenticated caller; 429 with Retry-After beyond it.
    void limit_rate(double per_second, double burst);
    // Runs the handlers of routes added with `where` (not io_thread), after
    // the caller is authenticated and authorised. Unset (unit tests): in place.
    void run_with(runs_on where, run_fn run) { runners_.at(static_cast<std::size_t>(where)) = std::move(run); }

private:
    // The per-status request counters of one route, found once in the
    // registry (a locked map keyed by label text) and then read lock-free.
    struct status_counters {
        std::string route_label;
        std::array<std::atomic<metrics::counter*>, 600> by_status{};
    };
    struct route {
        beast_http::verb method;
        std::string pattern;
        std::vector<std::string> segments;
        std::vector<domain::role> granted;
        handler handle;
        runs_on where;
        metrics::histogram* latency;
        std::unique_ptr<status_counters> answered;
    };
    static bool match(const route& r, const std::vector<std::string_view>& parts,
                      std::map<std::string, std::string>* params);
    responder finishing(std::shared_ptr<request_context> request, responder respond, const route* found) const;
    metrics::counter& answered_counter(const std::string& route_label, unsigned status,
                                       status_counters* cache) const;

    authenticate_fn authenticate_;
    std::unique_ptr<rate_limiter> limiter_;
    std::array<run_fn, 3> runners_;  // by runs_on; io_thread's stays empty
    metrics::registry& metrics_;
    std::vector<route> routes_;
};

}  // namespace outagedesk::http
