#!/usr/bin/env python3
"""What access keys, limits and the usage ledger cost per request: two gateways in front of one simulator,
one with GATEWAY_AUTH=none and one with GATEWAY_AUTH=keys (a key with requests-per-minute, tokens-per-minute
and a budget, so every request is authenticated, estimated, admitted and settled) and the SQLite ledger, both
on. Prints latency at concurrency 1 and CPU milliseconds per request at concurrency C, for each gateway and
the simulator directly, and the difference (target: at most 0.1 ms).

Usage: python3 benchmarks/auth_bench.py [--binary PATH] [--requests N] [--seconds S] [--concurrency C]
Builds nothing: pass a release binary (default .build/release/openai-gateway). All traffic goes to 127.0.0.1;
every loop is bounded by a count and a time limit.
"""
import argparse
import http.client
import json
import os
import subprocess
import tempfile
import threading
import time

from bench_common import HOST, free_port, start_gateway, status_kb, stop, wait_for

BODY = json.dumps({"model": "gpt-4o-mini", "input": "Benchmark the gateway please", "store": False, "max_output_tokens": 16})


def one(conn, path, headers):
    start = time.perf_counter()
    conn.request("POST", path, body=BODY, headers=headers)
    resp = conn.getresponse()
    resp.read()
    if resp.status not in (200, 201):
        raise RuntimeError(f"status {resp.status}")
    return time.perf_counter() - start


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def latency_p50(port, path, headers, requests):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    samples = []
    deadline = time.time() + 60
    for _ in range(requests):
        if time.time() > deadline:
            break
        samples.append(one(conn, path, headers))
    conn.close()
    samples.sort()
    return samples[len(samples) // 2] * 1000


def cpu_per_request(port, path, headers, seconds, concurrency, pid):
    stop_at = time.time() + seconds
    counts = [0] * concurrency
    errors = [0] * concurrency

    def worker(i):
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while time.time() < stop_at:
            try:
                one(conn, path, headers)
                counts[i] += 1
            except Exception:
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.close()

    before = cpu_seconds(pid)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    count = sum(counts)
    return (cpu_seconds(pid) - before) * 1000 / max(1, count), count / seconds, sum(errors)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/openai-gateway")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="alternate the two gateways this many times (the machine is noisy)")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        raise SystemExit(f"{args.binary} not found: swift build -c release --product openai-gateway")

    sim_port = free_port()
    sim = subprocess.Popen([args.binary, "simulator", "--port", str(sim_port), "--event-delay-ms", "0"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(sim_port, "/__simulator/stats")
    data_dir = tempfile.mkdtemp(prefix="bench-keys-")
    created = subprocess.run([args.binary, "keys", "create", "--name", "bench", "--rpm", "10000000", "--tpm", "10000000000",
                              "--budget", "1000000", "--period", "month", "--json", "--data-dir", data_dir],
                             capture_output=True, text=True, env=dict(os.environ, DATABASE_URL=""), check=True)
    secret = json.loads(created.stdout)["secret"]
    open_gw, open_port = start_gateway(args.binary, sim_port, {"GATEWAY_AUTH": "none"})
    keys_gw, keys_port = start_gateway(args.binary, sim_port, {"GATEWAY_AUTH": "keys", "DATA_DIR": data_dir})
    plain = {"Content-Type": "application/json"}
    keyed = dict(plain, Authorization=f"Bearer {secret}")
    try:
        for port, headers in ((sim_port, plain), (open_port, plain), (keys_port, keyed)):
            latency_p50(port, "/v1/responses", headers, 100)  # warm up
        rows = {"direct": [], "none": [], "keys": []}
        for _ in range(args.rounds):
            for name, port, headers, pid in (("direct", sim_port, plain, sim.pid), ("none", open_port, plain, open_gw.pid),
                                             ("keys", keys_port, keyed, keys_gw.pid)):
                p50 = latency_p50(port, "/v1/responses", headers, args.requests)
                cpu, rate, errors = cpu_per_request(port, "/v1/responses", headers, args.seconds, args.concurrency, pid)
                rows[name].append((p50, cpu, rate, errors))
        print(f"# access keys + SQLite ledger overhead ({args.binary}); /v1/responses; all on {HOST}; median of {args.rounds} rounds")
        print(f"{'':34} {'direct':>10} {'auth=none':>10} {'auth=keys':>10} {'keys-none':>10}")

        def median(name, index):
            values = sorted(r[index] for r in rows[name])
            return values[len(values) // 2]
        p = [median(n, 0) for n in ("direct", "none", "keys")]
        c = [median(n, 1) for n in ("direct", "none", "keys")]
        r = [median(n, 2) for n in ("direct", "none", "keys")]
        print(f"{'latency p50 (ms), c=1':34} {p[0]:10.3f} {p[1]:10.3f} {p[2]:10.3f} {p[2] - p[1]:+10.3f}")
        print(f"{f'CPU ms per request, c={args.concurrency}':34} {c[0]:10.3f} {c[1]:10.3f} {c[2]:10.3f} {c[2] - c[1]:+10.3f}")
        print(f"{f'throughput (req/s), c={args.concurrency}':34} {r[0]:10.0f} {r[1]:10.0f} {r[2]:10.0f} {r[2] / max(1, r[1]):10.2f}x")
        print(f"errors: {sum(x[3] for v in rows.values() for x in v)}; "
              f"peak RSS auth=none {status_kb(open_gw.pid, 'VmHWM') / 1024:.1f} MiB, auth=keys {status_kb(keys_gw.pid, 'VmHWM') / 1024:.1f} MiB")
    finally:
        stop(open_gw, keys_gw, sim)


if __name__ == "__main__":
    main()
