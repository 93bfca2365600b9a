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


def start_gateway(binary, sim_port, gateway_env=None, prefix=None, log_dir=None):
    """Starts the gateway in front of the simulator on `sim_port` (own temporary log and data folders, or
    `log_dir` and `gateway_env`'s DATA_DIR when given), and waits for it; `prefix` goes before the command
    (`["prlimit", "--nofile=256:256"]`). Returns (gateway process, gateway port)."""
    import os
    import subprocess
    import tempfile
    gw_port = free_port()
    env = dict(os.environ, OPENAI_API_KEY="sk-bench-not-a-real-key", OPENAI_BASE_URL=f"http://{HOST}:{sim_port}/v1",
               LOG_LEVEL="info", NODE_ENV="production", OPENAI_MAX_RETRIES="0", DATA_DIR=tempfile.mkdtemp(prefix="bench-data-"))
    env.update(gateway_env or {})
    gw = subprocess.Popen((prefix or []) + [binary, "--port", str(gw_port), "--log-dir", log_dir or tempfile.mkdtemp(prefix="bench-logs-")], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(gw_port, "/health")
    except BaseException:
        stop(gw)
        raise
    return gw, gw_port


def start_pair(binary, event_delay_ms=0, gateway_env=None, simulator_binary=None, log_dir=None):
    """Starts the stand-alone simulator and the gateway in front of it on free loopback ports, and waits for
    both. Returns (simulator process, gateway process, simulator port, gateway port)."""
    import subprocess
    sim_port = free_port()
    sim = subprocess.Popen([simulator_binary or binary, "simulator", "--port", str(sim_port), "--event-delay-ms", str(event_delay_ms)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(sim_port, "/__simulator/stats")
        gw, gw_port = start_gateway(binary, sim_port, gateway_env, log_dir=log_dir)
    except BaseException:
        stop(sim)
        raise
    return sim, gw, sim_port, gw_port


def stop(*processes):
    """SIGTERM, then up to 10 s to exit, then SIGKILL."""
    import signal
    import subprocess
    for p in processes:
        p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
