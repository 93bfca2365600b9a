#!/usr/bin/env python3
"""Soak (issue 14, "Keep it true"): many mixed requests through the gateway; does anything leak or get lost?

Usage: python3 benchmarks/soak.py [--binary PATH] [--requests 100000] [--concurrency 16] [--seconds 1800]
       [--event-delay-ms 1] [--seed 14] [--flush-seconds 30] [--fd-seconds 75]

Builds nothing (default binary .build/release/openai-gateway if present, else .build/debug). Starts the
stand-alone simulator (--event-delay-ms between stream events, so streams are quick) and the gateway in
front of it (bench_common.start_pair, with a log folder and DATA_DIR of this script's own), warms up with
every kind of request, then sends --requests HTTP requests from --concurrency threads, each with its own
kept-alive connection, picking a kind by weight (printed at the start): JSON calls on /api and /v1,
streams read to the end, streams the client drops after the first event, small multipart uploads with a
download and a delete of each, a 1 MiB download the client drops after 64 KiB, uploads straight into a
vector store, 400s (bad JSON, a missing or invalid parameter), 404s (no route, no such file), HEAD and GET
/health, requests the client sends whole and then closes before any answer, and uploads the client cuts
off half-way (these two on /api and /v1). The run ends after --requests requests or --seconds, whichever comes first.

It prints:
  - the gateway's RSS after the warm-up (start), when half the requests were done (middle) and when the
    last one was (end), the change middle -> end (goal: within 10%), and the peak (VmHWM);
  - the gateway's open descriptors after the warm-up (before) and after the run (after), with the client
    sockets, upstream sockets (to the simulator: a pool whose idle connections close after 60 s) and the
    rest counted apart; "after" is polled for up to --fd-seconds until it is back to "before" (goal: delta 0);
  - interaction-log lines expected and written, and usage-ledger rows expected and written (goal: none
    lost, none twice), once the writers have flushed (polled until the counts stop changing, at most
    --flush-seconds), and again after a graceful stop of the gateway;
  - per kind: requests and the statuses seen; errors by kind (an unexpected status, a client-side failure);
  - requests per second and the duration;
  - a verdict line; the exit status is 1 when a goal is missed (RSS middle -> end over 10%, a descriptor
    not back, a line or row lost or written twice, an error).

How "expected" is counted. Every request that got a response head carries the gateway's id
(X-Gateway-Request-Id on /v1, where X-Request-Id is OpenAI's; X-Request-Id elsewhere): the gateway must
write one log line with that request_id (two for an upload into a vector store: its own line and the
upload's in files.log) and one ledger row per line, except /health, which is logged but is not usage (no
ledger row). A request the client sends whole and then closes before the head, or an upload it cuts
off, has no id the client ever sees, yet the gateway read its head and must finish its call record all
the same: each counts as one line and one row of its route that carries an id this script never
received. The start-up probe (one GET /health answered inside start_pair) is one such line too. So
written = lines of the ids received + lines of other ids; a received id with fewer lines than expected is
"lost", with more "twice", and the lines of other ids are compared per route with what was sent
without a head. A request that failed on the client's side before a head (a reset, a timeout) may or may
not have reached the gateway: those are counted as "uncertain" and reported beside the totals (0 in a
healthy run).

All traffic goes to 127.0.0.1; every loop is bounded in count and time (a 30 s socket timeout per request).
"""
import argparse
import collections
import http.client
import json
import os
import random
import resource
import socket
import sqlite3
import tempfile
import threading
import time

from bench_common import HOST, start_pair, status_kb, stop

TIMEOUT = 30
BODY = {"model": "gpt-4o", "input": "Soak the gateway please", "store": False, "max_output_tokens": 8}
CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Soak the gateway please"}], "max_completion_tokens": 8}
JSON_HEADERS = {"Content-Type": "application/json"}
# A stream the client drops: long enough (about 70 events) that it is still running when the client leaves.
LONG_STREAM = dict(BODY, max_output_tokens=64)


