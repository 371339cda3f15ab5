// The outagedesk command line: wiring and argument parsing only. Everything it
// runs lives in the core library.
#include "outagedesk/config/config.hpp"
#include "outagedesk/domain/errors.hpp"
#include "outagedesk/domain/role.hpp"
#include "outagedesk/logging/thread_buffered_sink.hpp"
#include "outagedesk/http/api_routes.hpp"
#include "outagedesk/http/contact_routes.hpp"
#include "outagedesk/http/notification_routes.hpp"
#include "outagedesk/http/operations_routes.hpp"
#include "outagedesk/http/push_routes.hpp"
#include "outagedesk/http/static_routes.hpp"
#include "outagedesk/http/webhook_routes.hpp"
#include "outagedesk/platform/thread_name.hpp"
#include "outagedesk/push/gateway_worker.hpp"
#include "outagedesk/push/webhook_worker.hpp"
#include "outagedesk/http/router.hpp"
#include "outagedesk/http/server.hpp"
#include "outagedesk/metrics/registry.hpp"
#include "outagedesk/service/auth.hpp"
#include "outagedesk/service/alert_service.hpp"
#include "outagedesk/service/callback_service.hpp"
#include "outagedesk/service/clock.hpp"
#include "outagedesk/service/contact_service.hpp"
#include "outagedesk/service/customer_import.hpp"
#include "outagedesk/service/customer_service.hpp"
#include "outagedesk/service/demo_data.hpp"
#include "outagedesk/service/incident_service.hpp"
#include "outagedesk/service/notification_service.hpp"
#include "outagedesk/service/startup.hpp"
#include "outagedesk/service/webhook_service.hpp"
#include "outagedesk/store/database.hpp"
#include "outagedesk/store/sqlite_setup.hpp"
#include "outagedesk/store/migrations.hpp"
#include "outagedesk/store/token_repository.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <unistd.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>
#include <iostream>
#include <map>
#include <thread>
#include <vector>

namespace {

using namespace outagedesk;

constexpr const char* usage = R"(usage: outagedesk <command> [options]

commands:
  serve [--listen HOST:PORT]          run the server (port 0 picks a free port)
  migrate                             apply pending schema migrations
  token create --role R --name N      create a token (admin|ops|agent|ivr); prints it once
  token revoke --name N               revoke a token at once
  demo                                load demo data into an empty database
  import-customers FILE.csv           upsert customers from CSV; prints {inserted, updated, rejected}

options for every command:
  --config FILE   configuration file (default config/outagedesk.json)
  --db PATH       database file, overriding the configuration
)";

struct command_line {
    std::vector<std::string> words;
    std::map<std::string, std::string> options;
};

command_line parse_command_line(int argc, char** argv) {
    command_line cl;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            std::cout << usage;
            std::exit(0);
        }
        if (arg.rfind("--", 0) == 0) {
            auto eq = arg.find('=');
            if (eq != std::string::npos) {
                cl.options[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
            } else {
                if (i + 1 >= argc) throw std::invalid_argument("option " + arg + " needs a value");
                cl.options[arg.substr(2)] = argv[++i];
            }
        } else {
            cl.words.push_back(arg);
        }
    }
    return cl;
}

std::string option(const command_line& cl, const std::string& name, const std::string& fallback = "") {
    auto it = cl.options.find(name);
    return it == cl.options.end() ? fallback : it->second;
}

void only_options(const command_line& cl, std::initializer_list<const char*> allowed) {
    for (const auto& [name, value] : cl.options) {
        bool known = name == "config" || name == "db";
        for (const char* a : allowed) known = known || name == a;
        if (!known) throw std::invalid_argument("unknown option --" + name);
    }
}

std::string now_rfc3339() {
    std::time_t t = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

config::settings load(const command_line& cl) {
    auto settings = config::load_settings(option(cl, "config", "config/outagedesk.json"));
    if (auto db = option(cl, "db"); !db.empty()) settings.database = db;
    return settings;
}

enum class log_mode { synchronous, buffered };

// The server logs every request. Its lines are buffered by the thread that
// logs them and written in batches by one background thread
// (logging::thread_buffered_sink), so logging costs a request no lock wait and
// no system call; a terminal gets colours and synchronous writes instead. The
// CLI commands log synchronously.
void setup_logging(const config::settings& settings, log_mode mode = log_mode::synchronous) {
    std::shared_ptr<spdlog::logger> logger;
    if (mode == log_mode::buffered && !::isatty(STDERR_FILENO)) {
        logger = std::make_shared<spdlog::logger>("outagedesk",
                                                  std::make_shared<logging::thread_buffered_sink>(STDERR_FILENO));
        spdlog::register_logger(logger);
    } else {
        logger = spdlog::stderr_color_mt("outagedesk");
    }
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::from_str(settings.log_level));
}

