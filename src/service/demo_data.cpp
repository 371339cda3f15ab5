#include "outagedesk/service/demo_data.hpp"

#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/store/customer_repository.hpp"

#include <future>

namespace outagedesk::service {

namespace {
struct province {
    const char* prefix;  // first two digits of its postcodes
    const char* name;
};
constexpr province provinces[] = {{"28", "Madrid"},  {"08", "Barcelona"}, {"46", "Valencia"},
                                  {"41", "Sevilla"}, {"48", "Bizkaia"},   {"29", "Málaga"}};
const char* const tariffs[] = {"fibra_600", "fibra_1g_movil", "movil_ilimitado", "fijo_basico"};
}  // namespace

demo_summary load_demo(store::database& db, incident_service& incidents, clock_fn clock) {
    demo_summary summary;
    if (!incidents.list(store::incident_state_filter::all, std::nullopt, 1).empty()) return summary;
    const auto at = domain::format_rfc3339_utc(clock());
    std::vector<domain::customer> customers;
    for (int i = 0; i < 600; ++i) {
        const auto& p = provinces[i % std::size(provinces)];
        domain::customer c;
        char id[16];
        std::snprintf(id, sizeof id, "C%05d", i + 1);
        c.id = id;
        char postcode[8];
        std::snprintf(postcode, sizeof postcode, "%s%03d", p.prefix, (i * 7) % 100 + 1);
        c.postcode = postcode;
        char phone[16];
        std::snprintf(phone, sizeof phone, "+34600%06d", i + 1);
        c.phone = phone;
        c.email = "cliente" + std::to_string(i + 1) + "@example.es";
        c.language = i % 10 == 9 ? "en" : "es";
        c.services = domain::service_set::from_bits(static_cast<std::uint8_t>(i % 2 == 0 ? 0b01011 : 0b00011));
        c.preferred_channel = i % 3 == 0 ? domain::contact_preference::email : domain::contact_preference::sms;
        c.monthly_fee_cents = 3000 + (i % 5) * 1000;
        c.avg_bill_3m_cents = c.monthly_fee_cents + (i % 7) * 250;
        c.tariff = tariffs[i % std::size(tariffs)];
        customers.push_back(std::move(c));
    }
    db.write_sync([&](store::write_context& w) {
        for (const auto& c : customers) store::customer_repository::upsert(w, c, at);
    });
    summary.customers = customers.size();

    domain::incident_draft draft;
    if (const auto* base = incidents.find_template("fibre_cut")) domain::apply_template(draft, *base);
    draft.title = "Corte de fibra en Madrid centro";
    draft.areas = domain::parse_areas({"28001..28015", "28020"}, "areas");
    draft.eta = clock() + std::chrono::hours(4);
    draft.note = "demo incident";
    if (draft.messages.empty())
        draft.messages["es"][domain::channel::ivr] = "Hay una avería en su zona. Reparación estimada: {{eta}}.";
    std::promise<std::string> declared;
    incidents.declare(draft, "demo", std::nullopt, [&declared](std::exception_ptr error, incident_result result) {
        if (error)
            declared.set_exception(error);
        else
            declared.set_value(result.incident.id);
    });
    summary.incident_id = declared.get_future().get();
    summary.loaded = true;
    return summary;
}

}  // namespace outagedesk::service
