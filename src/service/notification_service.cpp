#include "outagedesk/service/notification_service.hpp"

#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/platform/thread_name.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <future>
#include <map>

namespace outagedesk::service {

namespace {

// Thrown from inside a customer scan to leave it when the service stops.
struct sweep_stopped {};

std::string scope_of(const domain::incident& incident) {
    std::string scope = std::string(domain::severity_name(incident.level)) + "|" +
                        std::to_string(incident.services.bits()) + "|";
    for (const auto& area : incident.area_texts()) scope += area + ",";
    return scope;
}

domain::severity severity_floor(const std::string& name) {
    return domain::parse_severity(name).value_or(domain::severity::major);
}

// Bodies of one incident's notices, rendered once per language and channel
// (and per customer only when a compensation sentence goes in).
class notice_texts {
public:
    notice_texts(const domain::incident& incident, const domain::time_zone& zone, std::string default_language,
                 domain::sys_seconds now)
        : incident_(incident), zone_(zone), default_language_(std::move(default_language)), now_(now),
          values_(domain::render_values_of(incident)) {}

    // Empty when the incident has no text for any channel.
    std::string body(const std::string& language, domain::channel c, const std::string& compensation) {
        auto key = std::make_pair(language, c);
        auto found = picked_.find(key);
        if (found == picked_.end())
            found = picked_.emplace(key, domain::pick_notice_text(incident_.messages, language, c, default_language_)).first;
        const auto& picked = found->second;
        if (picked.text.empty()) return {};
        if (compensation.empty()) {
            auto cached = plain_.find(key);
            if (cached == plain_.end())
                cached = plain_.emplace(key, domain::render(picked.text, values_, zone_, picked.language, now_)).first;
            return cached->second;
        }
        values_.compensation = compensation;
        auto out = domain::render(picked.text, values_, zone_, picked.language, now_);
        values_.compensation.clear();
        return out;
    }

private:
    const domain::incident& incident_;
    const domain::time_zone& zone_;
    std::string default_language_;
    domain::sys_seconds now_;
    domain::render_values values_;
    std::map<std::pair<std::string, domain::channel>, domain::picked_text> picked_;
    std::map<std::pair<std::string, domain::channel>, std::string> plain_;
};

}  // namespace

domain::compensation_parameters compensation_parameters_of(const config::compensation_settings& settings) {
    domain::compensation_parameters p;
    p.minimum_cents = settings.minimum_cents;
    p.basis = settings.proration == "billing_month" ? domain::proration_basis::billing_month
                                                    : domain::proration_basis::hours_720;
    p.telephony_share_percent = settings.bundle_telephony_percent;
    p.ofcom_daily_cents = settings.ofcom_daily_pence;
    return p;
}

nlohmann::json compensation_json(const domain::compensation_row& row, const std::string& incident_id) {
    nlohmann::json out = {{"customer_id", row.customer_id},
                          {"rule", domain::compensation_rule_name(row.rule)},
                          {"service", row.service},
                          {"duration_seconds", row.duration_seconds},
                          {"amount_cents", row.amount_cents},
                          {"currency", domain::compensation_currency(row.rule)},
                          {"payable", row.payable},
                          {"explanation", row.explanation}};
    if (!incident_id.empty()) out["incident_id"] = incident_id;
    return out;
}

notification_service::notification_service(store::database& db, const config::settings& settings,
                                           incident_service& incidents, clock_fn clock, metrics::registry& metrics)
    : db_(db),
      settings_(settings),
      incidents_(incidents),
      clock_(std::move(clock)),
      metrics_(metrics),
      notes_(db),
      customers_(db),
      events_(db),
      params_(compensation_parameters_of(settings.compensation)) {
    for (const auto& name : settings.compensation.rules)
        if (auto rule = domain::parse_compensation_rule(name)) rules_.push_back(*rule);
    if (settings.notify.quiet) quiet_ = domain::parse_quiet_window(settings.notify.quiet->from, settings.notify.quiet->to);
}

notification_service::~notification_service() { stop(); }

void notification_service::start() {
    if (auto stored = notes_.cursor()) {
        cursor_ = *stored;
    } else {
        cursor_ = events_.last_seq();
        db_.write_sync([this](store::write_context& w) { store::notification_repository::save_cursor(w, cursor_); });
    }
    incidents_.add_event_sink([this](const published_event&) { wake(); });
    thread_ = platform::named_thread("od-notify", [this] { run(); });
}

void notification_service::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wakeup_.notify_one();
}

