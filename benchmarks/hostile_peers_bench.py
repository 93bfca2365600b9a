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
  - SIGTERM while a client holds a half-sent body: seconds until the process exits (~2, not forever).
Every loop is bounded in count and time, and all traffic goes to 127.0.0.1.
"""
import argparse
import http.client
import os
import signal
import socket
import subprocess
import threading
import time

from bench_common import HOST, start_pair, stop


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
    sim, gw, _, port = start_pair(args.binary, gateway_env=env)
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
    finally:
        stop(gw, sim)


if __name__ == "__main__":
    main()