def multipart(fields, filename, content):
    """A multipart/form-data body: the text fields, then one `file` part. Returns (body, content type)."""
    boundary = "soak-" + os.urandom(8).hex()
    parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode() for name, value in fields]
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
                 f"Content-Type: text/plain\r\n\r\n".encode() + content + f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Worker:
    """One client thread: a kept-alive connection, and what it sent and must find in the log and the ledger."""

    def __init__(self, port, budget, seed, vector_store=None):
        self.port, self.budget, self.vector_store = port, budget, vector_store
        self.rng = random.Random(seed)
        self.conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
        self.done = 0
        self.ids = {}  # request id -> (log lines, ledger rows, kind)
        self.headless = collections.Counter()  # route -> calls sent whole (or cut) but never answered to us
        self.uncertain = 0
        self.errors = collections.Counter()
        self.statuses = collections.defaultdict(collections.Counter)
        self.dropped = []  # (kind, id) of bodies the client left part-way
        self.seconds = collections.Counter()  # kind -> seconds spent in its requests

    def reconnect(self):
        self.conn.close()
        self.conn = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)

    def exchange(self, kind, method, path, body=None, headers=None, expect=(200,), lines=1, rows=1, reader=None):
        """One request on the kept-alive connection. Returns (status, body) or (None, None) without a head."""
        started = time.perf_counter()
        try:
            return self._exchange(kind, method, path, body, headers, expect, lines, rows, reader)
        finally:
            self.seconds[kind] += time.perf_counter() - started

    def _exchange(self, kind, method, path, body, headers, expect, lines, rows, reader):
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            resp = self.conn.getresponse()
        except Exception as error:  # noqa: BLE001 - every failure is counted by kind
            self.errors[f"{kind}: {type(error).__name__} before a head"] += 1
            self.uncertain += 1
            self.done += 1
            self.reconnect()
            return None, None
        self.done += 1
        rid = resp.getheader("X-Gateway-Request-Id") or resp.getheader("X-Request-Id")
        if rid:
            self.ids[rid] = (lines, rows, kind)
        else:
            self.errors[f"{kind}: no request id"] += 1
        self.statuses[kind][resp.status] += 1
        if resp.status not in expect:
            self.errors[f"{kind}: status {resp.status}"] += 1
        try:
            data = reader(resp, rid) if reader else resp.read()
        except Exception as error:  # noqa: BLE001
            self.errors[f"{kind}: {type(error).__name__} reading the body"] += 1
            self.reconnect()
            return resp.status, None
        if (reader is not None and data is None) or resp.will_close:
            self.reconnect()
        return resp.status, data

    # -- readers ------------------------------------------------------------------------------------

    @staticmethod
    def to_end(resp, _rid):
        """Reads a stream to its end; returns the number of events."""
        events = 0
        for _ in range(100_000):
            chunk = resp.read1(65536)
            if not chunk:
                return events
            events += chunk.count(b"\n\n")
        raise RuntimeError("stream did not end")

    def drop_after_first_event(self, kind):
        def read(resp, rid):
            seen = b""
            for _ in range(1000):
                chunk = resp.read1(65536)
                seen += chunk
                if not chunk or b"\n\n" in seen:
                    break
            self.dropped.append((kind, rid))
            return None  # None: the connection is closed and opened again
        return read

    def drop_after(self, kind, nbytes):
        def read(resp, rid):
            resp.read(nbytes)
            self.dropped.append((kind, rid))
            return None
        return read

    # -- kinds --------------------------------------------------------------------------------------

    def api_json(self):
        self.exchange("api_json", "POST", "/api/responses/text", json.dumps(BODY), JSON_HEADERS, expect=(201,))

    def v1_responses_json(self):
        self.exchange("v1_responses_json", "POST", "/v1/responses", json.dumps(BODY), JSON_HEADERS)

    def v1_chat_json(self):
        self.exchange("v1_chat_json", "POST", "/v1/chat/completions", json.dumps(CHAT), JSON_HEADERS)

    def api_stream(self):
        self.exchange("api_stream", "POST", "/api/responses/text/stream", json.dumps(BODY), JSON_HEADERS, expect=(201,), reader=self.to_end)

    def v1_stream(self):
        if self.rng.random() < 0.6:
            self.exchange("v1_stream", "POST", "/v1/responses", json.dumps(dict(BODY, stream=True)), JSON_HEADERS, reader=self.to_end)
        else:
            self.exchange("v1_stream", "POST", "/v1/chat/completions", json.dumps(dict(CHAT, stream=True)), JSON_HEADERS, reader=self.to_end)

    def stream_drop(self):
        if self.rng.random() < 0.5:
            self.exchange("stream_drop", "POST", "/api/responses/text/stream", json.dumps(LONG_STREAM), JSON_HEADERS,
                          expect=(201,), reader=self.drop_after_first_event("stream_drop /api"))
        else:
            self.exchange("stream_drop", "POST", "/v1/responses", json.dumps(dict(LONG_STREAM, stream=True)), JSON_HEADERS,
                          reader=self.drop_after_first_event("stream_drop /v1"))

    def upload(self, kind, size):
        content = (b"soak line %d\n" % self.rng.randrange(1 << 30)) * (size // 16 + 1)
        content = content[:size]
        body, ctype = multipart([("purpose", "user_data")], "soak.txt", content)
        status, data = self.exchange(kind, "POST", "/api/files", body, {"Content-Type": ctype}, expect=(201,))
        try:
            return json.loads(data)["id"], content
        except (TypeError, ValueError, KeyError):
            return None, content

    def file_cycle(self):
        """Upload, download and delete: three requests."""
        file_id, content = self.upload("file_upload", self.rng.randrange(200, 4096))
        if file_id is None:
            return
        _, data = self.exchange("file_download", "GET", f"/api/files/{file_id}/content")
        if data is not None and data != content:
            self.errors["file_download: content differs"] += 1
        self.exchange("file_delete", "DELETE", f"/api/files/{file_id}")

    def download_drop(self):
        """Upload 1 MiB, download 64 KiB of it and leave, delete: three requests."""
        file_id, _ = self.upload("file_upload", 1 << 20)
        if file_id is None:
            return
        self.exchange("download_drop", "GET", f"/api/files/{file_id}/content", reader=self.drop_after("download_drop", 65536))
        self.exchange("file_delete", "DELETE", f"/api/files/{file_id}")

    def vector_upload(self):
        body, ctype = multipart([], "soak.md", b"# Soak\nThe gateway keeps every line.\n")
        self.exchange("vector_upload", "POST", f"/api/vector-stores/{self.vector_store}/files/upload", body,
                      {"Content-Type": ctype}, expect=(201,), lines=2, rows=2)

    def bad_input(self):
        choice = self.rng.randrange(5)
        if choice == 0:
            self.exchange("bad_json", "POST", "/api/responses/text", '{"input": "x",', JSON_HEADERS, expect=(400,))
        elif choice == 1:
            self.exchange("bad_json", "POST", "/v1/chat/completions", '{"messages": [', JSON_HEADERS, expect=(400,))
        elif choice == 2:
            self.exchange("missing_param", "POST", "/api/responses/text", '{"model": "gpt-4o"}', JSON_HEADERS, expect=(400,))
        elif choice == 3:
            self.exchange("invalid_param", "POST", "/api/responses/text", json.dumps(dict(BODY, max_output_tokens="many")),
                          JSON_HEADERS, expect=(400,))
        else:
            self.exchange("invalid_param", "POST", "/api/files", b"not a form", {"Content-Type": "text/plain"}, expect=(415,))

    def not_found(self):
        choice = self.rng.randrange(3)
        if choice == 0:
            self.exchange("not_found", "GET", f"/api/nope-{self.rng.randrange(1000)}", expect=(404,))
        elif choice == 1:
            self.exchange("not_found", "GET", f"/api/files/file-missing{self.rng.randrange(1000)}", expect=(404,))
        else:
            self.exchange("not_found", "GET", "/v1/no-such-api", expect=(404,))

    def health(self):
        method = "HEAD" if self.rng.random() < 0.5 else "GET"
        self.exchange("health", method, "/health", lines=1, rows=0)

    def raw(self, kind, route, payload):
        """Sends `payload` on a new connection and closes it at once, before any answer."""
        self.done += 1
        try:
            with socket.create_connection((HOST, self.port), timeout=TIMEOUT) as s:
                s.sendall(payload)
        except OSError as error:
            self.errors[f"{kind}: {type(error).__name__}"] += 1
            self.uncertain += 1
            return
        self.headless[route] += 1
        self.statuses[kind]["closed before a head"] += 1

    def close_before_head(self):
        path, body = ("/api/responses/text", BODY) if self.rng.random() < 0.5 else ("/v1/chat/completions", CHAT)
        payload = json.dumps(body).encode()
        self.raw("close_before_head", path,
                 f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)

    def upload_cut(self):
        path = "/api/files" if self.rng.random() < 0.5 else "/v1/files"
        body, ctype = multipart([("purpose", "user_data")], "cut.txt", b"x" * 8000)
        self.raw("upload_cut", path,
                 f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: {ctype}\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:len(body) // 2])


# name, weight (per 1000 picks), requests each pick sends
MIX = [
    ("api_json", 160, 1), ("v1_responses_json", 100, 1), ("v1_chat_json", 100, 1),
    ("api_stream", 100, 1), ("v1_stream", 100, 1), ("stream_drop", 60, 1),
    ("file_cycle", 100, 3), ("download_drop", 10, 3), ("vector_upload", 10, 1),
    ("bad_input", 80, 1), ("not_found", 50, 1), ("health", 50, 1),
    ("close_before_head", 40, 1), ("upload_cut", 40, 1),
]


class Budget:
    """The requests still to send and the deadline, shared by the workers."""

    def __init__(self, requests, deadline):
        self.left, self.deadline, self.lock = requests, deadline, threading.Lock()

    def take(self, n):
        """True: send `n` requests; False: fewer than `n` are left, pick another kind; None: the run is over."""
        with self.lock:
            if self.left <= 0 or time.time() > self.deadline:
                return None
            if n > self.left:
                return False
            self.left -= n
            return True


def run_workers(port, requests, concurrency, seconds, seed, vector_store):
    budget = Budget(requests, time.time() + seconds)
    workers = [Worker(port, budget, seed * 1000 + i, vector_store) for i in range(concurrency)]
    names = [name for name, _, _ in MIX]
    weights = [weight for _, weight, _ in MIX]
    sizes = {name: n for name, _, n in MIX}

    def loop(worker):
        for _ in range(requests + 1):
            name = worker.rng.choices(names, weights)[0]
            granted = budget.take(sizes[name])
            if granted is None:
                break
            if granted:
                getattr(worker, name)()
        worker.conn.close()

    threads = [threading.Thread(target=loop, args=(w,), daemon=True) for w in workers]
    for t in threads:
        t.start()
    return workers, threads


TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2", "06": "TIME_WAIT",
              "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"}


def socket_inodes(pid):
    """inode -> (local port, remote port, state) of the process's TCP sockets."""
    table = {}
    for name in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{name}") as f:
                next(f)
                for line in f:
                    cols = line.split()
                    table[cols[9]] = (int(cols[1].rsplit(":", 1)[1], 16), int(cols[2].rsplit(":", 1)[1], 16), cols[3])
        except OSError:
            pass
    return table


def fd_breakdown(pid, gw_port, sim_port):
    """Open descriptors of `pid`: total, client sockets, upstream sockets, others."""
    inodes = socket_inodes(pid)
    counts = collections.Counter()
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return counts
    for name in names:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        counts["total"] += 1
        if target.startswith("socket:["):
            local, remote, state = inodes.get(target[8:-1], (0, 0, ""))
            if local == gw_port and state != "0A":
                counts["client"] += 1
                counts["client " + TCP_STATES.get(state, state)] += 1
            elif remote == sim_port:
                counts["upstream"] += 1
            else:
                counts["other"] += 1
        elif target.endswith(".log"):
            counts["logs"] += 1
        else:
            counts["other"] += 1
    return counts


def describe_fds(c):
    states = ", ".join(f"{k[7:]} {v}" for k, v in sorted(c.items()) if k.startswith("client "))
    return (f"{c['total']} (client sockets {c['client']}{f' ({states})' if states else ''}, upstream sockets {c['upstream']}, "
            f"log files {c['logs']}, other {c['other']})")


def log_lines(log_dir):
    """request_id -> lines, route of each line, outcome of each line, unparsable lines."""
    per_id, routes, outcomes, bad = collections.Counter(), {}, collections.defaultdict(list), 0
    for root, _, files in os.walk(log_dir):
        for name in files:
            if not name.endswith(".log"):
                continue
            with open(os.path.join(root, name), "rb") as f:
                for line in f:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        bad += 1
                        continue
                    rid = entry.get("request_id", "")
                    per_id[rid] += 1
                    routes.setdefault(rid, []).append(entry.get("route") or entry.get("path"))
                    outcomes[rid].append(entry.get("outcome"))
    return per_id, routes, outcomes, bad


def count_newlines(log_dir):
    total = 0
    for root, _, files in os.walk(log_dir):
        for name in files:
            if name.endswith(".log"):
                with open(os.path.join(root, name), "rb") as f:
                    total += f.read().count(b"\n")
    return total


def ledger_rows(data_dir):
    """request_id -> rows, route of each row."""
    path = os.path.join(data_dir, "gateway.sqlite")
    per_id, routes = collections.Counter(), {}
    if not os.path.exists(path):
        return per_id, routes
    db = sqlite3.connect(path, timeout=10)
    try:
        for rid, route, p in db.execute("SELECT request_id, route, path FROM ledger"):
            per_id[rid] += 1
            routes.setdefault(rid, []).append(route or p)
    finally:
        db.close()
    return per_id, routes


def count_ledger(data_dir):
    path = os.path.join(data_dir, "gateway.sqlite")
    if not os.path.exists(path):
        return 0
    db = sqlite3.connect(path, timeout=10)
    try:
        return db.execute("SELECT COUNT(*) FROM ledger").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        db.close()


def wait_flush(log_dir, data_dir, want_lines, want_rows, seconds):
    """Polls the log and the ledger until both counts have not changed for 2 s (or reached what is
    expected and held for 1 s), at most `seconds`. Returns (lines, rows, seconds waited)."""
    started = time.time()
    last, same = None, 0
    while time.time() - started < seconds:
        now = (count_newlines(log_dir), count_ledger(data_dir))
        same = same + 1 if now == last else 0
        last = now
        if same >= 8 or (same >= 4 and now[0] >= want_lines and now[1] >= want_rows):
            break
        time.sleep(0.25)
    return last[0], last[1], time.time() - started


def compare(expected, written, headless, routes):
    """(matched, lost, duplicated, lines of ids never received by route)."""
    lost = duplicated = 0
    for rid, n in expected.items():
        got = written.get(rid, 0)
        lost += max(0, n - got)
        duplicated += max(0, got - n)
    other = collections.Counter()
    for rid, n in written.items():
        if rid not in expected:
            for route in routes.get(rid, [None] * n):
                other[route] += 1
    return lost, duplicated, other


def main():
    parser = argparse.ArgumentParser(description="Soak the gateway with mixed requests; check memory, descriptors, logs and the ledger.")
    default_binary = ".build/release/openai-gateway" if os.path.exists(".build/release/openai-gateway") else ".build/debug/openai-gateway"
    parser.add_argument("--binary", default=default_binary)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=1800, help="cap on the run's duration")
    parser.add_argument("--event-delay-ms", type=int, default=1, help="the simulator's pause between stream events")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--warmup", type=int, default=1000, help="requests before the start is measured")
    parser.add_argument("--flush-seconds", type=float, default=30)
    parser.add_argument("--fd-seconds", type=float, default=75, help="how long to wait for descriptors to return")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        raise SystemExit(f"{args.binary} not found: swift build --product openai-gateway")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))

    log_dir, data_dir = tempfile.mkdtemp(prefix="soak-logs-"), tempfile.mkdtemp(prefix="soak-data-")
    sim, gw, sim_port, gw_port = start_pair(args.binary, event_delay_ms=args.event_delay_ms,
                                            gateway_env={"DATA_DIR": data_dir}, log_dir=log_dir)
    setup = Worker(gw_port, None, args.seed)
    missed = []
    setup.headless["/health"] += 1  # start_pair's probe
    try:
        total_weight = sum(w for _, w, _ in MIX)
        print(f"# soak: {args.requests} requests, concurrency {args.concurrency}, cap {args.seconds:.0f} s, "
              f"{args.binary}, simulator event delay {args.event_delay_ms} ms; logs {log_dir}, data {data_dir}")
        print("# mix (share of picks; requests per pick): " + ", ".join(
            f"{name} {weight * 100 / total_weight:.1f}%" + (f" ({n})" if n > 1 else "") for name, weight, n in MIX))
        _, data = setup.exchange("setup", "POST", "/api/vector-stores", json.dumps({"name": "soak"}), JSON_HEADERS, expect=(201,))
        vector_store = json.loads(data)["id"]
        setup.conn.close()

        warm, threads = run_workers(gw_port, args.warmup, args.concurrency, 120, args.seed + 1, vector_store)
        for t in threads:
            t.join(180)
        time.sleep(1.5)
        rss_start = status_kb(gw.pid, "VmRSS")
        fds_before = fd_breakdown(gw.pid, gw_port, sim_port)

        started = time.time()
        workers, threads = run_workers(gw_port, args.requests, args.concurrency, args.seconds, args.seed, vector_store)
        marks = {}
        deadline = started + args.seconds + 2 * TIMEOUT + 30
        while any(t.is_alive() for t in threads) and time.time() < deadline:
            done = sum(w.done for w in workers)
            for tenth in range(1, 10):
                if done >= args.requests * tenth // 10 and tenth not in marks:
                    marks[tenth] = status_kb(gw.pid, "VmRSS")
            time.sleep(0.1)
        for t in threads:
            t.join(max(0.1, deadline - time.time()))
        elapsed = time.time() - started
        rss_end = status_kb(gw.pid, "VmRSS")
        peak = status_kb(gw.pid, "VmHWM")
        alive = sum(t.is_alive() for t in threads)
        sent = sum(w.done for w in workers)

        everyone = [setup] + warm + workers
        expected_lines, expected_rows = collections.Counter(), collections.Counter()
        kinds = {}
        headless = collections.Counter()
        for w in everyone:
            for rid, (lines, rows, kind) in w.ids.items():
                expected_lines[rid] += lines
                if rows:
                    expected_rows[rid] += rows
                kinds[rid] = kind
            headless.update(w.headless)
        headless_rows = collections.Counter({r: n for r, n in headless.items() if r != "/health"})
        want_lines = sum(expected_lines.values()) + sum(headless.values())
        want_rows = sum(expected_rows.values()) + sum(headless_rows.values())
        uncertain = sum(w.uncertain for w in everyone)

        lines_now, rows_now, waited = wait_flush(log_dir, data_dir, want_lines, want_rows, args.flush_seconds)

        per_id, log_routes, outcomes, bad_lines = log_lines(log_dir)
        rows_per_id, row_routes = ledger_rows(data_dir)

        fd_started = time.time()
        fds_after = fd_breakdown(gw.pid, gw_port, sim_port)
        while time.time() - fd_started < args.fd_seconds and fds_after["total"] > fds_before["total"]:
            time.sleep(0.5)
            fds_after = fd_breakdown(gw.pid, gw_port, sim_port)
        fd_waited = time.time() - fd_started

        stop(gw)
        exit_status = gw.returncode
        final_lines = count_newlines(log_dir)
        final_rows = count_ledger(data_dir)
        final_per_id, final_log_routes, _, _ = log_lines(log_dir)
        final_rows_per_id, final_row_routes = ledger_rows(data_dir)

        mid = marks.get(5, 0)
        if abs(rss_end - mid) > 0.1 * mid:
            missed.append("RSS middle -> end over 10%")
        upstream_delta = fds_after["upstream"] - fds_before["upstream"]
        if fds_after["total"] - fds_before["total"] != upstream_delta or upstream_delta > 0 or fds_after["client"]:
            missed.append("descriptors not back")
        print(f"requests: {sent} sent ({sum(w.done for w in warm)} more in the warm-up) in {elapsed:.1f} s, "
              f"{sent / elapsed:.0f} requests/s" + (f"; {alive} workers still running at the cap" if alive else ""))
        print(f"gateway RSS: start {rss_start / 1024:.1f} MiB, middle {mid / 1024:.1f} MiB, end {rss_end / 1024:.1f} MiB; "
              f"middle -> end {(rss_end - mid) * 100 / max(1, mid):+.1f}% (goal within 10%); peak {peak / 1024:.1f} MiB")
        print("gateway RSS at each tenth (MiB): " + " ".join(f"{marks[t] / 1024:.0f}" for t in sorted(marks)) + f" {rss_end / 1024:.0f}")
        print(f"gateway open FDs: before {describe_fds(fds_before)}")
        print(f"                  after  {describe_fds(fds_after)} (after {fd_waited:.1f} s); delta "
              f"{fds_after['total'] - fds_before['total']:+d}, without upstream sockets "
              f"{(fds_after['total'] - fds_after['upstream']) - (fds_before['total'] - fds_before['upstream']):+d} (goal 0)")

        for label, lines, rows, pid_lines, lroutes, pid_rows, rroutes in (
                (f"after the writers flushed ({waited:.1f} s)", lines_now, rows_now, per_id, log_routes, rows_per_id, row_routes),
                (f"after a graceful stop (exit {exit_status})", final_lines, final_rows, final_per_id, final_log_routes,
                 final_rows_per_id, final_row_routes)):
            lost, dup, other = compare(expected_lines, pid_lines, headless, lroutes)
            rlost, rdup, rother = compare(expected_rows, pid_rows, headless_rows, rroutes)
            if lost or dup or rlost or rdup or lines != want_lines or rows != want_rows:
                missed.append(f"log lines or ledger rows {label}")
            print(f"## {label}")
            print(f"log lines:   expected {want_lines}, written {lines}; of the ids received: lost {lost}, "
                  f"twice {dup}; lines of ids never received {sum(other.values())} for {sum(headless.values())} sent without a head "
                  f"({dict(other)} vs {dict(headless)})")
            print(f"ledger rows: expected {want_rows}, written {rows}; of the ids received: lost {rlost}, "
                  f"twice {rdup}; rows of ids never received {sum(rother.values())} for {sum(headless_rows.values())} sent "
                  f"without a head ({dict(rother)} vs {dict(headless_rows)})")
        if bad_lines:
            print(f"unparsable log lines: {bad_lines}")
        if uncertain:
            print(f"uncertain (failed before a head on the client's side; may or may not be logged): {uncertain}")

        dropped = collections.defaultdict(collections.Counter)
        for w in warm + workers:
            for kind, rid in w.dropped:
                for outcome in outcomes.get(rid, ["(no line)"]):
                    dropped[kind][outcome] += 1
        for kind, seen in sorted(dropped.items()):
            print(f"{kind}: logged outcomes {dict(seen)}")

        statuses = collections.defaultdict(collections.Counter)
        errors = collections.Counter()
        seconds = collections.Counter()
        for w in workers:
            seconds.update(w.seconds)
        for w in everyone:
            errors.update(w.errors)
            for kind, seen in w.statuses.items():
                statuses[kind].update(seen)
        print("requests by kind (statuses; mean ms in the run): " + "; ".join(
            f"{kind} {sum(s.values())} {dict(s)}" + (f" {seconds[kind] * 1000 / max(1, sum(w.statuses[kind].total() for w in workers)):.1f} ms"
                                                    if kind in seconds else "") for kind, s in sorted(statuses.items())))
        print(f"errors by kind: {dict(errors) if errors else 'none'} (total {sum(errors.values())})")
        if errors or uncertain or bad_lines or alive:
            missed.append("errors")
        print("verdict: " + ("all goals met" if not missed else "MISSED: " + "; ".join(missed)))
    finally:
        stop(gw, sim)
    if missed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
