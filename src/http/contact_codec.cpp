#include "outagedesk/http/contact_codec.hpp"

#include "outagedesk/domain/errors.hpp"
#include "outagedesk/http/incident_codec.hpp"

namespace outagedesk::http {

using domain::invalid_input;
using nlohmann::json;

namespace {
void read_ivr(const json& ivr, domain::contact_fields& fields) {
    if (!ivr.is_object()) throw invalid_input("ivr", "ivr must be an object {reason, postcode, verified, announcement_version}");
    fields.has_ivr = true;
    for (auto it = ivr.begin(); it != ivr.end(); ++it) {
        const std::string field = "ivr." + it.key();
        const auto& value = it.value();
        if (it.key() == "reason" || it.key() == "postcode") {
            if (value.is_null()) continue;
            if (!value.is_string() || value.get_ref<const std::string&>().size() > 32)
                throw invalid_input(field, field + " must be a string of at most 32 characters");
            (it.key() == "reason" ? fields.ivr_reason : fields.ivr_postcode) = value.get<std::string>();
        } else if (it.key() == "verified") {
            if (value.is_null()) continue;
            if (!value.is_boolean()) throw invalid_input(field, field + " must be true or false");
            fields.ivr_verified = value.get<bool>();
        } else if (it.key() == "announcement_version") {
            if (value.is_null()) continue;
            if (!value.is_number_integer()) throw invalid_input(field, field + " must be an integer");
            fields.ivr_announcement_version = value.get<std::int64_t>();
        } else {
            throw invalid_input(field, "unknown field " + field);
        }
    }
}
}  // namespace

domain::contact_fields parse_contact_fields(const json& body) {
    reject_unknown_fields(body, {"customer_id", "phone", "postcode", "channel", "reason", "note", "agent", "outcome", "ivr",
                                 "lang"});
    domain::contact_fields fields;
    fields.customer_id = optional_string(body, "customer_id", 64);
    fields.phone = optional_string(body, "phone", 32);
    fields.postcode = optional_string(body, "postcode", 32);
    fields.channel = optional_string(body, "channel", 16);
    fields.reason = optional_string(body, "reason", 16);
    fields.note = optional_string(body, "note", 2000);
    fields.agent = optional_string(body, "agent", 100);
    fields.outcome = optional_string(body, "outcome", 16);
    if (auto it = body.find("ivr"); it != body.end() && !it->is_null()) read_ivr(*it, fields);
    return fields;
}

domain::callback_fields parse_callback_fields(const json& body) {
    reject_unknown_fields(body, {"customer_id", "due_at", "agent", "note"});
    domain::callback_fields fields;
    fields.customer_id = optional_string(body, "customer_id", 64);
    fields.due_at = parse_time_field(body, "due_at");
    fields.agent = optional_string(body, "agent", 100);
    fields.note = optional_string(body, "note", 2000);
    return fields;
}

}  // namespace outagedesk::http
