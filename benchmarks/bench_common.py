"""Helpers shared by the benchmark scripts: loopback ports, waiting for a server, process memory."""
import http.client
import socket
import time

HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for(port, path, deadline=30):
    end = time.time() + deadline
    while time.time() < end:
        try:
            c = http.client.HTTPConnection(HOST, port, timeout=1)
            c.request("GET", path)
            c.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not start")


def status_kb(pid, field):
    """A /proc/PID/status field in KiB (VmRSS, VmHWM), 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
