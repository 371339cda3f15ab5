// Queues the declared notice for N affected customers (default 1,000,000),
// then resolves the incident (compensation for all of them and the
// resolution notice), through the notification service the server runs, and
// prints the times and how long a small write waited meanwhile (what an API
// write would feel). Usage: bench_queue_notifications [N] [SEED.db]: with a
// SEED that exists, its registry is copied instead of imported (for repeated
// profiling runs); with one that does not, the imported store is saved there.
#include "bench/bench_support.hpp"
#include "outagedesk/config/config.hpp"
#include "outagedesk/domain/area.hpp"
#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/service/customer_import.hpp"
#include "outagedesk/service/incident_service.hpp"
#include "outagedesk/service/notification_service.hpp"

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <future>

using namespace outagedesk;

namespace {

domain::incident wait_for(std::function<void(service::incident_done)> start) {
    std::promise<domain::incident> done;
    auto result = done.get_future();
    start([&done](std::exception_ptr error, service::incident_result r) {
        if (error)
            done.set_exception(error);
        else
            done.set_value(r.incident);
    });
    return result.get();
}

}  // namespace

int main(int argc, char** argv) {
    spdlog::set_level(spdlog::level::warn);
    const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 1000000;
    const auto dir = bench::scratch_dir("outagedesk-bench-notify");
    config::settings settings;
    settings.database = dir / "bench.db";
    settings.timezone = "UTC";
    settings.notify.gateway_url.clear();
    settings.notify.quiet.reset();
    metrics::registry metrics;
    const std::filesystem::path seed = argc > 2 ? argv[2] : "";
    if (!seed.empty() && std::filesystem::exists(seed)) {
        std::filesystem::copy_file(seed, settings.database);
    } else {
        store::database db(settings.database, settings.store, metrics);
        service::customer_import imports(db, settings, service::system_clock());
        imports.run(bench::customer_csv(n, 1), "bench");  // everyone in 28xxx
        db.stop();
    }
    // Closed: the WAL is checkpointed into the file, which can be copied.
    if (!seed.empty() && !std::filesystem::exists(seed)) std::filesystem::copy_file(settings.database, seed);
    {
        store::database db(settings.database, settings.store, metrics);
        boost::asio::io_context io;
        const auto clock = service::system_clock();
        service::incident_service incidents(db, settings, domain::time_zone::utc(), {}, clock, io);
        incidents.start();
        service::notification_service notes(db, settings, incidents, clock, metrics);

        domain::incident_draft draft;
        draft.title = "Bench outage";
        draft.level = domain::severity::major;
        draft.areas = domain::parse_areas({"28*"});
        draft.started_at = clock() - std::chrono::hours(30);
        draft.messages["es"][domain::channel::sms] = "Avería {{ref}} en su zona: {{status}}. {{compensation}}";
        draft.messages["es"][domain::channel::email] = "Estimado cliente: avería {{ref}}, {{status}}. {{compensation}}";
        draft.messages["en"][domain::channel::sms] = "Fault {{ref}} in your area: {{status}}. {{compensation}}";
        const auto declared = wait_for([&](service::incident_done done) { incidents.declare(draft, "bench", std::nullopt, done); });

        double seconds = 0, p99 = 0, worst = 0, cpu = 0;
        // One sweep of the pending incident events, timed, with a one-row
        // writer probing how long other writes wait meanwhile.
        auto timed_sweep = [&] {
            bench::write_probe probe(db);
            const auto started = std::chrono::steady_clock::now();
            const auto cpu_started = bench::cpu_seconds();
            notes.process_pending();
            seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            cpu = bench::cpu_seconds() - cpu_started;
            p99 = probe.percentile(0.99);
            worst = probe.max();
        };
        timed_sweep();
        auto counts = notes.counts(declared.id).value_or(store::notification_counts{});
        auto after = incidents.find(declared.id);
        std::printf("queue_notifications: %lld affected customers, %lld declared notices queued in %.2f s = %.0f/s "
                    "(%.2f CPU s)\n",
                    static_cast<long long>(after->stats.affected_customers), static_cast<long long>(counts.queued), seconds,
                    static_cast<double>(counts.queued) / seconds, cpu);
        std::printf("  a one-row write meanwhile waited p99 %.1f ms, max %.1f ms\n", p99, worst);

        wait_for([&](service::incident_done done) {
            incidents.resolve(declared.id, std::nullopt, "bench", std::nullopt, "bench", done);
        });
        timed_sweep();
        std::map<std::string, store::notification_counts> kinds;
        notes.counts(declared.id, &kinds);
        std::size_t rows = 0;
        store::compensation_page_key key;
        for (;;) {
            auto page = notes.compensations(declared.id, key, 10000);
            rows += page.size();
            if (page.size() < 10000) break;
            key = {page.back().customer_id, std::string(domain::compensation_rule_name(page.back().rule)), page.back().service};
        }
        std::printf("resolve: %zu compensation rows and %lld resolution notices stored in %.2f s (%.2f CPU s)\n", rows,
                    static_cast<long long>(kinds["resolved"].queued), seconds, cpu);
        std::printf("  a one-row write meanwhile waited p99 %.1f ms, max %.1f ms\n", p99, worst);
        db.stop();
    }
    std::filesystem::remove_all(dir);
    return 0;
}
