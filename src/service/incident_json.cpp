#include "outagedesk/service/incident_json.hpp"

#include "outagedesk/domain/errors.hpp"
#include "outagedesk/domain/time_zone.hpp"

namespace outagedesk::service {

namespace {
nlohmann::json optional_time(const std::optional<domain::sys_seconds>& t) {
    return t ? nlohmann::json(domain::format_rfc3339_utc(*t)) : nlohmann::json(nullptr);
}
}  // namespace

nlohmann::json messages_json(const domain::message_set& messages) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [lang, texts] : messages)
        for (const auto& [c, text] : texts) out[lang][std::string(domain::channel_name(c))] = text;
    return out;
}

nlohmann::json incident_json(const domain::incident& source, bool with_timeline) {
    nlohmann::json out = {
        {"id", source.id},
        {"title", source.title},
        {"severity", domain::severity_name(source.level)},
        {"status", domain::status_name(source.status)},
        {"services", source.services.names()},
        {"areas", source.area_texts()},
        {"started_at", domain::format_rfc3339_utc(source.started_at)},
        {"declared_at", domain::format_rfc3339_utc(source.declared_at)},
        {"eta", optional_time(source.eta)},
        {"resolved_at", optional_time(source.resolved_at)},
        {"updated_at", domain::format_rfc3339_utc(source.updated_at)},
        {"messages", messages_json(source.messages)},
        {"template", source.template_name.empty() ? nlohmann::json(nullptr) : nlohmann::json(source.template_name)},
        {"version", source.version},
        {"stats",
         {{"contacts", source.stats.contacts},
          {"deflected", source.stats.deflected},
          {"notified", source.stats.notified},
          {"affected_customers", source.stats.affected_customers}}},
    };
    if (with_timeline) {
        auto& timeline = out["timeline"] = nlohmann::json::array();
        for (const auto& entry : source.timeline)
            timeline.push_back({{"at", domain::format_rfc3339_utc(entry.at)},
                                {"actor", entry.actor},
                                {"status", domain::status_name(entry.status)},
                                {"note", entry.note},
                                {"version", entry.version}});
    }
    return out;
}

domain::message_set parse_messages(const nlohmann::json& value, const std::string& field) {
    if (!value.is_object()) throw domain::invalid_input(field, field + " must be an object of languages");
    domain::message_set out;
    for (const auto& [lang, texts] : value.items()) {
        const std::string lang_field = field + "." + lang;
        if (!texts.is_object()) throw domain::invalid_input(lang_field, lang_field + " must be an object of channels");
        for (const auto& [name, text] : texts.items()) {
            const std::string text_field = lang_field + "." + name;
            auto c = domain::parse_channel(name);
            if (!c)
                throw domain::invalid_input(text_field, text_field +
                                                    ": unknown channel; known: agent_script, ivr, sms, email, status_page, social");
            if (!text.is_string()) throw domain::invalid_input(text_field, text_field + " must be a string");
            if (text.get_ref<const std::string&>().size() > 5000)
                throw domain::invalid_input(text_field, text_field + " is longer than 5000 characters");
            out[lang][*c] = text.get<std::string>();
        }
    }
    domain::validate_messages(out, field);
    return out;
}

}  // namespace outagedesk::service
