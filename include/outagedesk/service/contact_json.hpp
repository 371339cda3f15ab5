#pragma once
// The JSON shapes of contacts, callbacks and surge alerts as the contract
// gives them, shared by the API answers and the event payloads so both always
// agree.
#include "outagedesk/domain/callback.hpp"
#include "outagedesk/domain/contact.hpp"
#include "outagedesk/domain/surge_alert.hpp"

#include <nlohmann/json.hpp>

namespace outagedesk::service {

// {id, channel, customer_id, phone, postcode, reason, note, agent, outcome,
//  incident_ids, ivr, created_at}
nlohmann::json contact_json(const domain::contact& c);
// The answer to POST /v1/contacts: contact_json plus the agent `script`
// (null when no incident matched).
nlohmann::json contact_answer_json(const domain::contact& c);
// What the IVR collected: {contact_id, at, reason, postcode, verified, announcement_version}.
nlohmann::json ivr_handoff_json(const domain::contact& c);
// {id, customer_id, due_at, agent, note, state, overdue, created_at, created_by,
//  completed_at, completed_by, on_time}; `overdue` as of `now`.
nlohmann::json callback_json(const domain::callback& c, domain::sys_seconds now);
// {id, area, count, window_seconds, first_at, last_at, status, incident_id, baseline, raised_at, closed_at, closed_by}
nlohmann::json alert_json(const domain::surge_alert& a);

}  // namespace outagedesk::service
