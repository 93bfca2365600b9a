#!/usr/bin/env python3
"""Schemathesis against the gateway's own /openapi.json: the document and the behaviour must agree.

Starts the built executable on its simulator (`openai-gateway --simulator`, a free loopback port, default
configuration: GATEWAY_AUTH=none, no admin key, so the admin routes are open as the document says), waits
for /health, runs `schemathesis run` with every check, a fixed seed, a bounded number of examples per
operation and a wall-clock cap, prints a summary, stops the gateway and exits non-zero on any failure.

Usage: python3 scripts/schemathesis.py [BINARY]   (default .build/debug/openai-gateway)
Environment: SCHEMATHESIS_EXAMPLES (per operation, default 3), SCHEMATHESIS_SEED (default 1),
SCHEMATHESIS_TIMEOUT (seconds, default 240). Loopback only; every wait is bounded.
"""
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Per-operation settings (answers that depend on the upstream's state); every entry says why.
SUPPORT = os.path.join(HERE, "schemathesis.d")
CONFIG = os.path.join(SUPPORT, "schemathesis.toml")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(port):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/health")
        status = conn.getresponse().status
        conn.close()
        return status == 200
    except OSError:
        return False


def schemathesis_command():
    for name in ("schemathesis", "st"):
        found = shutil.which(name)
        if found:
            return [found]
    return [sys.executable, "-m", "schemathesis.cli"]


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/openai-gateway")
    examples = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "3"))
    seed = os.environ.get("SCHEMATHESIS_SEED", "1")
    cap = int(os.environ.get("SCHEMATHESIS_TIMEOUT", "240"))
    port = free_port()
    work = tempfile.mkdtemp(prefix="schemathesis-")
    # The defaults: no key upstream (the simulator), no access keys, no admin key, a store of its own.
    env = {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith("OPENAI_") or k.startswith("GATEWAY_") or k in ("DATABASE_URL", "LEDGER_DATABASE_URL"))
    }
    env["SIMULATOR_EVENT_DELAY_MS"] = "1"
    started = time.time()
    # The gateway logs every request: to a file (a pipe nobody reads would fill and stall it).
    log_path = os.path.join(work, "gateway.log")
    log = open(log_path, "wb")
    gateway = subprocess.Popen(
        [binary, "--simulator", "--port", str(port), "--log-dir", os.path.join(work, "logs")],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
    )

    def log_tail():
        log.flush()
        with open(log_path, "rb") as f:
            return f.read()[-2000:].decode(errors="replace")

    try:
        deadline = time.time() + 30
        while not healthy(port):
            if gateway.poll() is not None:
                raise SystemExit(f"schemathesis: the gateway exited: {log_tail()}")
            if time.time() > deadline:
                raise SystemExit("schemathesis: the gateway did not answer /health within 30 s")
            time.sleep(0.2)
        # One worker: hypothesis's lambda descriptions are not thread-safe on Python 3.11 (with two workers a run
        # can end in "AST constructor recursion depth mismatch" runtime errors that are not the gateway's).
        command = schemathesis_command() + [
            "--config-file", CONFIG, "run", f"http://127.0.0.1:{port}/openapi.json",
            "--checks", "all", "--seed", seed, "--max-examples", str(examples), "--workers", "1",
            "--request-timeout", "20", "--no-color", "--report", "junit", "--report-dir", os.path.join(work, "report"),
        ]
        print("schemathesis:", " ".join(command[1:]), flush=True)
        # The hooks complete the test data of rules that tie two fields together (each explained there).
        st_env = dict(os.environ, SCHEMATHESIS_HOOKS="gateway_hooks")
        st_env["PYTHONPATH"] = SUPPORT + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else "")
        try:
            run = subprocess.run(command, cwd=work, env=st_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=cap)
            output, code = run.stdout.decode(errors="replace"), run.returncode
        except subprocess.TimeoutExpired as timeout:
            output = (timeout.stdout or b"").decode(errors="replace") + f"\nschemathesis: stopped after the {cap} s cap\n"
            code = 124
        # The failures and the summary (the report is long: each failure's curl line is kept).
        for line in output.splitlines():
            print(line[:2000])
        failures = re.findall(r"^\s*❌ (ST\d+ .*?): (\d+)$", output, re.M)
        elapsed = time.time() - started
        total = sum(int(count) for _, count in failures)
        verdict = "passed" if code == 0 else "FAILED"
        print(f"schemathesis summary: {verdict}, {total} failure(s) in {elapsed:.0f} s (seed {seed}, {examples} examples per operation)")
        for name, count in failures:
            print(f"  {name}: {count}")
        if gateway.poll() is not None:
            print(f"schemathesis: the gateway exited during the run (status {gateway.returncode}): {log_tail()}")
            return 1
        return 0 if code == 0 else 1
    finally:
        if gateway.poll() is None:
            gateway.send_signal(signal.SIGTERM)
            try:
                gateway.wait(20)
            except subprocess.TimeoutExpired:
                gateway.kill()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
