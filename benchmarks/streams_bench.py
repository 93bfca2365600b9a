#!/usr/bin/env python3
"""Many open streams at once: do they all progress, and what does the gateway's memory do?

Usage: python3 benchmarks/streams_bench.py [--binary PATH] [--streams 1000] [--event-delay-ms 100] [--path /v1/responses]

Starts the stand-alone simulator (events paced by --event-delay-ms, so streams stay open for a while) and the
gateway, then opens --streams streaming requests at once (asyncio, raw HTTP/1.1, one connection each), reads
every stream to its end, and prints how many finished, the minimum and median events each received, the time
until the last one ended, and the gateway's RSS when idle and at its peak. All traffic goes to 127.0.0.1;
every read has a deadline.
"""
import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import HOST, start_pair, status_kb, stop  # noqa: E402


async def one_stream(port, path, body, deadline):
    reader, writer = await asyncio.open_connection(HOST, port)
    payload = json.dumps(body).encode()
    writer.write(f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode() + payload)
    await writer.drain()
    data = b""
    events = 0
    first = None
    started = time.time()
    try:
        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                break
            chunk = await asyncio.wait_for(reader.read(65536), remaining)
            if not chunk:
                break
            data += chunk
            events += chunk.count(b"\n\n")
            if first is None and events >= 2:  # the head's blank line, then the first event's
                first = time.time() - started
    finally:
        writer.close()
    ok = data.startswith(b"HTTP/1.1 200") or data.startswith(b"HTTP/1.1 201")
    return ok, events, first


async def run_all(port, path, body, count, seconds):
    deadline = time.time() + seconds
    tasks = [asyncio.create_task(one_stream(port, path, body, deadline)) for _ in range(count)]
    return await asyncio.gather(*tasks, return_exceptions=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/openai-gateway")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--event-delay-ms", type=int, default=100)
    parser.add_argument("--path", default="/v1/responses")
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * args.streams + 1024)), hard))
    sim, gw, sim_port, gw_port = start_pair(args.binary, event_delay_ms=args.event_delay_ms)
    try:
        body = {"model": "gpt-4o", "input": "Benchmark the gateway please", "store": False, "max_output_tokens": 8}
        if args.path == "/v1/responses":
            body["stream"] = True
        def summary(results):
            good = [r for r in results if isinstance(r, tuple) and r[0]]
            firsts = sorted(r[2] for r in good if r[2] is not None) or [0.0]
            return good, len(results) - len(good), [events for _, events, _ in good] or [0], firsts

        # The same streams straight to the simulator first: the upstream's own time to first event.
        direct_started = time.time()
        direct, direct_failures, _, direct_firsts = summary(asyncio.run(run_all(sim_port, args.path, body, args.streams, args.seconds)))
        direct_elapsed = time.time() - direct_started
        idle = status_kb(gw.pid, "VmRSS")
        started = time.time()
        good, failures, counts, firsts = summary(asyncio.run(run_all(gw_port, args.path, body, args.streams, args.seconds)))
        elapsed = time.time() - started
        peak = status_kb(gw.pid, "VmHWM")
        print(f"# {args.streams} concurrent streams through {args.path}, simulator event delay {args.event_delay_ms} ms")
        print(f"direct:  {len(direct)} / {args.streams} finished (failed {direct_failures}); first event p50 "
              f"{statistics.median(direct_firsts):.3f} s, max {direct_firsts[-1]:.3f} s; all ended after {direct_elapsed:.1f} s")
        print(f"gateway: {len(good)} / {args.streams} finished (failed {failures}); first event p50 {statistics.median(firsts):.3f} s, "
              f"max {firsts[-1]:.3f} s; all ended after {elapsed:.1f} s; events per stream min {min(counts)}, median {statistics.median(counts):.0f}")
        print(f"last stream's first event: gateway {firsts[-1] - direct_firsts[-1]:+.3f} s against direct (target: within 1 s)")
        print(f"gateway RSS idle {idle / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB (target: at most 150 MB)")
    finally:
        stop(gw, sim)

if __name__ == "__main__":
    main()
