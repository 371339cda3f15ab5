#include "outagedesk/domain/announcement.hpp"
#include "outagedesk/domain/errors.hpp"
#include "outagedesk/domain/ivr_format.hpp"
#include "outagedesk/domain/postcode.hpp"
#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/http/api_routes.hpp"
#include "outagedesk/http/contact_routes.hpp"
#include "outagedesk/http/errors.hpp"
#include "outagedesk/http/incident_codec.hpp"
#include "outagedesk/service/auth.hpp"
#include "outagedesk/service/customer_service.hpp"
#include "outagedesk/service/errors.hpp"
#include "outagedesk/service/incident_service.hpp"
#include "outagedesk/service/notification_service.hpp"

#include <array>
#include <mutex>
#include <unordered_map>

namespace outagedesk::http {

using beast_http::status;
using beast_http::verb;
using domain::role;
using nlohmann::json;

namespace {

json optional_time(const std::optional<domain::sys_seconds>& t) {
    return t ? json(domain::format_rfc3339_utc(*t)) : json(nullptr);
}

std::string fnv1a(std::string_view text) {
    std::uint64_t hash = 1469598103934665603ull;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    unsigned char bytes[8];
    for (int i = 7; i >= 0; --i, hash >>= 8) bytes[i] = static_cast<unsigned char>(hash & 0xff);
    return service::hex_encode(bytes, sizeof bytes);
}

enum class voice_format { json, text, ssml, voicexml, twiml };

voice_format pick_format(const request_context& request) {
    if (auto format = request.query_param("format")) {
        if (*format == "json") return voice_format::json;
        if (*format == "text") return voice_format::text;
        if (*format == "ssml") return voice_format::ssml;
        if (*format == "vxml" || *format == "voicexml") return voice_format::voicexml;
        if (*format == "twiml") return voice_format::twiml;
        throw domain::invalid_input("format", "format must be json, text, ssml, voicexml or twiml");
    }
    auto accept = request.header("Accept");
    if (accept.find("application/ssml+xml") != std::string_view::npos) return voice_format::ssml;
    if (accept.find("application/voicexml+xml") != std::string_view::npos) return voice_format::voicexml;
    if (accept.find("text/plain") != std::string_view::npos && accept.find("json") == std::string_view::npos)
        return voice_format::text;
    return voice_format::json;
}

// The caller's postcode and language, from the registry when a phone is given.
struct caller {
    std::optional<std::string> postcode;
    std::string language;
    domain::service_set services;
    std::optional<domain::customer> customer;
};

caller identify(const request_context& request, service::customer_service& customers, const std::string& default_language) {
    caller who;
    if (auto phone = request.query_param("phone"); phone && !phone->empty()) {
        if (!customers.normalise_phone(*phone))
            throw domain::invalid_input("phone", "phone is not a valid phone number");
        who.customer = customers.find_by_phone(*phone);
        if (who.customer) {
            who.postcode = who.customer->postcode;
            who.language = who.customer->language;
            who.services = who.customer->services;
        }
    }
    if (!who.postcode) {
        if (auto postcode = request.query_param("postcode"); postcode && !postcode->empty())
            who.postcode = domain::require_postcode(*postcode, "postcode");
    }
    if (auto lang = request.query_param("lang"); lang && !lang->empty()) {
        if (lang->size() > 8) throw domain::invalid_input("lang", "lang must be a language code such as es or en");
        who.language = *lang;
    }
    if (who.language.empty()) who.language = default_language;
    return who;
}

struct rendered_answer {
    std::string body;
    std::string content_type;
    std::string etag;
};

rendered_answer render_announcement(const domain::announcement& a, voice_format format, bool known_caller) {
    rendered_answer out;
    switch (format) {
        case voice_format::json: {
            json incidents = json::array();
            for (const auto& i : a.incidents)
                incidents.push_back({{"id", i.id},
                                     {"title", i.title},
                                     {"severity", domain::severity_name(i.level)},
                                     {"status", domain::status_name(i.status)},
                                     {"eta", optional_time(i.eta)},
                                     {"version", i.version},
                                     {"ivr", i.ivr}});
            json body = {{"postcode", a.postcode.empty() ? json(nullptr) : json(a.postcode)},
                         {"active", a.active},
                         {"version", a.version},
                         {"announcement", a.text},
                         {"lang", a.language},
                         {"incident_count", a.incidents.size()},
                         {"incidents", incidents}};
            if (!known_caller) body["reason"] = "unknown_caller";
            out.body = body.dump();
            out.content_type = "application/json";
            break;
        }
        case voice_format::text:
            out.body = a.text;
            out.content_type = "text/plain; charset=utf-8";
            break;
        case voice_format::ssml:
            out.body = domain::to_ssml(a.text, a.language);
            out.content_type = "application/ssml+xml";
            break;
        case voice_format::voicexml:
            out.body = domain::to_voicexml(a.text, a.language);
            out.content_type = "application/voicexml+xml";
            break;
        case voice_format::twiml:
            out.body = domain::to_twiml(a.text, a.language);
            out.content_type = "application/xml";
            break;
    }
    out.etag = quoted_etag(fnv1a(out.body));
    return out;
}

// Every caller in a postcode hears the same words until the incidents change,
// and an outage brings thousands of calls a minute for a few hundred distinct
// answers, so each answer is rendered once per active snapshot. A cached
// answer belongs to the snapshot it was rendered from: a new snapshot (any
// incident change, or the minutely re-render) empties the cache, and holding
// the old snapshot keeps its address from being reused by a new one.
class announcement_cache {
public:
    using answer_ptr = std::shared_ptr<const rendered_answer>;