void notification_service::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wakeup_.notify_one();
    if (thread_.joinable()) thread_.join();
}

bool notification_service::stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
}

bool notification_service::wants(domain::notice_kind kind) const {
    const auto name = domain::notice_kind_name(kind);
    return std::find(settings_.notify.on.begin(), settings_.notify.on.end(), name) != settings_.notify.on.end();
}

bool notification_service::quiet_now() const {
    return quiet_ && domain::in_quiet_hours(*quiet_, incidents_.zone().to_local(clock_()));
}

void notification_service::run() {
    for (;;) {
        auto next = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        try {
            process_pending();
        } catch (const std::exception& e) {
            spdlog::error("notifications paused after a failure, retrying: {}", e.what());
        }
        std::unique_lock lock(mutex_);
        wakeup_.wait_until(lock, next, [this] { return stopping_ || woken_; });
        if (stopping_) return;
        woken_ = false;
    }
}

void notification_service::process_pending() {
    std::lock_guard guard(processing_);
    for (;;) {
        auto batch = events_.after(cursor_, 100);
        if (batch.empty()) return;
        for (const auto& event : batch) {
            if (stopping() || !handle(event)) return;
            cursor_ = event.seq;
        }
        db_.write_sync([seq = cursor_](store::write_context& w) { store::notification_repository::save_cursor(w, seq); });
    }
}

