#include "outagedesk/service/webhook_service.hpp"

#include "outagedesk/domain/errors.hpp"
#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/domain/url.hpp"
#include "outagedesk/service/errors.hpp"
#include "outagedesk/store/incident_repository.hpp"

#include <algorithm>
#include <memory>

namespace outagedesk::service {

const std::vector<std::string>& known_event_types() {
    static const std::vector<std::string> types = {"incident.declared", "incident.updated", "incident.resolved",
                                                   "alert.raised", "callback.due", "*"};
    return types;
}

namespace {
std::string now_text() {
    return domain::format_rfc3339_utc(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
}
}  // namespace

void webhook_service::create(const std::string& url, const std::vector<std::string>& events, const std::string& secret,
                             const std::string& actor, std::function<void(std::exception_ptr, store::webhook)> done) {
    if (!domain::parse_http_url(url))
        throw domain::invalid_input("url", "url must be an http:// or https:// address without credentials");
    if (events.empty()) throw domain::invalid_input("events", "events must name at least one event type, or \"*\"");
    for (std::size_t i = 0; i < events.size(); ++i)
        if (std::find(known_event_types().begin(), known_event_types().end(), events[i]) == known_event_types().end())
            throw domain::invalid_input("events[" + std::to_string(i) + "]",
                                        "events[" + std::to_string(i) + "]: unknown event type '" + events[i] +
                                            "'; known: incident.declared, incident.updated, incident.resolved, "
                                            "alert.raised, callback.due, *");
    if (secret.size() < 16 || secret.size() > 256)
        throw domain::invalid_input("secret", "secret must be 16 to 256 characters");
    auto created = std::make_shared<store::webhook>();
    db_.submit(
        [=](store::write_context& w) {
            const auto at = now_text();
            *created = store::webhook_repository::create(w, url, events, secret, at, actor);
            store::audit_log::append(w, at, actor, "webhook.create", std::to_string(created->id));
        },
        [created, done](std::exception_ptr error) { done(error, *created); });
}

void webhook_service::remove(std::int64_t id, const std::string& actor, std::function<void(std::exception_ptr)> done) {
    db_.submit(
        [=](store::write_context& w) {
            const auto at = now_text();
            if (!store::webhook_repository::remove(w, id, at)) throw not_found("No webhook " + std::to_string(id) + ".");
            store::audit_log::append(w, at, actor, "webhook.delete", std::to_string(id));
        },
        std::move(done));
}

}  // namespace outagedesk::service
