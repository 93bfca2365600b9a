#!/usr/bin/env python3
"""Open a page in headless Chromium and report what went wrong on it, as JSON.

Drives Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: commands on fd 3,
answers on fd 4, each message NUL-terminated), so it needs nothing but the standard library and
Debian's `chromium` package. It collects console errors, uncaught exceptions and failed requests
(network failures and HTTP statuses of 400 or more), waits until a JS expression is truthy, then
evaluates another one (awaiting it when it is a promise, so it may drive the page: click, wait, read) and prints:

    {"url": ..., "ready": true, "value": <the expression's value>, "console_errors": [...],
     "exceptions": [...], "failed_requests": [...], "console": [...], "elapsed_ms": ...}

Exit status: 0 when the page got ready with no console error, exception or failed request; 1 when
not; 2 when Chromium could not be started (the message names the package to install).

    python3 chromium_check.py http://127.0.0.1:8080/dashboard \\
        --ready 'document.body.dataset.state === "ready"' \\
        --eval '({bars: document.querySelectorAll("svg rect.bar").length})' \\
        --header 'Authorization: Basic YWRtaW46c2VjcmV0' --width 390 --height 844
"""

import argparse
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time


def find_chromium():
    candidates = [os.environ.get("CHROMIUM")] + ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
    for candidate in candidates:
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


class DevTools:
    """One Chromium process and its DevTools pipe."""

    def __init__(self, executable, width, height):
        self.profile = tempfile.mkdtemp(prefix="chromium-check-")
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()

        def child_fds():
            # The browser reads commands on fd 3 and writes answers on fd 4. Both ends move above 9 first,
            # so that placing one cannot overwrite the other.
            import fcntl

            high_read = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10)
            high_write = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)

        arguments = [
            executable,
            "--headless",
            "--remote-debugging-pipe",
            "--user-data-dir=" + self.profile,
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-features=Translate,MediaRouter,OptimizationHints",
            "--window-size=%d,%d" % (width, height),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            arguments.append("--no-sandbox")  # Chromium refuses to run its sandbox as root
        arguments.append("about:blank")
        # A file, not a pipe: nobody reads Chromium's chatter while it runs, and a full pipe would stall it.
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            arguments,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            close_fds=False,
            preexec_fn=child_fds,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        return self.next_id

    def read(self, deadline):
        """The next message, or None at the deadline."""
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self.from_browser], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe: " + self.stderr_tail())
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=None, timeout=10.0):
        """Sends a command and waits for its answer; events that arrive meanwhile are kept."""
        wanted = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            message = self.read(deadline)
            if message is None:
                raise RuntimeError("no answer to %s within %.0f s" % (method, timeout))
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError("%s failed: %s" % (method, message["error"]))
                return message.get("result", {})
            self.events.append(message)

    def drain(self, seconds):
        deadline = time.monotonic() + seconds
        while True:
            message = self.read(deadline)
            if message is None:
                return
            self.events.append(message)

    def stderr_tail(self):
        try:
            self.process.kill()
            self.process.wait()
            self.log.seek(0)
            return self.log.read().decode(errors="replace")[-600:]
        except Exception:  # noqa: BLE001 - only for a message
            return ""

    def close(self):
        try:
            self.send("Browser.close")
            self.process.wait(timeout=5)
        except Exception:  # noqa: BLE001 - it is going away either way
            self.process.kill()
            self.process.wait()
        for fd in (self.to_browser, self.from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def remote_value(result):
    remote = result.get("result", {})
    if "exceptionDetails" in result:
        details = result["exceptionDetails"]
        raise RuntimeError("evaluation threw: " + (details.get("exception", {}).get("description") or details.get("text", "")))
    return remote.get("value")


def check(arguments):
    executable = find_chromium()
    if executable is None:
        print(json.dumps({"error": "chromium not found: install Debian's chromium package (apt-get install chromium) or set CHROMIUM"}))
        return 2
    started = time.monotonic()
    try:
        browser = DevTools(executable, arguments.width, arguments.height)
    except OSError as error:
        print(json.dumps({"error": "cannot start %s: %s" % (executable, error)}))
        return 2
    report = {"url": arguments.url, "ready": False, "value": None, "console_errors": [], "exceptions": [], "failed_requests": [], "console": []}
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"}, timeout=30)["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            browser.call(domain + ".enable", session=session)
        headers = {}
        for header in arguments.header:
            name, _, value = header.partition(":")
            headers[name.strip()] = value.strip()
        if headers:
            browser.call("Network.setExtraHTTPHeaders", {"headers": headers}, session=session)
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": arguments.width, "height": arguments.height, "deviceScaleFactor": 1, "mobile": arguments.width < 600},
            session=session,
        )
        browser.call("Page.navigate", {"url": arguments.url}, session=session)
        deadline = time.monotonic() + arguments.timeout
        while time.monotonic() < deadline:
            result = browser.call("Runtime.evaluate", {"expression": arguments.ready, "returnByValue": True}, session=session)
            if "exceptionDetails" not in result and remote_value(result):
                report["ready"] = True
                break
            browser.drain(0.1)
        browser.drain(arguments.settle)
        result = browser.call(
            "Runtime.evaluate",
            {"expression": arguments.eval, "returnByValue": True, "awaitPromise": True},
            session=session,
            timeout=arguments.eval_timeout,
        )
        report["value"] = remote_value(result)
        if arguments.screenshot:
            shot = browser.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session, timeout=30)
            with open(arguments.screenshot, "wb") as file:
                file.write(base64.b64decode(shot["data"]))
        browser.drain(0.1)
    except RuntimeError as error:
        report["error"] = str(error)
    finally:
        browser.close()
    collect(browser.events, report)
    report["elapsed_ms"] = round((time.monotonic() - started) * 1000)
    print(json.dumps(report, indent=1))
    clean = report["ready"] and "error" not in report and not (report["console_errors"] or report["exceptions"] or report["failed_requests"])
    return 0 if clean else 1


def collect(events, report):
    """Sorts the protocol's events into the report's lists."""
    urls = {}
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", []))
            report["console"].append({"type": params.get("type"), "text": text})
            if params.get("type") in ("error", "assert"):
                report["console_errors"].append(text)
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            report["console"].append({"type": entry.get("level"), "text": entry.get("text"), "url": entry.get("url")})
            if entry.get("level") == "error":
                report["console_errors"].append("%s (%s)" % (entry.get("text"), entry.get("url", "")))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            report["exceptions"].append(details.get("exception", {}).get("description") or details.get("text"))
        elif method == "Network.requestWillBeSent":
            urls[params.get("requestId")] = params.get("request", {}).get("url")
        elif method == "Network.responseReceived":
            response = params.get("response", {})
            if response.get("status", 0) >= 400:
                report["failed_requests"].append({"url": response.get("url"), "status": response.get("status")})
        elif method == "Network.loadingFailed":
            report["failed_requests"].append({"url": urls.get(params.get("requestId")), "error": params.get("errorText")})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--ready", default="document.readyState === 'complete'", help="JS expression: the page is ready when truthy")
    parser.add_argument("--eval", default="document.title", help="JS expression evaluated once ready; its value is reported")
    parser.add_argument("--header", action="append", default=[], help="extra request header 'Name: value' (repeatable)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for --ready")
    parser.add_argument("--eval-timeout", type=float, default=10, help="seconds to wait for --eval (a promise is awaited)")
    parser.add_argument("--settle", type=float, default=0.3, help="seconds to keep collecting events once ready")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--screenshot", help="write a PNG of the whole page here once it is ready")
    sys.exit(check(parser.parse_args()))


if __name__ == "__main__":
    main()
