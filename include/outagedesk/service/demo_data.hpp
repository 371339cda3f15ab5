#pragma once
// Demo data for `outagedesk demo`: customers across several Spanish provinces
// and one active fibre-cut incident, so a fresh install shows something real.
#include "outagedesk/service/customer_service.hpp"
#include "outagedesk/service/incident_service.hpp"

namespace outagedesk::service {

struct demo_summary {
    bool loaded = false;  // false when the database held data already
    std::size_t customers = 0;
    std::string incident_id;
};

demo_summary load_demo(store::database& db, incident_service& incidents, clock_fn clock);

}  // namespace outagedesk::service
