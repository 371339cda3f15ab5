#pragma once
// Request bodies of the contact and callback endpoints → domain fields. Every
// wrong type or unknown field is an invalid_input naming the field the way
// the client wrote it ("ivr.verified"), so the client gets a 422 that says
// exactly what to fix. Values are checked by the domain.
#include "outagedesk/domain/callback.hpp"
#include "outagedesk/domain/contact.hpp"

#include <nlohmann/json.hpp>

namespace outagedesk::http {

domain::contact_fields parse_contact_fields(const nlohmann::json& body);
domain::callback_fields parse_callback_fields(const nlohmann::json& body);

}  // namespace outagedesk::http
