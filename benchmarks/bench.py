#!/usr/bin/env python3
"""Gateway overhead benchmark: the gateway in front of the stand-alone simulator, against the simulator directly.

Usage: python3 benchmarks/bench.py [--binary PATH] [--requests N] [--seconds S] [--concurrency C]
       [--simulator-binary PATH]   (the simulator of another build, e.g. to compare two gateways on one upstream)

Builds nothing: pass a release binary (default .build/release/openai-gateway; build it with
`swift build -c release --product openai-gateway`). Starts the simulator (no event delay) and the gateway on
loopback ports, then prints for JSON and streaming:
  - latency at concurrency 1 (p50/p90/p99) direct and through the gateway, and the added latency;
  - throughput at concurrency C for S seconds, direct and through the gateway, and the ratio;
  - for streams (16 events each): time to first event and to the end, events per second;
  - CPU time per request of the gateway process (and of the simulator, for scale) during the throughput runs;
  - the gateway's peak RSS.
Connections are kept alive between requests, streams included, unless the server says `Connection: close`.
Every loop is bounded by a count and a time limit, and all traffic goes to 127.0.0.1.
"""
import argparse
import http.client
import json
import os
import threading
import time

from bench_common import HOST, start_pair, status_kb, stop





class Target:
    def __init__(self, name, port, json_path, stream_path, body, stream_body):
        self.name, self.port = name, port
        self.json_path, self.stream_path = json_path, stream_path
        self.body, self.stream_body = json.dumps(body), json.dumps(stream_body)