int serve(const command_line& cl) {
    only_options(cl, {"listen"});
    auto settings = load(cl);
    if (auto listen = option(cl, "listen"); !listen.empty()) settings.listen = config::parse_listen_address(listen, "--listen");
    setup_logging(settings, log_mode::buffered);
    // Writes the buffered log lines however serve() ends, so the last lines
    // (an error that stops the server, say) are written.
    struct flush_logs_at_exit {
        ~flush_logs_at_exit() { spdlog::shutdown(); }
    } flush_logs;
    auto tls = settings.tls ? http::make_tls_context(*settings.tls) : nullptr;  // fails at start, before any work

    auto zone = service::load_time_zone(settings.timezone);
    auto templates = service::load_templates(settings.templates_dir);
    auto clock = service::system_clock();
    // Tests move time through a file (docs/operations.md, "Test clock"); never set in production.
    if (const char* offset_file = std::getenv(service::clock_offset_variable); offset_file && *offset_file) {
        clock = service::offset_clock(offset_file);
        spdlog::warn("test clock: system time plus the offset in {}", offset_file);
    }

    metrics::registry metrics;
    const auto sqlite_setup = store::prepare_sqlite();
    if (!sqlite_setup.page_cache_guard)
        spdlog::warn("SQLite was initialised before the page cache guard: every commit will walk the writer's whole cache");
    if (!sqlite_setup.frame_write_vfs)
        spdlog::warn("the frame-writing VFS is not installed: SQLite writes each log frame with two system calls");
    store::database db(settings.database, settings.store, metrics);
    store::token_repository tokens(db);
    service::authenticator auth(tokens);
    // One io_context per thread (see http/server.hpp); services' timers and
    // the signals run on the first.
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts;
    for (unsigned i = 0; i < std::max(1u, settings.threads); ++i)
        contexts.push_back(std::make_unique<boost::asio::io_context>(1));
    boost::asio::io_context& io = *contexts.front();
    // The other contexts have nothing to do until connections arrive; keep
    // their threads running until shutdown.
    std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> keep_running;
    for (std::size_t i = 1; i < contexts.size(); ++i) keep_running.push_back(boost::asio::make_work_guard(*contexts[i]));
    service::customer_service customers(db, settings, clock);
    service::incident_service incidents(db, settings, zone, std::move(templates), clock, io);
    incidents.start();
    push::event_hub hub(metrics);
    store::event_repository event_log(db);
    push::stream_tickets tickets;
    incidents.add_event_sink([&hub](const service::published_event& event) { hub.publish(event); });
    service::alert_service alerts(db, settings, incidents, clock);
    service::contact_service contacts(db, settings, incidents, customers, alerts, clock, metrics);
    service::callback_service callbacks(db, clock, io, metrics);
    alerts.add_event_sink([&hub](const service::published_event& event) { hub.publish(event); });
    callbacks.add_event_sink([&hub](const service::published_event& event) { hub.publish(event); });
    alerts.start();
    contacts.start();
    service::webhook_service webhooks(db);
    push::webhook_worker webhook_delivery(db, settings.webhooks, metrics);
    incidents.add_event_sink([&webhook_delivery](const service::published_event&) { webhook_delivery.wake(); });
    alerts.add_event_sink([&webhook_delivery](const service::published_event&) { webhook_delivery.wake(); });
    callbacks.add_event_sink([&webhook_delivery](const service::published_event&) { webhook_delivery.wake(); });
    service::customer_import imports(db, settings, clock);
    service::notification_service notifications(db, settings, incidents, clock, metrics);
    push::gateway_worker gateway(db, settings.notify, zone, clock, metrics);

    // One thread for reports that read a whole outbox (see notification_routes.hpp).
    boost::asio::thread_pool reports(1);
    boost::asio::post(reports, [] { platform::name_this_thread("od-reports"); });
    http::router routes([&auth](std::string_view header) { return auth.authenticate(header); }, metrics);
    routes.limit_rate(settings.http.rate_limit_per_token, settings.http.rate_burst_per_token);
    // Store reads of the agent and ops lookups run here, off the I/O threads
    // (see http/router.hpp); the threads start below with the I/O threads.
    boost::asio::io_context lookups(static_cast<int>(std::max(1u, settings.lookup_threads)));
    auto lookups_open = boost::asio::make_work_guard(lookups);
    if (settings.lookup_threads > 0)
        routes.run_with(http::runs_on::lookup_threads,
                        [&lookups](std::function<void()> job) { boost::asio::post(lookups, std::move(job)); });
    routes.run_with(http::runs_on::report_thread,
                    [&reports](std::function<void()> job) { boost::asio::post(reports, std::move(job)); });
    http::add_operations_routes(routes, [&db] { return db.ping(); }, metrics);
    http::api_services api{incidents, customers};
    api.contacts = &contacts;
    api.callbacks = &callbacks;
    api.notifications = &notifications;
    http::add_incident_routes(routes, api);
    http::add_customer_routes(routes, api);
    http::add_lookup_routes(routes, api);
    http::add_contact_routes(routes, {incidents, contacts, callbacks, alerts});
    http::add_push_routes(routes, {hub, event_log, tickets,
                                   [&auth](std::string_view header) { return auth.authenticate(header); },
                                   push::stream_settings{settings.push.max_queue, settings.push.heartbeat,
                                                         settings.push.write_timeout}});
    http::add_webhook_routes(routes, webhooks);
    http::add_notification_routes(routes, {incidents, notifications, imports});
    http::add_static_routes(routes, settings.web_root);
    webhook_delivery.start();
    notifications.start();
    gateway.start();

    // Relative ETA words ("today", "tomorrow") go stale at midnight; re-render each minute.
    boost::asio::steady_timer refresh_timer(io);
    std::function<void()> schedule_refresh = [&] {
        refresh_timer.expires_after(std::chrono::seconds(60));
        refresh_timer.async_wait([&](const boost::system::error_code& ec) {
            if (ec) return;
            incidents.refresh();
            schedule_refresh();
        });
    };
    schedule_refresh();
    callbacks.start();
    std::vector<boost::asio::io_context*> context_pointers;
    for (auto& context : contexts) context_pointers.push_back(context.get());
    auto front = std::make_shared<http::server>(context_pointers, settings.http, routes, metrics, tls);
    auto bound = front->listen(settings.listen.host, settings.listen.port);
    spdlog::info("listening on {}:{}", bound.address().to_string(), bound.port());

    std::mutex stop_mutex;
    std::condition_variable stop_signalled;
    bool stopping = false;
    bool finished = false;  // the I/O threads returned
    bool stopped = false;   // everything after them too
    // What the shutdown is doing, so one that hangs says where.
    std::atomic<const char*> stage{"finishing in-flight requests"};
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        spdlog::info("signal {} received: finishing in-flight requests", signal);
        front->shut_down();
        refresh_timer.cancel();
        callbacks.stop();
        hub.shut_down();
        for (auto& guard : keep_running) guard.reset();
        std::lock_guard lock(stop_mutex);
        stopping = true;
        stop_signalled.notify_all();
    });
    // Bounds the drain: requests still running (a long-poll, say) after the
    // grace period are cut off. If the rest of the stop still hangs, the
    // process ends anyway, naming the stage: everything acknowledged is
    // committed, so this loses no more than a crash would, and an operator's
    // stop (or a supervisor's restart) is never left waiting.
    std::thread watchdog = platform::named_thread("od-watchdog", [&] {
        std::unique_lock lock(stop_mutex);
        stop_signalled.wait(lock, [&] { return stopping || finished; });
        if (!stop_signalled.wait_for(lock, std::chrono::seconds(10), [&] { return finished; }))
            for (auto& context : contexts) context->stop();
        if (!stop_signalled.wait_for(lock, std::chrono::seconds(15), [&] { return stopped; })) {
            // Straight to stderr: the log writer may be what is stuck.
            std::fprintf(stderr, "outagedesk: the stop hung for 25 s while %s; exiting without a clean stop\n",
                         stage.load());
            std::fflush(stderr);
            std::_Exit(70);
        }
    });
    // However serve() leaves from here (an exception from a stop included),
    // the watchdog is told and joined.
    struct release_watchdog {
        std::function<void()> release;
        ~release_watchdog() { release(); }
    } watchdog_release{[&] {
        {
            std::lock_guard lock(stop_mutex);
            stopped = true;
            stop_signalled.notify_all();
        }
        watchdog.join();
    }};

    std::vector<std::thread> lookup_threads;
    for (unsigned i = 0; i < settings.lookup_threads; ++i)
        lookup_threads.push_back(platform::named_thread("od-lookup-" + std::to_string(i), [&lookups] { lookups.run(); }));
    std::vector<std::thread> workers;
    for (std::size_t i = 1; i < contexts.size(); ++i)
        workers.push_back(platform::named_thread("od-io-" + std::to_string(i), [&context = *contexts[i]] { context.run(); }));
    platform::name_this_thread("od-io-0");
    io.run();
    stage = "waiting for the other I/O threads";
    for (auto& w : workers) w.join();
    // Every connection has ended, so no lookup is queued or running.
    stage = "stopping the lookup threads";
    lookups_open.reset();
    for (auto& t : lookup_threads) t.join();
    {
        std::lock_guard lock(stop_mutex);
        finished = true;
        stop_signalled.notify_all();
    }
    stage = "stopping webhook delivery";
    webhook_delivery.stop();
    stage = "stopping the gateway worker";
    gateway.stop();
    stage = "stopping notification queuing";
    notifications.stop();
    stage = "stopping customer imports";
    imports.stop();
    stage = "stopping the store's writer";
    db.stop();
    // Connections and answers left on the other contexts still hold the
    // server, whose acceptor belongs to the first: end them while the first
    // still exists (and after the writer, which posts answers to them, stopped).
    stage = "closing what connections remain";
    while (contexts.size() > 1) contexts.pop_back();
    spdlog::info("stopped cleanly");
    return 0;
}

