#include "outagedesk/service/customer_service.hpp"

#include "outagedesk/domain/postcode.hpp"
#include "outagedesk/domain/time_zone.hpp"
#include "outagedesk/store/incident_repository.hpp"

#include <memory>

namespace outagedesk::service {

void customer_service::put(const domain::customer_fields& fields, const std::string& actor,
                           std::function<void(std::exception_ptr, domain::customer, bool)> done) {
    auto made = domain::make_customer(fields, settings_.default_country_code, settings_.default_language);
    auto created = std::make_shared<bool>(false);
    db_.submit(
        [this, made, actor, created](store::write_context& w) {
            const auto at = domain::format_rfc3339_utc(clock_());
            *created = store::customer_repository::upsert(w, made, at);
            store::audit_log::append(w, at, actor, *created ? "customer.create" : "customer.update", made.id);
        },
        [made, created, done](std::exception_ptr error) { done(error, made, *created); });
}

std::optional<std::string> customer_service::normalise_phone(const std::string& raw) const {
    return domain::normalise_phone(raw, settings_.default_country_code);
}

std::optional<domain::customer> customer_service::find_by_phone(const std::string& raw) {
    auto phone = normalise_phone(raw);
    if (!phone) return std::nullopt;
    return customers_.find_by_phone(*phone);
}

}  // namespace outagedesk::service
