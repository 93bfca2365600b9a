#!/usr/bin/env python3
"""Hostile and slow peers (issue 14): idle sockets, a stalled upload, connections over the cap, and a
shutdown while a client holds a half-sent body, against the gateway in front of the stand-alone simulator.

Usage: python3 benchmarks/hostile_peers_bench.py [--binary PATH] [--idle N]

Builds nothing (default binary .build/debug/openai-gateway). Starts the pair on loopback ports with short
timeouts (HEADER_READ_TIMEOUT_MS=1000, BODY_IDLE_TIMEOUT_MS=1000, MAX_CONNECTIONS=50,
SHUTDOWN_TIMEOUT_MS=2000) and prints, for each attack, what a healthy gateway must show:
  - N idle sockets (connect, then send nothing; beyond the cap too): how many are still open after 3 s (0),
    the gateway's open descriptors before and after, and /health's latency while they are held (connecting
    300 at once takes about 1 s: the listen backlog is 256, so some SYNs are retried);
  - one connection over the cap of 50 held ones: the status and time of its answer (503 with Retry-After);
  - a stalled upload: seconds until the gateway cuts it (~1);
  - SIGTERM while a client holds a half-sent body: seconds until the process exits (~2, not forever);
  - descriptor exhaustion: a second gateway under `prlimit --nofile=256:256` (util-linux), 300 connections
    each with a request the simulator holds for 2 s: the answers by status, how many got none, the peak of the
    gateway's descriptors, whether it is alive, and /health and a request after they close.
Every loop is bounded in count and time, and all traffic goes to 127.0.0.1.
"""
import argparse
import http.client
import json
import shutil
import os
import signal
import socket
import subprocess
import threading
import time

from bench_common import HOST, start_gateway, start_pair, stop


def open_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def health_ms(port):
    started = time.time()
    c = http.client.HTTPConnection(HOST, port, timeout=5)
    c.request("GET", "/health")
    status = c.getresponse().status
    c.close()
    return status, (time.time() - started) * 1000


