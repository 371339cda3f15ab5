#include "outagedesk/http/router.hpp"

#include "outagedesk/http/errors.hpp"
#include "outagedesk/metrics/registry.hpp"

#include <spdlog/spdlog.h>

namespace outagedesk::http {

namespace {
std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t start = 1;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        parts.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}
}  // namespace

router::router(authenticate_fn authenticate, metrics::registry& metrics)
    : authenticate_(std::move(authenticate)), metrics_(metrics) {}

void router::limit_rate(double per_second, double burst) {
    limiter_ = per_second > 0 ? std::make_unique<rate_limiter>(per_second, burst) : nullptr;
}

void router::add(beast_http::verb method, const std::string& pattern, std::vector<domain::role> granted, handler h,
                 runs_on where) {
    route r{method, pattern, {}, std::move(granted), std::move(h), where, nullptr, std::make_unique<status_counters>()};
    r.answered->route_label = "route=\"" + metrics::label_value(pattern) + "\"";
    for (auto part : split_path(pattern)) r.segments.emplace_back(part);
    r.latency = &metrics_.get_histogram("outagedesk_http_request_seconds", "Time from request to response",
                                        "route=\"" + metrics::label_value(pattern) + "\"");
    routes_.push_back(std::move(r));
}

bool router::match(const route& r, const std::vector<std::string_view>& parts,
                   std::map<std::string, std::string>* params) {
    if (r.segments.size() != parts.size()) return false;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto& segment = r.segments[i];
        if (segment.size() > 2 && segment.front() == '{' && segment.back() == '}') {
            if (parts[i].empty()) return false;
            if (params) (*params)[segment.substr(1, segment.size() - 2)] = percent_decode(parts[i], false);
        } else if (segment != parts[i]) {
            return false;
        }
    }
    return true;
}

metrics::counter& router::answered_counter(const std::string& route_label, unsigned status,
                                           status_counters* cache) const {
    const bool cacheable = cache && status < cache->by_status.size();
    if (cacheable)
        if (auto* known = cache->by_status[status].load(std::memory_order_acquire)) return *known;
    auto& found = metrics_.get_counter("outagedesk_http_requests_total", "Requests answered, by route and status",
                                       route_label + ",status=\"" + std::to_string(status) + "\"");
    if (cacheable) cache->by_status[status].store(&found, std::memory_order_release);
    return found;
}

responder router::finishing(std::shared_ptr<request_context> request, responder respond, const route* found) const {
    metrics::histogram* latency = found ? found->latency : nullptr;
    status_counters* answered = found ? found->answered.get() : nullptr;
    responder::takeover_fn takeover;
    if (respond.takeover()) {
        takeover = [this, request, inner = respond.takeover()](stream_starter start) {
            metrics_
                .get_counter("outagedesk_http_requests_total", "Requests answered, by route and status",
                             "route=\"" + metrics::label_value(request->route) + "\",status=\"stream\"")
                .add();
            spdlog::info("[{}] {} {} stream opened {}", request->request_id, std::string(request->message.method_string()),
                         request->path, request->caller ? request->caller->name : "-");
            inner(std::move(start));
        };
    }
    responder::send_fn send = [this, request, respond, latency, answered](response res) {
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - request->started).count();
        if (latency) latency->observe(seconds);
        const std::string label = answered ? std::string() : "route=\"" + metrics::label_value(request->route) + "\"";
        answered_counter(answered ? answered->route_label : label, res.result_int(), answered).add();
        spdlog::info("[{}] {} {} {} {}B {:.2f}ms {}", request->request_id, std::string(request->message.method_string()),
                     request->path, res.result_int(), res.body().size(), seconds * 1000.0,
                     request->caller ? request->caller->name : "-");
        respond(std::move(res));
    };
    return responder(std::move(send), std::move(takeover));
}

void router::dispatch(std::shared_ptr<request_context> request, responder respond) const {
    const auto parts = split_path(request->path);
    const route* found = nullptr;
    std::string allowed;
    std::string matched_pattern = "unmatched";
    for (const auto& r : routes_) {
        if (!match(r, parts, nullptr)) continue;
        matched_pattern = r.pattern;
        if (r.method == request->message.method()) {
            found = &r;
            break;
        }
        auto name = beast_http::to_string(r.method);
        allowed += (allowed.empty() ? "" : ", ") + std::string(name.data(), name.size());
    }
    if (!found) {
        request->route = matched_pattern;
        auto done = finishing(request, std::move(respond), nullptr);
        if (allowed.empty()) {
            done(error_response(beast_http::status::not_found, "not_found", "No such resource: " + request->path));
        } else {
            auto res = error_response(beast_http::status::method_not_allowed, "method_not_allowed",
                                      "This resource allows " + allowed + ".");
            res.set(beast_http::field::allow, allowed);
            done(std::move(res));
        }
        return;
    }
    request->route = found->pattern;
    match(*found, parts, &request->path_params);
    auto done = finishing(request, std::move(respond), found);
    try {
        if (!found->granted.empty()) {
            auto authorization = request->header("Authorization");
            if (authorization.empty()) {
                auto res = error_response(beast_http::status::unauthorized, "unauthorized",
                                          "A bearer token is required (Authorization: Bearer <token>).");
                res.set(beast_http::field::www_authenticate, "Bearer");
                return done(std::move(res));
            }
            request->caller = authenticate_(authorization);
            if (!request->caller) {
                auto res = error_response(beast_http::status::unauthorized, "unauthorized",
                                          "The token is unknown or has been revoked.");
                res.set(beast_http::field::www_authenticate, "Bearer error=\"invalid_token\"");
                return done(std::move(res));
            }
            if (limiter_) {
                int retry_after = 1;
                if (!limiter_->allow(request->caller->name, std::chrono::steady_clock::now(), retry_after)) {
                    auto res = error_response(beast_http::status::too_many_requests, "rate_limited",
                                              "Too many requests for this token; slow down.");
                    res.set(beast_http::field::retry_after, std::to_string(retry_after));
                    return done(std::move(res));
                }
            }
            bool permitted = false;
            for (auto granted : found->granted) permitted = permitted || domain::role_permits(request->caller->held, granted);
            if (!permitted)
                return done(error_response(beast_http::status::forbidden, "forbidden",
                                           "The role '" + std::string(domain::role_name(request->caller->held)) +
                                               "' may not use this endpoint."));
        }
        if (const auto& run = runners_[static_cast<std::size_t>(found->where)]) {
            run([found, request, done] {
                try {
                    found->handle(request, done);
                } catch (...) {
                    done(response_for_exception(std::current_exception(), request->request_id));
                }
            });
            return;
        }
        found->handle(request, done);
    } catch (...) {
        done(response_for_exception(std::current_exception(), request->request_id));
    }
}

}  // namespace outagedesk::http
