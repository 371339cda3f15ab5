#pragma once
// Declaring, updating and resolving incidents: store write (with timeline,
// audit row and event in one transaction) → active-set swap → event out and
// long-polls woken. Also the read side that agents and the IVR share.
#include "outagedesk/config/config.hpp"
#include "outagedesk/domain/active_set.hpp"
#include "outagedesk/domain/incident.hpp"
#include "outagedesk/service/change_waiters.hpp"
#include "outagedesk/service/events.hpp"
#include "outagedesk/store/incident_repository.hpp"

#include <atomic>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace outagedesk::service {

// An Idempotency-Key and the hash of the request it came with.
struct idempotency {
    std::string key;
    std::string request_hash;
};

struct incident_result {
    domain::incident incident;
    bool replayed = false;  // an idempotent replay of an earlier declare
    std::string first_answer;  // on a replay: the body the first declare answered
};

using incident_done = std::function<void(std::exception_ptr, incident_result)>;

class incident_service {
public:
    incident_service(store::database& db, const config::settings& settings, domain::time_zone zone,
                     std::map<std::string, domain::incident_template> templates, clock_fn clock,
                     boost::asio::io_context& io);

    // Loads the active incidents and builds the first snapshot.
    void start();
    void add_event_sink(event_sink sink) { sinks_.push_back(std::move(sink)); }

    void declare(domain::incident_draft draft, const std::string& actor, std::optional<idempotency> key,
                 incident_done done);
    void update(const std::string& id, domain::incident_patch patch, std::optional<std::int64_t> if_match,
                const std::string& actor, incident_done done);
    void resolve(const std::string& id, std::optional<domain::sys_seconds> resolved_at, const std::string& note,
                 std::optional<std::int64_t> if_match, const std::string& actor, incident_done done);

    std::optional<domain::incident> find(const std::string& id);
    std::vector<domain::incident> list(store::incident_state_filter state, const std::optional<std::string>& postcode,
                                       std::size_t limit);
    const domain::incident_template* find_template(const std::string& name) const;
    // Fills what the draft leaves out from the template it names, if any;
    // invalid_input when the name is unknown.
    void fill_from_template(domain::incident_draft& draft) const;
    const std::map<std::string, domain::incident_template>& templates() const noexcept { return templates_; }

    std::shared_ptr<const domain::active_set> snapshot() const { return snapshot_.load(); }
    // Re-renders the snapshot (relative ETA words change at midnight).
    void refresh();
    change_waiters& waiters() noexcept { return waiters_; }
    const domain::time_zone& zone() const noexcept { return zone_; }
    domain::sys_seconds now() const { return clock_(); }

private:
    void changed(const domain::incident& after, const std::string& event_type, std::int64_t seq,
                 const std::string& payload);
    void rebuild_locked();

    store::database& db_;
    store::incident_repository incidents_;
    const config::settings& settings_;
    domain::time_zone zone_;
    std::map<std::string, domain::incident_template> templates_;
    clock_fn clock_;
    change_waiters waiters_;
    std::vector<event_sink> sinks_;

    std::mutex active_mutex_;  // guards active_ (writer thread and refresh timer)
    std::map<std::string, domain::incident> active_;
    std::atomic<std::shared_ptr<const domain::active_set>> snapshot_;
};

}  // namespace outagedesk::service