def one_json(conn, target):
    start = time.perf_counter()
    conn.request("POST", target.json_path, body=target.body, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    resp.read()
    if resp.status not in (200, 201):
        raise RuntimeError(f"{target.name}: status {resp.status}")
    return time.perf_counter() - start


def one_stream(conn, target):
    start = time.perf_counter()
    conn.request("POST", target.stream_path, body=target.stream_body, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    first = None
    events = 0
    buf = b""
    while True:
        chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
        if not chunk:
            break
        if first is None:
            first = time.perf_counter() - start
        buf += chunk
        events += buf.count(b"\n\n")
        buf = buf[buf.rfind(b"\n\n") + 2:] if b"\n\n" in buf else buf
    if resp.status not in (200, 201):
        raise RuntimeError(f"{target.name}: stream status {resp.status}")
    return first or 0.0, time.perf_counter() - start, events, resp.will_close


def cpu_seconds(pid):
    """User + system CPU time of a process so far, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentiles(values):
    values = sorted(values)
    def p(q):
        return values[min(len(values) - 1, int(q * len(values)))] * 1000
    return p(0.5), p(0.9), p(0.99)


def latency(target, requests, kind):
    conn = http.client.HTTPConnection(HOST, target.port, timeout=30)
    samples, firsts, events = [], [], 0
    deadline = time.time() + 60
    for _ in range(requests):
        if time.time() > deadline:
            break
        if kind == "json":
            samples.append(one_json(conn, target))
        else:
            first, total, n, will_close = one_stream(conn, target)
            if will_close:
                conn.close()
                conn = http.client.HTTPConnection(HOST, target.port, timeout=30)
            samples.append(total)
            firsts.append(first)
            events += n
    conn.close()
    return samples, firsts, events


def throughput(target, seconds, concurrency, kind):
    stop = time.time() + seconds
    counts = [0] * concurrency
    errors = [0] * concurrency

    def worker(i):
        conn = http.client.HTTPConnection(HOST, target.port, timeout=30)
        while time.time() < stop:
            try:
                if kind == "json":
                    one_json(conn, target)
                else:
                    if one_stream(conn, target)[3]:
                        conn.close()
                        conn = http.client.HTTPConnection(HOST, target.port, timeout=30)
                counts[i] += 1
            except Exception:
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, target.port, timeout=30)
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    started = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    elapsed = time.time() - started
    return sum(counts) / elapsed, sum(errors), sum(counts)


def measured(target, seconds, concurrency, kind, pids):
    """Throughput, errors, and CPU milliseconds per request of each process in `pids`."""
    before = [cpu_seconds(pid) for pid in pids]
    rate, errors, count = throughput(target, seconds, concurrency, kind)
    cpu = [(cpu_seconds(pid) - b) * 1000 / max(1, count) for pid, b in zip(pids, before)]
    return rate, errors, cpu


def scenario(name, direct, gateway, args, sim, gw, events_label):
    """Latency at c=1 and throughput and CPU per request at c=C, for JSON and streams, direct vs gateway."""
    print(f"## {name}")
    d, _, _ = latency(direct, args.requests, "json")
    g, _, _ = latency(gateway, args.requests, "json")
    dp, gp = percentiles(d), percentiles(g)
    for label, i in (("JSON latency p50 (ms), c=1", 0), ("JSON latency p90 (ms), c=1", 1), ("JSON latency p99 (ms), c=1", 2)):
        print(f"{label:44} {dp[i]:12.3f} {gp[i]:12.3f} {gp[i] - dp[i]:+12.3f}")
    d, dfirst, devents = latency(direct, args.stream_requests, "stream")
    g, gfirst, gevents = latency(gateway, args.stream_requests, "stream")
    dp, gp = percentiles(d), percentiles(g)
    df, gf = percentiles(dfirst), percentiles(gfirst)
    print(f"{'stream first event p50 (ms), c=1':44} {df[0]:12.3f} {gf[0]:12.3f} {gf[0] - df[0]:+12.3f}")
    print(f"{'stream complete p50 (ms), c=1':44} {dp[0]:12.3f} {gp[0]:12.3f} {gp[0] - dp[0]:+12.3f}")
    print(f"{'stream complete p99 (ms), c=1':44} {dp[2]:12.3f} {gp[2]:12.3f} {gp[2] - dp[2]:+12.3f}")
    print(f"{'stream events per stream':44} {devents / max(1, len(d)):12.1f} {gevents / max(1, len(g)):12.1f}")
    drps, derr, (dsim,) = measured(direct, args.seconds, args.concurrency, "json", [sim.pid])
    grps, gerr, (gcpu, gsim) = measured(gateway, args.seconds, args.concurrency, "json", [gw.pid, sim.pid])
    print(f"{f'JSON throughput (req/s), c={args.concurrency}':44} {drps:12.0f} {grps:12.0f} {grps / drps:12.2f}")
    print(f"{f'CPU ms per JSON request, c={args.concurrency}':44} {dsim:12.3f} {gcpu:12.3f}   (simulator | gateway)")
    dsps, dserr, (dssim,) = measured(direct, args.seconds, args.concurrency, "stream", [sim.pid])
    gsps, gserr, (gscpu, gssim) = measured(gateway, args.seconds, args.concurrency, "stream", [gw.pid, sim.pid])
    print(f"{f'stream throughput (streams/s), c={args.concurrency}':44} {dsps:12.0f} {gsps:12.0f} {gsps / dsps:12.2f}")
    print(f"{f'CPU ms per {events_label}, c={args.concurrency}':44} {dssim:12.3f} {gscpu:12.3f}   (simulator | gateway)")
    print(f"errors: direct {derr + dserr}, gateway {gerr + gserr}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/openai-gateway")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--stream-requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--simulator-binary", default=None)
    parser.add_argument("--surfaces", default="api,v1", help="api, v1 or both (an older gateway has no /v1)")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        raise SystemExit(f"{args.binary} not found: swift build -c release --product openai-gateway")

    sim, gw, sim_port, gw_port = start_pair(args.binary, simulator_binary=args.simulator_binary)
    try:
        body = {"model": "gpt-4o", "input": "Benchmark the gateway please", "store": False}
        # 8 output tokens: a stream of 16 events (created, in_progress, 4 item/part events, 8 deltas, done, incomplete).
        stream_body = dict(body, max_output_tokens=8)
        direct = Target("simulator", sim_port, "/v1/responses", "/v1/responses", body, dict(stream_body, stream=True))
        gateway = Target("gateway", gw_port, "/api/responses/text", "/api/responses/text/stream", body, stream_body)
        for t in (direct, gateway):  # warm up connections and code paths
            latency(t, 50, "json")
            latency(t, 10, "stream")

        print(f"# openai-gateway benchmark ({args.binary}); simulator with no event delay; all on {HOST}")
        print(f"{'scenario':44} {'direct':>12} {'gateway':>12} {'added/ratio':>12}")
        if "api" in args.surfaces.split(","):
            scenario("/api/responses", direct, gateway, args, sim, gw, events_label="16-event stream")

        if "v1" not in args.surfaces.split(","):
            print(f"gateway peak RSS: {status_kb(gw.pid, 'VmHWM') / 1024:.1f} MiB")
            return
        chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Benchmark the gateway please"}], "max_completion_tokens": 8}
        v1_responses = Target("gateway", gw_port, "/v1/responses", "/v1/responses", body, dict(stream_body, stream=True))
        scenario("/v1/responses", direct, v1_responses, args, sim, gw, events_label="16-event stream")
        direct_chat = Target("simulator", sim_port, "/v1/chat/completions", "/v1/chat/completions", chat, dict(chat, stream=True))
        v1_chat = Target("gateway", gw_port, "/v1/chat/completions", "/v1/chat/completions", chat, dict(chat, stream=True))
        for t in (direct_chat, v1_chat):
            latency(t, 20, "json")
            latency(t, 10, "stream")
        scenario("/v1/chat/completions", direct_chat, v1_chat, args, sim, gw, events_label="chat stream")
        print(f"gateway peak RSS: {status_kb(gw.pid, 'VmHWM') / 1024:.1f} MiB; simulator peak RSS: {status_kb(sim.pid, 'VmHWM') / 1024:.1f} MiB")
    finally:
        stop(gw, sim)

if __name__ == "__main__":
    main()