    template <typename Render>
    answer_ptr get(const std::shared_ptr<const domain::active_set>& snapshot, const std::string& key, Render render) {
        auto& shard = shards_[std::hash<std::string>{}(key) % shards_.size()];
        {
            std::lock_guard lock(shard.mutex);
            if (shard.snapshot == snapshot) {
                if (auto it = shard.answers.find(key); it != shard.answers.end()) return it->second;
            }
        }
        auto answer = std::make_shared<const rendered_answer>(render());
        std::lock_guard lock(shard.mutex);
        if (shard.snapshot != snapshot) {
            shard.answers.clear();
            shard.snapshot = snapshot;
        }
        // Postcodes are unbounded input: start over rather than grow without limit.
        if (shard.answers.size() >= max_answers_per_shard) shard.answers.clear();
        shard.answers.emplace(key, answer);
        return answer;
    }

private:
    static constexpr std::size_t max_answers_per_shard = 8192;
    struct shard {
        std::mutex mutex;
        std::shared_ptr<const domain::active_set> snapshot;
        std::unordered_map<std::string, answer_ptr> answers;
    };
    std::array<shard, 16> shards_;
};

response answer_response(const rendered_answer& answer) {
    auto res = text_response(status::ok, answer.content_type, answer.body);
    res.set(beast_http::field::etag, answer.etag);
    res.set(beast_http::field::cache_control, "no-cache");
    return res;
}

response not_modified(const std::string& etag) {
    response res{status::not_modified, 11};
    res.set(beast_http::field::etag, etag);
    res.set(beast_http::field::cache_control, "no-cache");
    return res;
}

int wait_seconds(const request_context& request) {
    auto text = request.query_param("wait");
    if (!text || text->empty()) return 0;
    if (text->size() > 2 || text->find_first_not_of("0123456789") != std::string::npos || std::stoi(*text) > 30)
        throw domain::invalid_input("wait", "wait must be a number of seconds from 0 to 30");
    return std::stoi(*text);
}

domain::service_set service_param(const request_context& request) {
    auto text = request.query_param("service");
    if (!text || text->empty()) return {};
    auto parsed = domain::parse_service(*text);
    if (!parsed)
        throw domain::invalid_input("service", "service must be one of mobile_voice, mobile_data, fixed_voice, broadband, tv");
    return *parsed;
}

std::string accept_language(const request_context& request, const std::string& fallback) {
    if (auto lang = request.query_param("lang"); lang && !lang->empty() && lang->size() <= 8) return *lang;
    auto header = request.header("Accept-Language");
    if (header.size() >= 2 && std::isalpha(static_cast<unsigned char>(header[0])) &&
        std::isalpha(static_cast<unsigned char>(header[1]))) {
        std::string lang(header.substr(0, 2));
        for (auto& c : lang) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return lang;
    }
    return fallback;
}

}  // namespace

void add_lookup_routes(router& routes, api_services services) {
    auto& incidents = services.incidents;
    auto& customers = services.customers;

    routes.add(verb::get, "/v1/ivr/announcement", {role::ivr},
               [&incidents, &customers, cache = std::make_shared<announcement_cache>()](
                   std::shared_ptr<request_context> request, responder respond) {
        if (!request->query_param("postcode") && !request->query_param("phone"))
            throw domain::invalid_input("postcode", "give postcode or phone");
        auto who = identify(*request, customers, incidents.snapshot()->default_language());
        auto format = pick_format(*request);
        auto caller_services = who.services;
        if (auto wanted = service_param(*request); !wanted.empty()) caller_services = wanted;
        const bool known = who.postcode.has_value();
        std::string key = who.postcode.value_or("");
        key += '\n';
        key += who.language;
        key += '\n';
        key += std::to_string(caller_services.bits()) + '/' + std::to_string(static_cast<int>(format)) + (known ? "k" : "u");
        auto compute = [&incidents, cache, key, postcode = who.postcode.value_or(""), language = who.language,
                        caller_services, format, known] {
            auto snapshot = incidents.snapshot();
            return cache->get(snapshot, key, [&] {
                domain::announcement a;
                a.language = language;
                if (known) a = domain::announce(*snapshot, postcode, language, caller_services);
                return render_announcement(a, format, known);
            });
        };
        auto current = compute();
        auto if_none_match = request->header("If-None-Match");
        if (if_none_match != current->etag) return respond(answer_response(*current));
        int wait = wait_seconds(*request);
        if (wait == 0) return respond(not_modified(current->etag));
        incidents.waiters().wait(
            std::chrono::seconds(wait), [compute, if_none_match = std::string(if_none_match)] { return compute()->etag != if_none_match; },
            [compute, respond] { respond(answer_response(*compute())); },
            [respond, if_none_match = std::string(if_none_match)] { respond(not_modified(if_none_match)); });
    });

    routes.add(verb::get, "/v1/agent/context", {role::agent},
               [&incidents, &customers, services](std::shared_ptr<request_context> request, responder respond) {
        auto reads = customers.one_read_transaction();
        std::optional<domain::customer> customer;
        std::optional<std::string> postcode;
        if (auto id = request->query_param("customer_id"); id && !id->empty()) {
            customer = customers.find(*id);
            if (!customer) throw service::not_found("No customer " + *id + ".");
        } else if (auto phone = request->query_param("phone"); phone && !phone->empty()) {
            if (!customers.normalise_phone(*phone)) throw domain::invalid_input("phone", "phone is not a valid phone number");
            customer = customers.find_by_phone(*phone);
        }
        if (customer) postcode = customer->postcode;
        if (!postcode) {
            if (auto text = request->query_param("postcode"); text && !text->empty())
                postcode = domain::require_postcode(*text, "postcode");
        }
        if (!customer && !postcode && !request->query_param("phone"))
            throw domain::invalid_input("customer_id", "give customer_id, phone or postcode");
        auto snapshot = incidents.snapshot();
        const std::string language = request->query_param("lang").value_or(customer ? customer->language : snapshot->default_language());
        // Built member by member, not from initializer lists (which copy every
        // value once more): this answer is built on every agent lookup.
        json items = json::array();
        if (postcode) {
            for (const auto* item : snapshot->covering(*postcode, customer ? customer->services : domain::service_set{})) {
                json& entry = items.emplace_back(json::value_t::object);
                entry["id"] = item->data.id;
                entry["title"] = item->data.title;
                entry["severity"] = domain::severity_name(item->data.level);
                entry["status"] = domain::status_name(item->data.status);
                entry["eta"] = optional_time(item->data.eta);
                entry["version"] = item->data.version;
                entry["services"] = item->data.services.names();
                entry["script"] = snapshot->text(*item, language, domain::channel::agent_script);
            }
        }
        json out(json::value_t::object);
        out["customer"] = customer ? customer_json(*customer) : json(nullptr);
        out["postcode"] = postcode ? json(*postcode) : json(nullptr);
        out["affected"] = !items.empty();
        out["incidents"] = std::move(items);
        out["contacts"] = json::array();
        out["callbacks"] = json::array();
        out["owner"] = nullptr;
        out["compensation"] = json::array();
        if (!customer && !postcode) out["reason"] = "unknown_caller";
        add_caller_history(out, services, customer, request->query_param("phone").value_or(""));
        if (customer && services.notifications) out["compensation"] = services.notifications->customer_compensation(customer->id);
        respond(json_response(status::ok, out.dump()));
    }, runs_on::lookup_threads);

    routes.add(verb::get, "/v1/status", {}, [&incidents](std::shared_ptr<request_context> request, responder respond) {
        auto text = request->query_param("postcode");
        if (!text || text->empty()) throw domain::invalid_input("postcode", "postcode is required");
        auto postcode = domain::require_postcode(*text, "postcode");
        auto snapshot = incidents.snapshot();
        auto language = accept_language(*request, snapshot->default_language());
        json items = json::array();
        for (const auto* item : snapshot->covering(postcode))
            items.push_back({{"id", item->data.id},
                             {"title", item->data.title},
                             {"severity", domain::severity_name(item->data.level)},
                             {"status", domain::status_name(item->data.status)},
                             {"services", item->data.services.names()},
                             {"eta", optional_time(item->data.eta)},
                             {"started_at", domain::format_rfc3339_utc(item->data.started_at)},
                             {"updated_at", domain::format_rfc3339_utc(item->data.updated_at)},
                             {"message", snapshot->text(*item, language, domain::channel::status_page)}});
        json out = {{"postcode", postcode}, {"active", !items.empty()}, {"lang", language}, {"incidents", items}};
        auto res = json_response(status::ok, out.dump());
        res.set(beast_http::field::cache_control, "no-cache");
        res.set(beast_http::field::access_control_allow_origin, "*");
        respond(std::move(res));
    });
}

}  // namespace outagedesk::http
