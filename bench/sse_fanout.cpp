// Fan-out latency of a Server-Sent Events server, measured the same way for
// outagedesk and for nginx + nchan: one thread, one epoll-driven io_context.
//
// Connects CLIENTS subscribers to PATH (keeping at most --parallel handshakes
// in flight), waits until every one has its 200 response header, then for
// each of ROUNDS rounds sends one trigger request (the body with {MARK}
// replaced by a fresh marker) on its own connection and records, per
// subscriber, the time from just before the trigger is written to the moment
// the marker arrives on that subscriber's stream. Prints one key=value line:
//   connected=N rounds=R delivered=D missing=M p50_ms=.. p99_ms=.. max_ms=..
//   trigger_status=201 connect_s=.. rss_kib=.. hwm_kib=.. round_p99_ms=a,b,..
// rss_kib and hwm_kib are VmRSS and VmHWM of --rss-pid, read after the last
// round while every subscriber is still connected.
//
// Usage: bench_sse_fanout --port P --path /v1/events --clients 5000
//          [--host 127.0.0.1] [--header 'K: V']... [--trigger-port P] --trigger-path /pub
//          [--trigger-method POST] [--trigger-header 'K: V']... --trigger-body TEXT
//          [--rounds 3] [--pause 2] [--timeout 30] [--parallel 256] [--rss-pid PID]
// trigger_ms lists, per round, how long the trigger request took to be answered.
// Boost 1.74 asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>
#include <boost/asio.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace net = boost::asio;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    unsigned short trigger_port = 0;
    std::string path = "/v1/events";
    std::vector<std::string> headers;
    std::string trigger_method = "POST";
    std::string trigger_path;
    std::vector<std::string> trigger_headers;
    std::string trigger_body;
    int clients = 100;
    int rounds = 3;
    int parallel = 256;
    double timeout = 30;
    int rss_pid = 0;
    double pause = 2.0;  // seconds between one round's last delivery and the next trigger
};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

long proc_status_kib(int pid, const char* key) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key, 0) == 0) return std::atol(line.c_str() + std::string(key).size() + 1);
    return -1;
}

class bench;

struct subscriber : std::enable_shared_from_this<subscriber> {
    subscriber(net::io_context& io, bench& b, int index) : socket(io), owner(b), index(index) {}
    tcp::socket socket;
    bench& owner;
    int index;
    std::array<char, 16384> buffer{};
    std::string head;       // response header while it arrives
    std::string tail;       // last bytes of the body, so a marker split across reads is found
    bool connected = false;
    bool dead = false;
    int round_seen = -1;    // last round whose marker arrived
    void start();
    void read();
    void on_data(std::size_t n);
};

class bench {
public:
    bench(net::io_context& io, options o) : io_(io), o_(std::move(o)), timer_(io) {
        endpoint_ = tcp::endpoint(net::ip::make_address(o_.host), o_.port);
        trigger_endpoint_ = tcp::endpoint(net::ip::make_address(o_.host), o_.trigger_port ? o_.trigger_port : o_.port);
        std::random_device seed;
        nonce_ = std::to_string(seed() % 1000000000u);
        request_ = "GET " + o_.path + " HTTP/1.1\r\nHost: " + o_.host + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n";
        for (auto& h : o_.headers) request_ += h + "\r\n";
        request_ += "\r\n";
    }

    void run() {
        started_ = clock_type::now();
        for (int i = 0; i < o_.clients; ++i) subs_.push_back(std::make_shared<subscriber>(io_, *this, i));
        for (int i = 0; i < std::min(o_.parallel, o_.clients); ++i) launch_next();
        arm_timeout(o_.timeout + o_.clients / 500.0, [this] {
            std::fprintf(stderr, "sse_fanout: only %d of %d subscribers connected in time\n", connected_, o_.clients);
            begin_rounds();
        });
        io_.run();
    }

    const std::string& request() const { return request_; }
    const tcp::endpoint& endpoint() const { return endpoint_; }
    const std::string& marker() const { return marker_; }
    int round() const { return round_; }
    bool in_round() const { return in_round_; }

    void on_connected(subscriber&) {
        ++connected_;
        launch_next();
        if (connected_ + failed_ == o_.clients) begin_rounds();
    }
    void on_failed(subscriber& s, const std::string& why) {
        if (!s.connected) {
            ++failed_;
            if (failed_ <= 5) std::fprintf(stderr, "sse_fanout: subscriber %d: %s\n", s.index, why.c_str());
            launch_next();
            if (connected_ + failed_ == o_.clients) begin_rounds();
        } else if (!s.dead) {
            ++dropped_;
            if (dropped_ <= 5) std::fprintf(stderr, "sse_fanout: subscriber %d dropped: %s\n", s.index, why.c_str());
        }
        s.dead = true;
        check_round_done();
    }
    void on_marker(subscriber& s) {
        const double ms = std::chrono::duration<double, std::milli>(clock_type::now() - round_started_).count();
        s.round_seen = round_;
        round_latencies_.push_back(ms);
        check_round_done();
    }

private:
    void launch_next() {
        if (next_ >= o_.clients) return;
        subs_[static_cast<std::size_t>(next_++)]->start();
    }

