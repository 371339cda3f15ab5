#!/usr/bin/env python3
"""Load for scripts/soak, standard library only.

  soak_load.py receiver PORT_FILE STATS_FILE
      A webhook target and notification gateway on 127.0.0.1 (a free port,
      written to PORT_FILE) that answers 200 and counts what it gets into
      STATS_FILE every second.
  soak_load.py drive PORT TOKENS_JSON SECONDS STATS_FILE
      Contacts and IVR GETs at a steady pace over keep-alive connections, SSE
      clients that reconnect with Last-Event-ID, and an ops loop that updates,
      declares and resolves incidents so events reach the streams, the
      webhooks and the gateway. Writes its counts to STATS_FILE at the end.
"""
import collections
import http.client
import http.server
import json
import os
import random
import socket
import sys
import threading
import time

CONTACTS_PER_SECOND = 20   # over 2 connections
IVR_PER_SECOND = 200       # over 2 connections
SSE_CLIENTS = 40


def receiver(port_file, stats_file):
    counts = collections.Counter()
    lock = threading.Lock()

    class handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            self.rfile.read(length)
            with lock:
                counts[self.path] += 1
            body = b'{"status":"accepted"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)

    def dump():
        while True:
            time.sleep(1)
            with lock:
                text = json.dumps(dict(counts))
            with open(stats_file + ".tmp", "w") as f:
                f.write(text)
            os.rename(stats_file + ".tmp", stats_file)

    threading.Thread(target=dump, daemon=True).start()
    server.serve_forever()


class stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.latencies = collections.defaultdict(list)

    def add(self, key, latency_ms=None):
        with self.lock:
            self.counts[key] += 1
            if latency_ms is not None:
                self.latencies[key.split(" ")[0]].append(latency_ms)


def paced(rate, stop, step):
    """Calls step() `rate` times a second until stop is set."""
    period = 1.0 / rate
    next_at = time.monotonic()
    while not stop.is_set():
        step()
        next_at += period
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        elif delay < -1.0:
            next_at = time.monotonic()  # fell behind: do not burst to catch up


def http_loop(port, stop, s, rate, make_request, kind):
    conn = [http.client.HTTPConnection("127.0.0.1", port, timeout=10)]

    def step():
        method, target, body, headers = make_request()
        started = time.monotonic()
        try:
            conn[0].request(method, target, body=body, headers=headers)
            reply = conn[0].getresponse()
            reply.read()
            s.add(f"{kind} {reply.status}", (time.monotonic() - started) * 1000.0)
        except Exception as e:  # a dropped connection: count it and open another
            s.add(f"{kind} error {type(e).__name__}")
            conn[0].close()
            conn[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    paced(rate, stop, step)
    conn[0].close()


def sse_client(port, token, stop, s, number):
    last_id = None
    while not stop.is_set():
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.settimeout(1.0)
            request = f"GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            if last_id is not None:
                request += f"Last-Event-ID: {last_id}\r\n"
            sock.sendall((request + "\r\n").encode())
            s.add("sse connect")
            pending = b""
            while not stop.is_set():
                try:
                    data = sock.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    s.add("sse ended by server")
                    break
                pending += data
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if line.startswith(b"id:"):
                        last_id = int(line[3:].strip())
                        s.add("sse event")
            sock.close()
        except Exception as e:
            s.add(f"sse error {type(e).__name__}")
            time.sleep(0.5)


def drive(port, tokens_file, seconds, stats_file):
    tokens = json.load(open(tokens_file))
    stop = threading.Event()
    s = stats()
    counter = [0]

    def contact():
        counter[0] += 1
        body = {"channel": random.choice(["voice", "chat", "ivr"]),
                "reason": random.choice(["no_service", "degraded", "billing", "other"]),
                "postcode": f"28{random.randint(0, 999):03d}", "agent": f"desk-{counter[0] % 20}",
                "outcome": "handled", "note": f"soak contact {counter[0]}"}
        return ("POST", "/v1/contacts", json.dumps(body),
                {"Authorization": "Bearer " + tokens["agent"], "Content-Type": "application/json"})

    def announcement():
        return ("GET", f"/v1/ivr/announcement?postcode=28{random.randint(0, 999):03d}", None,
                {"Authorization": "Bearer " + tokens["ivr"]})

    ops = {"Authorization": "Bearer " + tokens["ops"], "Content-Type": "application/json"}

    def ops_loop():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

        def call(method, target, body):
            conn.request(method, target, body=json.dumps(body), headers=ops)
            reply = conn.getresponse()
            text = reply.read()
            s.add(f"ops {reply.status}")
            return json.loads(text) if text else {}

        active = None
        round_number = 0
        while not stop.is_set():
            try:
                if active is None or round_number % 12 == 0:
                    if active is not None:
                        call("POST", f"/v1/incidents/{active}/resolve", {"note": "fixed"})
                    made = call("POST", "/v1/incidents",
                                {"title": f"Soak outage {round_number}", "severity": "major",
                                 "services": ["broadband"], "areas": ["280*"],
                                 "messages": {"es": {"ivr": "Avería en su zona.", "sms": "Avería {{ref}}.",
                                                     "agent_script": "Avería {{ref}}"}}})
                    active = made.get("id")
                else:
                    call("PATCH", f"/v1/incidents/{active}", {"note": f"update {round_number}"})
            except Exception as e:
                s.add(f"ops error {type(e).__name__}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            round_number += 1
            stop.wait(5)

    threads = []
    for _ in range(2):
        threads.append(threading.Thread(target=http_loop,
                                        args=(port, stop, s, CONTACTS_PER_SECOND / 2, contact, "contact")))
        threads.append(threading.Thread(target=http_loop,
                                        args=(port, stop, s, IVR_PER_SECOND / 2, announcement, "ivr")))
    for n in range(SSE_CLIENTS):
        threads.append(threading.Thread(target=sse_client, args=(port, tokens["agent"], stop, s, n)))
    threads.append(threading.Thread(target=ops_loop))
    for t in threads:
        t.daemon = True
        t.start()
    stop.wait(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=5)

    summary = {"counts": dict(s.counts)}
    for kind, values in s.latencies.items():
        values.sort()
        summary[f"{kind}_p50_ms"] = round(values[len(values) // 2], 2)
        summary[f"{kind}_p99_ms"] = round(values[min(len(values) - 1, int(len(values) * 0.99))], 2)
    with open(stats_file, "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    if sys.argv[1] == "receiver":
        receiver(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "drive":
        drive(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), sys.argv[5])
    else:
        sys.exit("usage: soak_load.py receiver PORT_FILE STATS_FILE | drive PORT TOKENS_JSON SECONDS STATS_FILE")