bool notification_service::handle(const store::stored_event& event) {
    if (event.type != "incident.declared" && event.type != "incident.updated" && event.type != "incident.resolved")
        return true;
    std::string id;
    try {
        id = nlohmann::json::parse(event.payload).at("id").get<std::string>();
    } catch (const std::exception& e) {
        spdlog::error("notifications: unreadable event {}: {}", event.seq, e.what());
        return true;
    }
    // The incident as it is now: a backlog of updates collapses into one look.
    auto incident = incidents_.find(id);
    if (!incident) return true;
    auto run = notes_.run(id).value_or(store::notification_run{id, "", std::nullopt, std::nullopt, std::nullopt, std::nullopt});
    const auto at = domain::format_rfc3339_utc(clock_());
    const bool severe = static_cast<int>(incident->level) >= static_cast<int>(severity_floor(settings_.notify.min_severity));
    const std::string eta = incident->eta ? domain::format_rfc3339_utc(*incident->eta) : "";
    const auto started = std::chrono::steady_clock::now();

    if (incident->active()) {
        const auto scope = scope_of(*incident);
        if (run.scope != scope) {
            // New, or its reach changed: (re)queue the declared notice; keys keep it one per customer.
            const bool notify = wants(domain::notice_kind::declared) && severe;
            auto reached = sweep(*incident, domain::notice_kind::declared, notify, false);
            if (!reached) return false;
            db_.write_sync([&](store::write_context& w) { store::notification_repository::set_affected(w, id, *reached); });
            run.scope = scope;
            if (notify && !run.declared_at) run.declared_at = at;
            spdlog::info("{}: {} affected customer(s){} in {:.2f} s", id, *reached, notify ? ", declared notices queued" : "",
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        }
        if (run.eta && *run.eta != eta && wants(domain::notice_kind::eta_changed) && severe) {
            // Each new ETA is a round of its own keys; a replay after a crash
            // repeats the round it was in, so its keys still hold.
            const auto round = run.eta_round + 1;
            if (!sweep_refs(*incident, domain::notice_kind::eta_changed, round)) return false;
            run.eta_round = round;
            spdlog::info("{}: ETA-change notices queued (change {})", id, round);
        }
        run.eta = eta;
    } else if (!run.resolved_at) {
        const bool notify = wants(domain::notice_kind::resolved);
        auto reached = sweep(*incident, domain::notice_kind::resolved, notify, !rules_.empty());
        if (!reached) return false;
        if (notify) notify_contacted(*incident);
        db_.write_sync([&](store::write_context& w) { store::notification_repository::set_affected(w, id, *reached); });
        run.resolved_at = at;
        run.compensated_at = at;
        spdlog::info("{}: resolved; {} affected customer(s) compensated{} in {:.2f} s", id, *reached,
                     notify ? " and notified" : "",
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    } else {
        return true;
    }
    db_.write_sync([&](store::write_context& w) { store::notification_repository::save_run(w, run); });
    return true;
}

std::optional<std::int64_t> notification_service::sweep(const domain::incident& incident, domain::notice_kind kind,
                                                        bool notify, bool compensate) {
    if (compensate) return sweep_rows(incident, kind, notify, compensate);
    if (!notify) return customers_.count_affected(incident.areas, incident.services);
    return sweep_refs(incident, kind);
}

std::optional<std::int64_t> notification_service::sweep_refs(const domain::incident& incident, domain::notice_kind kind,
                                                             std::int64_t round) {
    const auto now = clock_();
    const auto at = domain::format_rfc3339_utc(now);
    notice_texts texts(incident, incidents_.zone(), settings_.default_language, now);
    auto& queued_counter = metrics_.get_counter("outagedesk_notifications_queued_total", "Notifications put in the outbox");

    store::customer_notice notice;
    notice.incident_id = incident.id;
    notice.kind = kind;
    {
        const std::string marker = "\x1f";
        const auto key = domain::notice_key(incident.id, marker, kind);
        const auto at_marker = key.find(marker);
        notice.key_prefix = key.substr(0, at_marker);
        notice.key_suffix = key.substr(at_marker + marker.size());
        if (round > 1) notice.key_suffix += "." + std::to_string(round);
    }
    notice.critical = incident.level == domain::severity::critical;
    notice.hold_sms = !notice.critical && quiet_now();

    // Each language's bodies, rendered once, when the registry walk first
    // meets the language. A chunk's job gets the list as it stands (never
    // changed afterwards) and stores (or finds) the texts it refers to itself:
    // a chunk may commit although the one before it failed, and must never
    // point at a text that rolled back.
    struct language_texts {
        std::string sms;
        std::string email;
    };
    auto languages = std::make_shared<const std::vector<language_texts>>();

    // Two chunks in flight: the writer fills the next while the log flush of
    // the last one is still on its way to the disk, and the registry walk
    // reads the chunk after it meanwhile. Never more, so other writes wait
    // behind one chunk at most.
    constexpr std::size_t chunks_in_flight = 2;
    std::deque<std::future<void>> in_flight;
    auto settle_oldest = [&in_flight] {
        auto oldest = std::move(in_flight.front());
        in_flight.pop_front();
        oldest.get();  // rethrows the chunk's failure
    };
    bool stopped_early = false;
    std::int64_t reached = 0;
    try {
        reached = customers_.affected_in_chunks(
            incident.areas, incident.services, notice_chunk_rows, [&](const store::affected_customers& chunk) {
                if (chunk.languages.size() > languages->size()) {
                    auto more = std::make_shared<std::vector<language_texts>>(*languages);
                    for (std::size_t l = more->size(); l < chunk.languages.size(); ++l)
                        more->push_back({texts.body(chunk.languages[l], domain::channel::sms, ""),
                                         texts.body(chunk.languages[l], domain::channel::email, "")});
                    languages = std::move(more);
                }
                // The chunk's references per language, each list in id order.
                auto groups = std::make_shared<std::vector<std::vector<std::int64_t>>>(languages->size());
                for (const auto& c : chunk.customers) (*groups)[c.language].push_back(c.ref);
                while (in_flight.size() >= chunks_in_flight) settle_oldest();
                if (stopping()) {
                    stopped_early = true;
                    return false;
                }
                auto done = std::make_shared<std::promise<void>>();
                auto committed = done->get_future();
                db_.submit(
                    [groups, languages, notice, at, &queued_counter](store::write_context& w) {
                        std::int64_t added = 0;
                        for (std::size_t l = 0; l < groups->size(); ++l) {
                            if ((*groups)[l].empty()) continue;
                            const auto& t = (*languages)[l];
                            std::optional<std::int64_t> sms_id;
                            std::optional<std::int64_t> email_id;
                            if (!t.sms.empty())
                                sms_id = store::notification_repository::save_text(w, notice.incident_id, t.sms);
                            if (!t.email.empty())
                                email_id = store::notification_repository::save_text(w, notice.incident_id, t.email);
                            added += store::notification_repository::enqueue_customers(w, notice, sms_id, email_id,
                                                                                       (*groups)[l], at);
                        }
                        queued_counter.add(static_cast<std::uint64_t>(added));
                    },
                    [done](std::exception_ptr error) {
                        if (error)
                            done->set_exception(error);
                        else
                            done->set_value();
                    });
                // Only once submitted: a refused job has nothing to wait for.
                in_flight.push_back(std::move(committed));
                return true;
            });
        while (!in_flight.empty()) settle_oldest();
    } catch (...) {
        // What is still in flight settles before the error goes up, so a
        // retry of this sweep never runs beside its own chunks.
        for (auto& pending : in_flight) pending.wait();
        throw;
    }
    if (stopped_early) return std::nullopt;
    return reached;
}

std::optional<std::int64_t> notification_service::sweep_rows(const domain::incident& incident, domain::notice_kind kind,
                                                             bool notify, bool compensate) {
    const auto now = clock_();
    const auto at = domain::format_rfc3339_utc(now);
    const bool quiet = quiet_now();
    const bool critical = incident.level == domain::severity::critical;
    notice_texts texts(incident, incidents_.zone(), settings_.default_language, now);
    domain::outage_assessment outage;
    if (compensate)
        outage = domain::assess_outage(incident.started_at, incident.resolved_at.value_or(now), incidents_.zone(), params_);
    auto& queued_counter = metrics_.get_counter("outagedesk_notifications_queued_total", "Notifications put in the outbox");

    struct chunk {
        std::vector<store::outbox_entry> entries;
        std::vector<domain::compensation_row> rows;
        std::size_t size() const { return entries.size() + rows.size(); }
    };
    auto current = std::make_shared<chunk>();
    // One chunk commits while the next is built; never more, so the writer
    // queue holds at most one of ours and other writes slip in between.
    std::future<void> in_flight;
    auto settle = [&] {
        if (in_flight.valid()) in_flight.get();
    };
    auto flush = [&] {
        if (current->size() == 0) return;
        settle();
        auto done = std::make_shared<std::promise<void>>();
        auto committed = done->get_future();
        db_.submit(
            [work = current, id = incident.id, at, &queued_counter](store::write_context& w) {
                if (!work->rows.empty()) store::notification_repository::save_compensations(w, id, work->rows, at);
                if (!work->entries.empty())
                    queued_counter.add(static_cast<std::uint64_t>(store::notification_repository::enqueue(w, work->entries, at)));
            },
            [done](std::exception_ptr error) {
                if (error)
                    done->set_exception(error);
                else
                    done->set_value();
            });
        in_flight = std::move(committed);
        current = std::make_shared<chunk>();
    };

    std::vector<domain::compensation_row> rows;
    std::int64_t reached = 0;
    try {
        reached = customers_.for_each_affected(incident.areas, incident.services, [&](const domain::customer& c) {
            std::string sentence;
            if (compensate) {
                rows.clear();
                const domain::compensation_subject subject{c.id, c.services, c.monthly_fee_cents, c.avg_bill_3m_cents};
                for (auto rule : rules_) {
                    for (auto& row : domain::compensate(rule, params_, outage, subject, incident.services))
                        if (row.amount_cents > 0) rows.push_back(std::move(row));
                }
                if (notify) sentence = domain::describe_compensation(rows, c.language);
                for (auto& row : rows) current->rows.push_back(std::move(row));
            }
            if (notify && c.consent && c.preferred_channel != domain::contact_preference::none) {
                const bool sms = c.preferred_channel == domain::contact_preference::sms;
                auto body = texts.body(c.language, sms ? domain::channel::sms : domain::channel::email, sentence);
                if (!body.empty()) {
                    store::outbox_entry e;
                    e.incident_id = incident.id;
                    e.customer_id = c.id;
                    e.kind = kind;
                    e.channel = sms ? "sms" : "email";
                    e.recipient = sms ? c.phone : c.email;
                    e.body = std::move(body);
                    e.critical = critical;
                    e.held = sms && !critical && quiet;
                    e.key = domain::notice_key(incident.id, c.id, kind);
                    current->entries.push_back(std::move(e));
                }
            }
            if (current->size() >= chunk_rows) {
                flush();
                if (stopping()) throw sweep_stopped{};
            }
        });
        flush();
        settle();
    } catch (const sweep_stopped&) {
        settle();
        return std::nullopt;
    } catch (...) {
        if (in_flight.valid()) in_flight.wait();
        throw;
    }
    return reached;
}

void notification_service::notify_contacted(const domain::incident& incident) {
    const auto now = clock_();
    const bool quiet = quiet_now();
    const bool critical = incident.level == domain::severity::critical;
    notice_texts texts(incident, incidents_.zone(), settings_.default_language, now);
    std::vector<store::outbox_entry> entries;
    for (const auto& caller : notes_.contacted(incident.id)) {
        store::outbox_entry e;
        e.incident_id = incident.id;
        e.kind = domain::notice_kind::resolved;
        e.critical = critical;
        if (!caller.customer_id.empty()) {
            auto c = customers_.find(caller.customer_id);
            if (!c || !c->consent || c->preferred_channel == domain::contact_preference::none) continue;
            // Customers inside the reach had theirs in the sweep.
            if (incident.covers(c->postcode) && domain::customer_affected(c->services, incident.services)) continue;
            const bool sms = c->preferred_channel == domain::contact_preference::sms;
            e.customer_id = c->id;
            e.channel = sms ? "sms" : "email";
            e.recipient = sms ? c->phone : c->email;
            e.body = texts.body(c->language, sms ? domain::channel::sms : domain::channel::email, "");
            e.key = domain::notice_key(incident.id, c->id, e.kind);
        } else {
            // A caller without a record asked us about it from this phone: tell them by SMS.
            e.channel = "sms";
            e.recipient = caller.phone;
            e.body = texts.body(settings_.default_language, domain::channel::sms, "");
            e.key = domain::notice_key(incident.id, caller.phone, e.kind);
        }
        if (e.body.empty() || e.recipient.empty()) continue;
        e.held = e.channel == "sms" && !critical && quiet;
        entries.push_back(std::move(e));
    }
    for (std::size_t from = 0; from < entries.size(); from += chunk_rows) {
        std::vector<store::outbox_entry> part(entries.begin() + static_cast<std::ptrdiff_t>(from),
                                              entries.begin() + static_cast<std::ptrdiff_t>(std::min(entries.size(), from + chunk_rows)));
        const auto at = domain::format_rfc3339_utc(now);
        db_.write_sync([&](store::write_context& w) { store::notification_repository::enqueue(w, part, at); });
    }
}

std::optional<store::notification_counts> notification_service::counts(
    const std::string& incident_id, std::map<std::string, store::notification_counts>* by_kind) {
    auto kinds = notes_.counts_by_kind(incident_id);
    store::notification_counts total;
    for (const auto& [kind, c] : kinds) {
        total.queued += c.queued;
        total.sent += c.sent;
        total.failed += c.failed;
        total.held += c.held;
    }
    if (by_kind) *by_kind = std::move(kinds);
    return total;
}

bool notification_service::compensations_complete(const std::string& incident_id) {
    auto run = notes_.run(incident_id);
    return run && run->compensated_at;
}

std::vector<domain::compensation_row> notification_service::compensations(const std::string& incident_id,
                                                                          const store::compensation_page_key& after,
                                                                          std::size_t limit) {
    return notes_.compensations(incident_id, after, limit);
}

nlohmann::json notification_service::customer_compensation(const std::string& customer_id) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : notes_.compensations_for_customer(customer_id, 20))
        out.push_back(compensation_json(item.row, item.incident_id));
    return out;
}

}  // namespace outagedesk::service
