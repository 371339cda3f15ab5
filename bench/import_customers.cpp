// Imports N generated customers (default 1,000,000) into a fresh store through
// the code path of POST /v1/customers/import and import-customers, and
// prints the time, the rate, and how long a small write waited meanwhile.
// Usage: bench_import_customers [N] [FILE.csv]
#include "bench/bench_support.hpp"
#include "outagedesk/config/config.hpp"
#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/service/customer_import.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <iterator>

using namespace outagedesk;

int main(int argc, char** argv) {
    spdlog::set_level(spdlog::level::warn);
    const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 1000000;
    std::string csv;
    if (argc > 2) {
        std::ifstream in(argv[2], std::ios::binary);
        csv.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else {
        csv = bench::customer_csv(n);
    }
    const auto dir = bench::scratch_dir("outagedesk-bench-import");
    config::settings settings;
    settings.database = dir / "bench.db";
    metrics::registry metrics;
    double seconds = 0;
    service::import_summary summary;
    double p99 = 0, worst = 0, cpu = 0;
    {
        store::database db(settings.database, settings.store, metrics);
        service::customer_import imports(db, settings, service::system_clock());
        bench::write_probe probe(db);
        const auto started = std::chrono::steady_clock::now();
        const auto cpu_started = bench::cpu_seconds();
        summary = imports.run(csv, "bench");
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        cpu = bench::cpu_seconds() - cpu_started;
        p99 = probe.percentile(0.99);
        worst = probe.max();
    }
    std::printf("import_customers: %lld rows (%zu MB) in %.2f s = %.0f rows/s (%.2f CPU s); inserted %lld, rejected %lld\n",
                static_cast<long long>(summary.inserted + summary.updated), csv.size() >> 20, seconds,
                static_cast<double>(summary.inserted + summary.updated) / seconds, cpu,
                static_cast<long long>(summary.inserted), static_cast<long long>(summary.rejected_count));
    std::printf("  a one-row write meanwhile waited p99 %.1f ms, max %.1f ms\n", p99, worst);
    std::filesystem::remove_all(dir);
    return 0;
}
