#!/usr/bin/env python3
"""Runs the README's shell and Python examples, in order, against a gateway on its built-in simulator, the
way a new user pastes them into one terminal: variables set by one block are there in the next.

Usage: python3 scripts/readme_examples.py [--binary .build/debug/openai-gateway] [--readme README.md] [--list]

- `swift run openai-gateway` in a block runs the built binary instead; `127.0.0.1:300N` / `localhost:300N`
  (and `PORT=300N`) become free loopback ports, 3000 being the gateway this script starts with
  `--simulator` in a fresh working folder (so ./data, ./logs and sample files land there).
- A block fails when it exits non-zero (each runs under `bash -e`, without pipefail, as in an interactive shell where `curl … | head` is fine), when it prints a 5xx error
  body, or when it prints an error body (`"error_code"`, `{"error": {`) and the README does not say the
  block shows errors. Background processes a block starts are stopped when it ends (so a block that needs a
  server of its own, e.g. the stand-alone simulator, starts it).
- Mark a block the script must not run with `<!-- readme-test: skip (why) -->` on the line before its fence;
  a block that shows errors on purpose with `<!-- readme-test: errors-expected -->`.
Exits 1 and prints each failing block with its output when any block fails. Only talks to 127.0.0.1.
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

FENCE = re.compile(r"^```(\w*)\s*$")
MARK = re.compile(r"<!--\s*readme-test:\s*([\w-]+)(?:\s*\((.*?)\))?\s*-->")


def blocks(readme):
    """(index, language, code, marks, line) for every fenced sh/python block."""
    lines = open(readme, encoding="utf-8").read().splitlines()
    found, i = [], 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match or not match.group(1):
            i += 1
            continue
        language, start = match.group(1), i
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        marks = {m.group(1): m.group(2) or "" for k in range(max(0, start - 2), start) for m in MARK.finditer(lines[k])}
        if language in ("sh", "bash", "python"):
            found.append((len(found), language, "\n".join(lines[start + 1:j]), marks, start + 1))
        i = j + 1
    return found


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def localize(code, ports, binary):
    code = code.replace("swift run openai-gateway", binary)
    for readme_port, port in ports.items():
        code = re.sub(rf"(127\.0\.0\.1|localhost):{readme_port}\b", rf"\g<1>:{port}", code)
        code = re.sub(rf"\bPORT={readme_port}\b", f"PORT={port}", code)
        code = re.sub(rf"--port {readme_port}\b", f"--port {port}", code)
    return code


ERROR_BODY = re.compile(r'"error_code"|\{"error":\s*\{')
SERVER_ERROR = re.compile(r'"statusCode":\s*5\d\d')


def run_block(index, language, code, workdir, state, timeout):
    """Runs one block in its own process group; returns (exit status, output)."""
    path = os.path.join(workdir, f".readme-block-{index}.{ 'py' if language == 'python' else 'sh'}")
    with open(path, "w") as f:
        f.write(code + "\n")
    if language == "python":
        command = [sys.executable, path]
    else:
        # The variables of earlier blocks, then the block, then its variables for the next one.
        script = (f"set -e\n[ -f {state} ] && source {state}\nsource {path}\n"
                  f"declare -p | grep -v -E '^declare -[a-zA-Z]*r' > {state}.new || true\nmv {state}.new {state}\n")
        command = ["bash", "-c", script]
    # Output to a file, not a pipe: a server the block starts in the background keeps its copy open.
    log = os.path.join(workdir, f".readme-block-{index}.out")
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            status = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            status = -1
        finally:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    with open(log, "rb") as f:
        output = f.read() + (b"\n(timed out)" if status == -1 else b"")
    return status, output.decode("utf-8", "replace")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/debug/openai-gateway")
    parser.add_argument("--readme", default="README.md")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per block")
    parser.add_argument("--list", action="store_true", help="list the blocks and whether they run")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    found = blocks(args.readme)
    if args.list:
        for index, language, code, marks, line in found:
            state = "skip: " + marks["skip"] if "skip" in marks else "runs"
            print(f"{index:3} line {line:5} {language:6} {state:50} {code.splitlines()[0][:60] if code else ''}")
        return
    if not os.access(binary, os.X_OK):
        raise SystemExit(f"{binary} not found: swift build first")
    workdir = tempfile.mkdtemp(prefix="readme-examples-")
    ports = {str(3000 + n): free_port() for n in range(10)}
    ports["8080"] = free_port()
    env = dict(os.environ, NODE_ENV="test", LOG_LEVEL="warn", SIMULATOR_EVENT_DELAY_MS="2")
    env.pop("DATABASE_URL", None)
    gateway = subprocess.Popen([binary, "--simulator", "--port", str(ports["3000"])], cwd=workdir, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    failures, ran = [], 0
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{ports['3000']}/health", timeout=1).read()
                break
            except OSError:
                if time.time() > deadline or gateway.poll() is not None:
                    raise SystemExit("the gateway did not start")
                time.sleep(0.1)
        state = os.path.join(workdir, ".readme-state.sh")
        for index, language, code, marks, line in found:
            if "skip" in marks:
                continue
            ran += 1
            status, output = run_block(index, language, localize(code, ports, binary), workdir, state, args.timeout)
            problem = None
            if status != 0:
                problem = f"exit status {status}"
            elif SERVER_ERROR.search(output) and "errors-expected" not in marks:
                problem = "printed a 5xx error body"
            elif ERROR_BODY.search(output) and "errors-expected" not in marks:
                problem = "printed an error body (mark the block <!-- readme-test: errors-expected --> if that is the point)"
            if problem:
                failures.append((line, problem, code, output))
    finally:
        try:
            os.killpg(gateway.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    skipped = [(line, marks["skip"]) for _, _, _, marks, line in found if "skip" in marks]
    print(f"README examples: {ran} blocks ran, {len(failures)} failed, {len(skipped)} skipped "
          + "; ".join(f"line {line}: {why}" for line, why in skipped))
    for line, problem, code, output in failures:
        print(f"\n--- README line {line}: {problem}\n{code}\n--- output:\n{output[-3000:]}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