    template <class F>
    void arm_timeout(double seconds, F f) {
        timer_.expires_after(std::chrono::milliseconds(static_cast<long>(seconds * 1000)));
        timer_.async_wait([f](const boost::system::error_code& ec) {
            if (!ec) f();
        });
    }

    void begin_rounds() {
        if (rounds_begun_) return;
        rounds_begun_ = true;
        timer_.cancel();
        connect_seconds_ = std::chrono::duration<double>(clock_type::now() - started_).count();
        std::fprintf(stderr, "sse_fanout: %d subscribers connected in %.1f s (%d failed)\n", connected_, connect_seconds_, failed_);
        // Let the server settle (send its greetings) before the first round.
        arm_timeout(1.0, [this] { next_round(); });
    }

    void next_round() {
        if (round_ + 1 >= o_.rounds) return finish();
        ++round_;
        marker_ = "BENCHMARK-" + nonce_ + "-" + std::to_string(round_);
        round_latencies_.clear();
        in_round_ = true;
        round_done_ = false;
        send_trigger();
        arm_timeout(o_.timeout, [this] { end_round(); });
    }

    void send_trigger() {
        auto socket = std::make_shared<tcp::socket>(io_);
        auto body = replace_all(o_.trigger_body, "{MARK}", marker_);
        auto text = std::make_shared<std::string>(o_.trigger_method + " " + replace_all(o_.trigger_path, "{MARK}", marker_) +
                                                  " HTTP/1.1\r\nHost: " + o_.host + "\r\nConnection: close\r\n");
        for (auto& h : o_.trigger_headers) *text += h + "\r\n";
        *text += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        auto reply = std::make_shared<std::string>();
        auto chunk = std::make_shared<std::array<char, 4096>>();
        socket->async_connect(trigger_endpoint_, [this, socket, text, reply, chunk](const boost::system::error_code& ec) {
            if (ec) {
                std::fprintf(stderr, "sse_fanout: trigger connect: %s\n", ec.message().c_str());
                return;
            }
            round_started_ = clock_type::now();
            net::async_write(*socket, net::buffer(*text), [this, socket, text, reply, chunk](const boost::system::error_code& ec, std::size_t) {
                if (ec) return;
                read_trigger(socket, reply, chunk);
            });
        });
    }

    void read_trigger(std::shared_ptr<tcp::socket> socket, std::shared_ptr<std::string> reply,
                      std::shared_ptr<std::array<char, 4096>> chunk) {
        socket->async_read_some(net::buffer(*chunk), [this, socket, reply, chunk](const boost::system::error_code& ec, std::size_t n) {
            reply->append(chunk->data(), n);
            if (!ec && reply->size() < 65536) return read_trigger(socket, reply, chunk);
            auto space = reply->find(' ');
            trigger_status_ = space == std::string::npos ? 0 : std::atoi(reply->c_str() + space + 1);
            trigger_ms_.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - round_started_).count());
            if (trigger_status_ < 200 || trigger_status_ >= 300)
                std::fprintf(stderr, "sse_fanout: trigger answered: %.300s\n", reply->c_str());
        });
    }

    void check_round_done() {
        if (!in_round_ || round_done_) return;
        // Counted, not scanned: this runs once per delivery.
        if (static_cast<int>(round_latencies_.size()) >= connected_ - dropped_) {
            round_done_ = true;
            timer_.cancel();
            // A pause between rounds, so that one trigger's after-effects on the
            // server (background work after a declare) do not delay the next.
            arm_timeout(o_.pause, [this] { end_round(); });
        }
    }

    void end_round() {
        in_round_ = false;
        int missing = 0;
        for (auto& s : subs_)
            if (s->connected && s->round_seen != round_) ++missing;
        missing_ += missing;
        std::sort(round_latencies_.begin(), round_latencies_.end());
        round_p99_.push_back(pct(round_latencies_, 0.99));
        all_.insert(all_.end(), round_latencies_.begin(), round_latencies_.end());
        std::fprintf(stderr, "sse_fanout: round %d: %zu delivered, %d missing, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", round_,
                     round_latencies_.size(), missing, pct(round_latencies_, 0.5), pct(round_latencies_, 0.99),
                     round_latencies_.empty() ? 0.0 : round_latencies_.back());
        next_round();
    }

    static double pct(const std::vector<double>& sorted, double p) {
        if (sorted.empty()) return 0;
        return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())))];
    }

    void finish() {
        long rss = o_.rss_pid ? proc_status_kib(o_.rss_pid, "VmRSS:") : -1;
        long hwm = o_.rss_pid ? proc_status_kib(o_.rss_pid, "VmHWM:") : -1;
        std::sort(all_.begin(), all_.end());
        std::string rounds;
        for (double r : round_p99_) {
            char text[32];
            std::snprintf(text, sizeof text, "%s%.1f", rounds.empty() ? "" : ",", r);
            rounds += text;
        }
        std::string triggers;
        for (double t : trigger_ms_) {
            char text[32];
            std::snprintf(text, sizeof text, "%s%.1f", triggers.empty() ? "" : ",", t);
            triggers += text;
        }
        std::printf("connected=%d rounds=%d delivered=%zu missing=%d dropped=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
                    "trigger_status=%d connect_s=%.2f rss_kib=%ld hwm_kib=%ld round_p99_ms=%s trigger_ms=%s\n",
                    connected_, o_.rounds, all_.size(), missing_, dropped_, pct(all_, 0.5), pct(all_, 0.99),
                    all_.empty() ? 0.0 : all_.back(), trigger_status_, connect_seconds_, rss, hwm, rounds.c_str(),
                    triggers.empty() ? "-" : triggers.c_str());
        std::fflush(stdout);
        for (auto& s : subs_) {
            boost::system::error_code ignored;
            s->socket.close(ignored);
        }
        io_.stop();
    }

    net::io_context& io_;
    options o_;
    net::steady_timer timer_;
    tcp::endpoint endpoint_, trigger_endpoint_;
    std::string nonce_, request_, marker_;
    std::vector<std::shared_ptr<subscriber>> subs_;
    int next_ = 0, connected_ = 0, failed_ = 0, dropped_ = 0, missing_ = 0, round_ = -1, trigger_status_ = 0;
    bool rounds_begun_ = false, in_round_ = false, round_done_ = false;
    clock_type::time_point started_, round_started_;
    double connect_seconds_ = 0;
    std::vector<double> round_latencies_, all_, round_p99_, trigger_ms_;
};

