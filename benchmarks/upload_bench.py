#!/usr/bin/env python3
"""Large upload/download benchmark: memory and throughput of the gateway's binary streaming.

Usage: python3 benchmarks/upload_bench.py [--binary PATH] [--mb 512] [--over-mb 600] [--surface api|v1]

Starts the stand-alone simulator and the gateway in front of it (release binary, default
.build/release/openai-gateway), then:
  1. uploads a generated file of --mb MiB through POST /api/files (chunked, streamed from a generator:
     this script never holds it in memory), downloads it back through GET /api/files/{id}/content, and
     compares SHA-256 digests;
  2. uploads --over-mb MiB (over the 512 MB limit) and expects a 413, and checks the simulator stored
     nothing (the upstream never received a whole body).
It prints the gateway's RSS when idle and its peak (VmHWM) after each step, the growth over idle, and
MB/s for each transfer. `--surface v1` does the same through the OpenAI-compatible `/v1/files` (multipart
passed through as it arrives), without the over-limit step (limits there are the upstream's).
All traffic goes to 127.0.0.1; every loop is bounded.
"""
import argparse
import hashlib
import http.client
import json
import os
import random
import time

from bench_common import HOST, start_pair, status_kb, stop
CHUNK = 1 << 20





def multipart_stream(boundary, purpose, filename, total, digest):
    """Yields a multipart body: the purpose field, then `total` bytes of file, generated 1 MiB at a time."""
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n{purpose}\r\n"
           f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
           f"Content-Type: application/octet-stream\r\n\r\n").encode()
    rng = random.Random(42)
    block = bytes(rng.getrandbits(8) for _ in range(CHUNK))
    sent = 0
    counter = 0
    while sent < total:
        n = min(CHUNK, total - sent)
        # Vary each block cheaply so the content is not one repeated MiB.
        piece = counter.to_bytes(8, "little") + block[8:n] if n >= 8 else block[:n]
        digest.update(piece)
        yield piece
        sent += n
        counter += 1
    yield f"\r\n--{boundary}--\r\n".encode()


def upload(port, mb, purpose="user_data", prefix="/api"):
    boundary = "bench-boundary-" + os.urandom(8).hex()
    digest = hashlib.sha256()
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    start = time.time()
    try:
        conn.request("POST", f"{prefix}/files", body=multipart_stream(boundary, purpose, "big.bin", mb * CHUNK, digest),
                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}, encode_chunked=True)
        resp = conn.getresponse()
        body = resp.read()
        status = resp.status
    except (BrokenPipeError, ConnectionResetError):
        # The gateway answered (413) and closed while we were still sending: read what it said.
        try:
            resp = conn.getresponse()
            body, status = resp.read(), resp.status
        except Exception:
            body, status = b"", 0
    elapsed = time.time() - start
    return status, body, elapsed, digest.hexdigest()


def download(port, file_id, prefix="/api"):
    digest = hashlib.sha256()
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    start = time.time()
    conn.request("GET", f"{prefix}/files/{file_id}/content")
    resp = conn.getresponse()
    total = 0
    while True:
        chunk = resp.read(CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        total += len(chunk)
    return resp.status, total, time.time() - start, digest.hexdigest()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/openai-gateway")
    parser.add_argument("--mb", type=int, default=512)
    parser.add_argument("--over-mb", type=int, default=600)
    parser.add_argument("--surface", choices=["api", "v1"], default="api")
    args = parser.parse_args()
    prefix = "/" + args.surface
    if not os.path.exists(args.binary):
        raise SystemExit(f"{args.binary} not found: swift build -c release --product openai-gateway")
    sim, gw, sim_port, gw_port = start_pair(args.binary, event_delay_ms=20, gateway_env={"OPENAI_TIMEOUT": "600000"})
    try:
        idle = status_kb(gw.pid, "VmRSS")
        print(f"# gateway idle RSS: {idle / 1024:.1f} MiB")

        status, body, elapsed, up_digest = upload(gw_port, args.mb, prefix=prefix)
        peak = status_kb(gw.pid, "VmHWM")
        print(f"upload {args.mb} MiB through {prefix}/files: status {status}, {args.mb / elapsed:.0f} MiB/s, "
              f"gateway peak RSS {peak / 1024:.1f} MiB (+{(peak - idle) / 1024:.1f} MiB over idle)")
        if status not in (200, 201):
            raise SystemExit(f"upload failed: {body[:300]!r}")
        file_id = json.loads(body)["id"]

        status, total, elapsed, down_digest = download(gw_port, file_id, prefix=prefix)
        peak = status_kb(gw.pid, "VmHWM")
        print(f"download {total / CHUNK:.0f} MiB: status {status}, {total / CHUNK / elapsed:.0f} MiB/s, "
              f"gateway peak RSS {peak / 1024:.1f} MiB (+{(peak - idle) / 1024:.1f} MiB over idle)")
        print(f"sha256 upload {up_digest[:16]}… download {down_digest[:16]}… {'identical' if up_digest == down_digest else 'DIFFERENT'}")

        if args.surface == "v1":
            return
        before = json.loads(urlget(sim_port, "/v1/files"))["data"]
        status, body, elapsed, _ = upload(gw_port, args.over_mb)
        after = json.loads(urlget(sim_port, "/v1/files"))["data"]
        code = json.loads(body).get("error_code") if body else None
        peak = status_kb(gw.pid, "VmHWM")
        print(f"upload {args.over_mb} MiB: status {status} ({code}) after {elapsed:.1f} s; simulator files before {len(before)}, "
              f"after {len(after)} (nothing stored: {len(before) == len(after)}); gateway peak RSS {peak / 1024:.1f} MiB "
              f"(+{(peak - idle) / 1024:.1f} MiB over idle)")
    finally:
        stop(gw, sim)

def urlget(port, path):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", path)
    return conn.getresponse().read()


if __name__ == "__main__":
    main()