int migrate_command(const command_line& cl) {
    only_options(cl, {});
    auto settings = load(cl);
    if (settings.database.has_parent_path()) std::filesystem::create_directories(settings.database.parent_path());
    store::connection conn(settings.database, store::connection::mode::read_write,
                           static_cast<int>(settings.store.busy_timeout.count()));
    int applied = store::migrate(conn);
    std::cerr << "applied " << applied << " migration(s); schema version " << store::schema_version(conn) << "\n";
    return 0;
}

int demo_command(const command_line& cl) {
    only_options(cl, {});
    auto settings = load(cl);
    metrics::registry metrics;
    store::database db(settings.database, settings.store, metrics);
    boost::asio::io_context io;
    auto clock = service::system_clock();
    service::incident_service incidents(db, settings, service::load_time_zone(settings.timezone),
                                        service::load_templates(settings.templates_dir), clock, io);
    auto summary = service::load_demo(db, incidents, clock);
    if (summary.loaded)
        std::cerr << "demo data loaded: " << summary.customers << " customers, incident " << summary.incident_id << "\n";
    else
        std::cerr << "the database holds incidents already; demo data not loaded\n";
    return 0;
}

int import_customers_command(const command_line& cl) {
    only_options(cl, {});
    if (cl.words.size() != 2) throw std::invalid_argument("import-customers needs one FILE.csv");
    auto settings = load(cl);
    std::ifstream in(cl.words[1], std::ios::binary);
    if (!in) {
        std::cerr << "outagedesk: cannot read " << cl.words[1] << "\n";
        return 1;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    setup_logging(settings);  // stdout carries the answer only
    metrics::registry metrics;
    store::database db(settings.database, settings.store, metrics);
    service::customer_import imports(db, settings, service::system_clock());
    try {
        auto summary = imports.run(text, "cli:import-customers");
        std::cout << service::import_summary_json(summary).dump() << std::endl;
    } catch (const domain::invalid_input& e) {
        std::cerr << "outagedesk: " << cl.words[1] << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}

int token_command(const command_line& cl) {
    only_options(cl, {"role", "name"});
    if (cl.words.size() < 2) throw std::invalid_argument("token needs create or revoke");
    auto settings = load(cl);
    metrics::registry metrics;
    store::database db(settings.database, settings.store, metrics);
    store::token_repository tokens(db);
    const std::string name = option(cl, "name");
    if (name.empty() || name.size() > 100) throw std::invalid_argument("--name is required (1 to 100 characters)");
    if (cl.words[1] == "create") {
        auto role = domain::parse_role(option(cl, "role"));
        if (!role) throw std::invalid_argument("--role must be admin, ops, agent or ivr");
        std::string token = service::generate_token();
        if (!tokens.create(name, *role, service::hash_token(token), now_rfc3339())) {
            std::cerr << "a token named '" << name << "' exists already; revoke it first\n";
            return 1;
        }
        std::cout << token << std::endl;
        return 0;
    }
    if (cl.words[1] == "revoke") {
        if (!tokens.revoke(name, now_rfc3339())) {
            std::cerr << "no active token named '" << name << "'\n";
            return 1;
        }
        std::cerr << "revoked '" << name << "'\n";
        return 0;
    }
    throw std::invalid_argument("token needs create or revoke");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        auto cl = parse_command_line(argc, argv);
        if (cl.words.empty()) {
            std::cerr << usage;
            return 2;
        }
        const auto& command = cl.words[0];
        if (command == "serve") return serve(cl);
        if (command == "migrate") return migrate_command(cl);
        if (command == "token") return token_command(cl);
        if (command == "demo") return demo_command(cl);
        if (command == "import-customers") return import_customers_command(cl);
        std::cerr << "unknown command '" << command << "'\n" << usage;
        return 2;
    } catch (const config::config_error& e) {
        std::cerr << "outagedesk: " << e.what() << "\n";
        return 78;  // EX_CONFIG
    } catch (const std::invalid_argument& e) {
        std::cerr << "outagedesk: " << e.what() << "\n" << usage;
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "outagedesk: " << e.what() << "\n";
        return 1;
    }
}