void subscriber::start() {
    auto self = shared_from_this();
    socket.async_connect(owner.endpoint(), [self](const boost::system::error_code& ec) {
        if (ec) return self->owner.on_failed(*self, "connect: " + ec.message());
        boost::system::error_code ignored;
        self->socket.set_option(tcp::no_delay(true), ignored);
        net::async_write(self->socket, net::buffer(self->owner.request()), [self](const boost::system::error_code& ec, std::size_t) {
            if (ec) return self->owner.on_failed(*self, "write: " + ec.message());
            self->read();
        });
    });
}

void subscriber::read() {
    auto self = shared_from_this();
    socket.async_read_some(net::buffer(buffer), [self](const boost::system::error_code& ec, std::size_t n) {
        if (ec) return self->owner.on_failed(*self, "read: " + ec.message());
        self->on_data(n);
        if (!self->dead) self->read();
    });
}

void subscriber::on_data(std::size_t n) {
    std::string_view data(buffer.data(), n);
    if (!connected) {
        head.append(data);
        auto end = head.find("\r\n\r\n");
        if (end == std::string::npos) {
            if (head.size() > 65536) owner.on_failed(*this, "response header too long");
            return;
        }
        auto space = head.find(' ');
        int status = space == std::string::npos ? 0 : std::atoi(head.c_str() + space + 1);
        if (status != 200) {
            owner.on_failed(*this, "status " + std::to_string(status) + ": " + head.substr(0, 200));
            boost::system::error_code ignored;
            socket.close(ignored);
            return;
        }
        connected = true;
        tail = head.substr(end + 4);
        head.clear();
        head.shrink_to_fit();
        owner.on_connected(*this);
        data = {};
    }
    if (!owner.in_round() || round_seen == owner.round()) {
        tail.clear();
        return;
    }
    tail.append(data);
    const auto& marker = owner.marker();
    if (tail.find(marker) != std::string::npos) {
        tail.clear();
        owner.on_marker(*this);
    } else if (tail.size() > marker.size()) {
        tail.erase(0, tail.size() - marker.size());
    }
}

}  // namespace

int main(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "sse_fanout: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--host") o.host = value();
        else if (a == "--port") o.port = static_cast<unsigned short>(std::stoi(value()));
        else if (a == "--trigger-port") o.trigger_port = static_cast<unsigned short>(std::stoi(value()));
        else if (a == "--path") o.path = value();
        else if (a == "--header") o.headers.push_back(value());
        else if (a == "--trigger-method") o.trigger_method = value();
        else if (a == "--trigger-path") o.trigger_path = value();
        else if (a == "--trigger-header") o.trigger_headers.push_back(value());
        else if (a == "--trigger-body") o.trigger_body = value();
        else if (a == "--clients") o.clients = std::stoi(value());
        else if (a == "--rounds") o.rounds = std::stoi(value());
        else if (a == "--timeout") o.timeout = std::stod(value());
        else if (a == "--parallel") o.parallel = std::stoi(value());
        else if (a == "--rss-pid") o.rss_pid = std::stoi(value());
        else if (a == "--pause") o.pause = std::stod(value());
        else {
            std::fprintf(stderr, "sse_fanout: unknown option %s\n", a.c_str());
            return 2;
        }
    }
    if (!o.port || o.trigger_path.empty()) {
        std::fprintf(stderr, "sse_fanout: --port and --trigger-path are required\n");
        return 2;
    }
    // Every subscriber is a descriptor: raise the soft limit to the hard one.
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    net::io_context io(1);
    bench b(io, o);
    b.run();
    return 0;
}
