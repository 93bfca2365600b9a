#!/usr/bin/env python3
"""Image edit upload benchmark: the gateway's memory and time for a large multi-image edit.

Usage: python3 benchmarks/image_edit_bench.py [--binary PATH] [--mb 100] [--images 3] [--runs 3]

Starts the stand-alone simulator and the gateway in front of it (release binary, default
.build/release/openai-gateway), then sends the same POST of --mb MiB split over --images PNG image
parts (gpt-image-1, a real PNG header padded to size, generated as it is sent: this script never holds
it) --runs times directly to the simulator's /v1/images/edits and --runs times through the gateway's
/api/images/edit. It prints the gateway's RSS when idle and its peak (VmHWM), the growth (the target:
at most 32 MiB for 100 MiB), and the median time of each path with the ratio gateway/direct.
All traffic goes to 127.0.0.1; every loop is bounded.
"""
import argparse
import http.client
import os
import statistics
import struct
import time
import zlib

from bench_common import HOST, start_pair, status_kb, stop

CHUNK = 1 << 20


def png_head(width, height):
    """A PNG signature and IHDR chunk (all the gateway and the simulator read of an image's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))


def edit_body(boundary, total, images):
    """Yields the multipart body: model and prompt, then `images` image parts of total/images bytes each."""
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ngpt-image-1\r\n"
           f"--{boundary}\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nadd a hat\r\n").encode()
    block = bytes(range(256)) * (CHUNK // 256)
    each = total // images
    for index in range(images):
        head = png_head(1024, 1024)
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image[]\"; filename=\"in{index}.png\"\r\n"
               f"Content-Type: image/png\r\n\r\n").encode() + head
        sent = len(head)
        while sent < each:
            n = min(CHUNK, each - sent)
            yield block[:n]
            sent += n
        yield b"\r\n"
    yield f"--{boundary}--\r\n".encode()


def post(port, path, total, images):
    boundary = "bench-" + os.urandom(8).hex()
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    start = time.time()
    conn.request("POST", path, body=edit_body(boundary, total, images),
                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}, encode_chunked=True)
    resp = conn.getresponse()
    body = resp.read()
    return resp.status, body, time.time() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/openai-gateway")
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--images", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        raise SystemExit(f"{args.binary} not found: swift build -c release --product openai-gateway")
    total = args.mb * CHUNK
    sim, gw, sim_port, gw_port = start_pair(args.binary, gateway_env={"OPENAI_TIMEOUT": "600000"})
    try:
        idle = status_kb(gw.pid, "VmRSS")
        print(f"# gateway idle RSS: {idle / 1024:.1f} MiB; {args.mb} MiB over {args.images} image parts, {args.runs} runs each")
        direct, gateway = [], []
        for _ in range(args.runs):
            status, body, elapsed = post(sim_port, "/v1/images/edits", total, args.images)
            if status != 200:
                raise SystemExit(f"direct edit failed: {status} {body[:300]!r}")
            direct.append(elapsed)
            status, body, elapsed = post(gw_port, "/api/images/edit", total, args.images)
            if status != 200:
                raise SystemExit(f"gateway edit failed: {status} {body[:300]!r}")
            gateway.append(elapsed)
        peak = status_kb(gw.pid, "VmHWM")
        d, g = statistics.median(direct), statistics.median(gateway)
        print(f"direct to the simulator: median {d * 1000:.0f} ms ({args.mb / d:.0f} MiB/s)")
        print(f"through the gateway:     median {g * 1000:.0f} ms ({args.mb / g:.0f} MiB/s), ratio {g / d:.2f}x")
        growth = (peak - idle) / 1024
        print(f"gateway peak RSS {peak / 1024:.1f} MiB (+{growth:.1f} MiB over idle; target ≤ 32 MiB: {'met' if growth <= 32 else 'NOT met'})")
    finally:
        stop(gw, sim)


if __name__ == "__main__":
    main()
