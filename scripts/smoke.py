#!/usr/bin/env python3
"""Smoke test of the built executable, as the README runs it: `openai-gateway --simulator` answers /health,
a Responses call on /api and a Chat Completions call on /v1, and stops cleanly on SIGTERM.

Usage: python3 scripts/smoke.py [BINARY]   (default .build/debug/openai-gateway). Loopback only, bounded waits.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/openai-gateway"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    gateway = subprocess.Popen([binary, "--simulator", "--port", str(port), "--log-dir", tempfile.mkdtemp(prefix="smoke-logs-")],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 30
        while True:
            try:
                status, data = call(port, "GET", "/health")
                break
            except OSError:
                if time.time() > deadline or gateway.poll() is not None:
                    raise SystemExit(f"smoke: the gateway did not start: {gateway.stderr.read().decode()[-2000:] if gateway.poll() is not None else 'timeout'}")
                time.sleep(0.2)
        health = json.loads(data)
        assert status == 200 and health["simulator"] is True, f"/health: {status} {data[:200]!r}"
        status, data = call(port, "POST", "/api/responses/text", {"model": "gpt-4o", "input": "smoke"})
        assert status == 201 and json.loads(data)["id"].startswith("resp_"), f"/api/responses/text: {status} {data[:200]!r}"
        status, data = call(port, "POST", "/v1/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": "smoke"}]})
        assert status == 200 and json.loads(data)["object"] == "chat.completion", f"/v1/chat/completions: {status} {data[:200]!r}"
        gateway.send_signal(signal.SIGTERM)
        code = gateway.wait(20)
        assert code == 0, f"exit status {code} after SIGTERM"
        print("smoke: 4 passed, 0 failed")
    finally:
        if gateway.poll() is None:
            gateway.kill()


if __name__ == "__main__":
    main()