def closed_by_peer(sock, wait):
    sock.settimeout(wait)
    try:
        return sock.recv(65536) == b"" or True
    except (socket.timeout, TimeoutError):
        return False
    except OSError:
        return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/debug/openai-gateway")
    parser.add_argument("--idle", type=int, default=300)
    args = parser.parse_args()
    env = {"HEADER_READ_TIMEOUT_MS": "1000", "BODY_IDLE_TIMEOUT_MS": "1000", "MAX_CONNECTIONS": "50",
           "SHUTDOWN_TIMEOUT_MS": "2000"}
    sim, gw, sim_port, port = start_pair(args.binary, gateway_env=env)
    try:
        fds_before = open_fds(gw.pid)
        idle = [socket.create_connection((HOST, port)) for _ in range(args.idle)]
        time.sleep(0.3)
        fds_held = open_fds(gw.pid)
        status, ms = health_ms(port)
        print(f"idle sockets: {args.idle} opened; gateway fds {fds_before} -> {fds_held}; /health while held: {status} in {ms:.1f} ms")
        time.sleep(2.7)
        still_open = sum(0 if closed_by_peer(s, 0.01) else 1 for s in idle)
        for s in idle:
            s.close()
        time.sleep(0.3)
        print(f"idle sockets: {still_open} still open after 3 s; gateway fds after: {open_fds(gw.pid)}")

        # Over the cap: hold the cap's worth of idle sockets, then ask once more.
        held = [socket.create_connection((HOST, port)) for _ in range(50)]
        time.sleep(0.3)
        extra = socket.create_connection((HOST, port))
        started = time.time()
        extra.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        extra.settimeout(5)
        head = extra.recv(4096).split(b"\r\n")
        retry = [h for h in head if h.lower().startswith(b"retry-after")]
        print(f"over the cap: {head[0].decode()} {retry[0].decode() if retry else '(no retry-after)'} in {(time.time() - started) * 1000:.1f} ms")
        for s in held + [extra]:
            s.close()
        time.sleep(1.2)

        stalled = socket.create_connection((HOST, port))
        stalled.sendall(b"POST /api/responses/text HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        b"Content-Length: 1000\r\n\r\n{\"model\":")
        started = time.time()
        cut = closed_by_peer(stalled, 10)
        print(f"stalled upload: {'cut' if cut else 'NOT cut'} after {time.time() - started:.2f} s")
        stalled.close()

        # A body that keeps moving (a byte every 0.3 s, so the body idle timeout never cuts it) but never ends.
        holder = socket.create_connection((HOST, port))
        holder.sendall(b"POST /api/responses/text HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 1000\r\n\r\n{\"model\":")

        def trickle():
            for _ in range(60):
                try:
                    holder.sendall(b" ")
                except OSError:
                    return
                time.sleep(0.3)

        threading.Thread(target=trickle, daemon=True).start()
        time.sleep(0.5)
        started = time.time()
        gw.send_signal(signal.SIGTERM)
        try:
            gw.wait(15)
            print(f"shutdown with a half-sent body held: exited {gw.returncode} after {time.time() - started:.2f} s")
        except subprocess.TimeoutExpired:
            print("shutdown with a half-sent body held: DID NOT EXIT within 15 s")
        holder.close()
        descriptor_exhaustion(args.binary, sim_port)
    finally:
        stop(gw, sim)


def simulator_faults(sim_port, method, body=None):
    c = http.client.HTTPConnection(HOST, sim_port, timeout=5)
    c.request(method, "/__simulator/faults", body, {"Content-Type": "application/json"})
    status = c.getresponse().status
    c.close()
    return status


def descriptor_exhaustion(binary, sim_port, clients=300):
    """More connections with requests in flight than a 256-descriptor limit holds (issue 14.2)."""
    if not shutil.which("prlimit"):
        print("descriptor exhaustion: skipped (no prlimit; it is in util-linux)")
        return
    gw, port = start_gateway(binary, sim_port, {"OPENAI_MAX_RETRIES": "0"}, prefix=["prlimit", "--nofile=256:256"])
    try:
        simulator_faults(sim_port, "POST", json.dumps({"path": "/v1/responses", "method": "POST", "delay_ms": 2000, "count": 100000}))
        body = b'{"model":"gpt-4o","input":"Say hi"}'
        request = (b"POST /api/responses/text HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   b"Content-Length: %d\r\n\r\n" % len(body)) + body
        started = time.time()
        socks, received, peak = [], {}, 0
        refused = 0
        for _ in range(clients):
            try:
                s = socket.create_connection((HOST, port), timeout=5)
                s.sendall(request)
            except OSError:
                refused += 1  # the listener is gone (the process died) or the backlog is full
                continue
            s.setblocking(False)
            socks.append(s)
            received[s] = b""
        closed = set()
        deadline = started + 15
        while time.time() < deadline and gw.poll() is None and len(closed) < len(socks):
            peak = max(peak, open_fds(gw.pid))
            for s in socks:
                if s in closed:
                    continue
                try:
                    data = s.recv(65536)
                    received[s] += data
                    if data == b"" or b'"output_text"' in received[s]:
                        closed.add(s)
                except BlockingIOError:
                    pass
                except OSError:
                    closed.add(s)
            time.sleep(0.05)
        elapsed = time.time() - started
        statuses = {}
        for s in socks:
            head = received[s].split(b"\r\n", 1)[0].decode(errors="replace")
            key = head[9:12] if head.startswith("HTTP/1.1 ") else "none"
            if key == "503":
                retry = b"retry-after: 1" in received[s].lower()
                key += " " + (received[s].split(b'"error_code":"')[1].split(b'"')[0].decode() if b'"error_code":"' in received[s] else "?")
                key += "" if retry else " (no retry-after)"
            statuses[key] = statuses.get(key, 0) + 1
        alive = gw.poll() is None
        for s in socks:
            s.close()
        if refused:
            statuses["connect failed"] = refused
        print(f"descriptor limit 256, {clients} connections with requests in flight: "
              f"{', '.join(f'{n} x {k}' for k, n in sorted(statuses.items()))} in {elapsed:.2f} s; "
              f"peak {peak} descriptors; {'alive' if alive else f'DIED (status {gw.returncode})'}")
        if alive:
            time.sleep(0.5)
            simulator_faults(sim_port, "DELETE")
            status, ms = health_ms(port)
            c = http.client.HTTPConnection(HOST, port, timeout=10)
            c.request("POST", "/api/responses/text", body, {"Content-Type": "application/json"})
            answer = c.getresponse().status
            c.close()
            print(f"descriptor limit 256, after they closed: /health {status} in {ms:.1f} ms, a request {answer}")
    finally:
        stop(gw)


if __name__ == "__main__":
    main()
