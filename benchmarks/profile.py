#!/usr/bin/env python3
"""Where the gateway spends its CPU per request: perf's cpu-clock sampling of the release binary.

Usage: python3 benchmarks/profile.py [--binary PATH] [--requests N] [--top K] [--concurrency C]

Starts the stand-alone simulator (no event delay) and the gateway, warms both up, then samples only the
gateway process (`perf record -e cpu-clock`, a software event, so it works where hardware counters do not)
while it serves N JSON `POST /api/responses/text` requests, then N 16-event streams
`POST /api/responses/text/stream`. Prints CPU milliseconds per request (samples / frequency / N) and the
functions with the most self time, demangled. Needs `perf` (Debian's linux-perf) and `swift demangle`.
(valgrind 3.19, Debian 12's, crashes on Swift's concurrency runtime, so callgrind counts are not available here.)
All traffic goes to 127.0.0.1; loops are bounded.
"""
import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import HOST, start_pair, stop  # noqa: E402

BODY = {"model": "gpt-4o", "input": "Benchmark the gateway please", "store": False}
STREAM_BODY = dict(BODY, max_output_tokens=8)  # 16 events
FREQUENCY = 4999


def drive(port, path, body, count, concurrency):
    per_worker = count // concurrency
    deadline = time.time() + 300

    def worker():
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        for _ in range(per_worker):
            if time.time() > deadline:
                break
            conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 201:
                raise RuntimeError(f"{path}: {resp.status}")
            if resp.will_close:
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(320)
    return per_worker * concurrency


def profile(pid, label, port, path, body, requests, concurrency, top, sort="symbol"):
    drive(port, path, body, 50, 1)  # warm up this path
    data = tempfile.mktemp(prefix="perf-", suffix=".data")
    recorder = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", str(FREQUENCY), "-g", "-p", str(pid), "-o", data],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    done = drive(port, path, body, requests, concurrency)
    recorder.send_signal(signal.SIGINT)
    recorder.wait(60)
    report = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children", "--sort", sort, "-g", "none",
                             "--percent-limit", "0.5"], capture_output=True, text=True).stdout
    samples = 0
    m = re.search(r"Samples: (\d+)([KM]?)", subprocess.run(["perf", "report", "-i", data, "--stdio", "--header-only"],
                                                            capture_output=True, text=True).stdout + report)
    rows = []
    for line in report.splitlines():
        m2 = re.match(r"\s*([\d.]+)%\s+(?:\[[.k]\]\s+)?(\S.*)", line)
        if m2:
            rows.append((float(m2.group(1)), m2.group(2).strip()))
    count = subprocess.run(["perf", "script", "-i", data, "-F", "period"], capture_output=True, text=True).stdout.count("\n")
    samples = count if count else (int(m.group(1)) if m else 0)
    names = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(n for _, n in rows[:top]),
                           capture_output=True, text=True).stdout.splitlines()
    os.unlink(data)
    print(f"\n## {label}: {samples / FREQUENCY * 1000 / max(1, done):.3f} ms CPU per request "
          f"({samples} samples at {FREQUENCY} Hz over {done} requests, c={concurrency})")
    for (share, _), name in zip(rows[:top], names):
        print(f"  {share:5.1f}%  {name[:140]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/openai-gateway")
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="symbol", help="perf report --sort key: symbol, dso, ...")
    args = parser.parse_args()
    sim, gw, sim_port, gw_port = start_pair(args.binary)
    try:
        print(f"# perf cpu-clock profile of the gateway ({args.binary})")
        profile(gw.pid, "JSON POST /api/responses/text", gw_port, "/api/responses/text", BODY, args.requests, args.concurrency, args.top, args.sort)
        profile(gw.pid, "16-event stream POST /api/responses/text/stream", gw_port, "/api/responses/text/stream", STREAM_BODY,
                args.requests // 2, args.concurrency, args.top, args.sort)
    finally:
        stop(gw, sim)

if __name__ == "__main__":
    main()
