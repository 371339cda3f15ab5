#include "outagedesk/service/contact_json.hpp"

#include "outagedesk/domain/time_zone.hpp"

namespace outagedesk::service {

namespace {
using nlohmann::json;

json text_or_null(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json time_or_null(const std::optional<domain::sys_seconds>& t) {
    return t ? json(domain::format_rfc3339_utc(*t)) : json(nullptr);
}
}  // namespace

json contact_json(const domain::contact& c) {
    json ivr = nullptr;
    if (c.ivr)
        ivr = {{"reason", c.ivr->reason ? json(domain::contact_reason_name(*c.ivr->reason)) : json(nullptr)},
               {"postcode", text_or_null(c.ivr->postcode)},
               {"verified", c.ivr->verified},
               {"announcement_version", c.ivr->announcement_version ? json(*c.ivr->announcement_version) : json(nullptr)}};
    return {{"id", c.id()},
            {"channel", domain::contact_channel_name(c.channel)},
            {"customer_id", text_or_null(c.customer_id)},
            {"phone", text_or_null(c.phone)},
            {"postcode", text_or_null(c.postcode)},
            {"reason", domain::contact_reason_name(c.reason)},
            {"note", c.note},
            {"agent", text_or_null(c.agent)},
            {"outcome", domain::contact_outcome_name(c.outcome)},
            {"incident_ids", c.incident_ids},
            {"ivr", ivr},
            {"created_at", domain::format_rfc3339_utc(c.created_at)}};
}

json contact_answer_json(const domain::contact& c) {
    auto out = contact_json(c);
    out["script"] = c.script.empty() ? json(nullptr) : json(c.script);
    return out;
}

json ivr_handoff_json(const domain::contact& c) {
    // An IVR contact without an `ivr` object still tells what it was about.
    const auto reason = c.ivr && c.ivr->reason ? *c.ivr->reason : c.reason;
    const auto& postcode = c.ivr && !c.ivr->postcode.empty() ? c.ivr->postcode : c.postcode;
    return {{"contact_id", c.id()},
            {"at", domain::format_rfc3339_utc(c.created_at)},
            {"reason", domain::contact_reason_name(reason)},
            {"postcode", text_or_null(postcode)},
            {"verified", c.ivr ? c.ivr->verified : false},
            {"announcement_version",
             c.ivr && c.ivr->announcement_version ? json(*c.ivr->announcement_version) : json(nullptr)},
            {"outcome", domain::contact_outcome_name(c.outcome)},
            {"incident_ids", c.incident_ids}};
}

json callback_json(const domain::callback& c, domain::sys_seconds now) {
    json on_time = nullptr;
    if (c.state == domain::callback_state::done) on_time = domain::kept_on_time(c);
    return {{"id", c.id()},
            {"customer_id", c.customer_id},
            {"due_at", domain::format_rfc3339_utc(c.due_at)},
            {"agent", c.agent},
            {"note", c.note},
            {"state", domain::callback_state_name(c.state)},
            {"overdue", domain::is_overdue(c, now)},
            {"created_at", domain::format_rfc3339_utc(c.created_at)},
            {"created_by", c.created_by},
            {"completed_at", time_or_null(c.completed_at)},
            {"completed_by", text_or_null(c.completed_by)},
            {"on_time", on_time}};
}

json alert_json(const domain::surge_alert& a) {
    return {{"id", a.id()},
            {"area", a.area()},
            {"count", a.count},
            {"window_seconds", a.window_seconds},
            {"first_at", domain::format_rfc3339_utc(a.first_at)},
            {"last_at", domain::format_rfc3339_utc(a.last_at)},
            {"status", domain::alert_status_name(a.status)},
            {"incident_id", a.incident_id ? json(*a.incident_id) : json(nullptr)},
            {"baseline", a.baseline},
            {"raised_at", domain::format_rfc3339_utc(a.raised_at)},
            {"closed_at", time_or_null(a.closed_at)},
            {"closed_by", text_or_null(a.closed_by)}};
}

}  // namespace outagedesk::service
