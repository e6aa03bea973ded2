#!/usr/bin/env python3
"""The live views' speed and cost, on an idle team of 20 simulated agents.

In one run, against the daemon's HTTP API on 127.0.0.1:

  1. Latency: `warroom incident update` (the command returns) to the
     event's arrival at an SSE client, and to the update on the dashboard's
     next frame (the real binary in a tmux pane, read with capture-pane every
     5 ms). 30 samples; goal under 200 ms at the 50th percentile.
  2. Cost: the daemon's CPU over 30 s with the dashboard and 10 SSE clients
     open on the idle team (goal under 2 % of a core).
  3. Throughput: `wrk` with 50 connections for 10 s on /api/v1/teams, beside
     /ping served by the same server (no token, no store: the floor).

Not a test: nothing is asserted.

    python3 scripts/bench_live.py [--warroom PATH] [--samples 30]
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def sse_client(host, port, token, on_event, stop):
    """A raw SSE client: calls on_event(data line, arrival time)."""
    s = socket.create_connection((host, port))
    s.sendall(f"GET /api/v1/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
              f"Accept: text/event-stream\r\n\r\n".encode())
    s.settimeout(0.5)
    buf = b""
    while not stop.is_set():
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        now = time.perf_counter()
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if line.startswith(b"data:"):
                on_event(line.decode(errors="replace"), now)
    s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--warroom")
    ap.add_argument("--samples", type=int, default=30)
    args = ap.parse_args()
    warroom = args.warroom
    if not warroom:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "warroom"], cwd=ROOT, check=True)
        warroom = os.path.join(ROOT, "target", "release", "warroom")
    base = tempfile.mkdtemp(prefix="warroom-bench-live-")
    sock = os.path.join(base, "tmux.sock")
    project = os.path.join(base, "project")
    os.makedirs(project)
    os.makedirs(os.path.join(base, "home"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_") and k != "TMUX"}
    env.update(HOME=os.path.join(base, "home"), WARROOM_HOME=os.path.join(base, "data"),
               WARROOM_TMUX_SOCKET=sock, LANG="C.UTF-8")

    def wr(*a):
        out = subprocess.run([warroom, *a], env=env, cwd=project, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"warroom {' '.join(a)} failed:\n{out.stdout}{out.stderr}")
        return out.stdout

    def tmux(*a):
        return subprocess.run(["tmux", "-S", sock, *a], env=env, capture_output=True, text=True).stdout

    stop = threading.Event()
    try:
        wr("quick-deploy", "backend", "8", "--project-name", "idle", "--agent", "sim")
        for i in range(8, 20):
            wr("team", "add", "idle", f"Extra {i}", "--role", "qa-engineer", "--agent", "sim")
        deadline = time.monotonic() + 60
        while True:
            agents = json.loads(wr("--json", "agent", "list", "idle"))
            if all(a["state"] == "idle" for a in agents):
                break
            if time.monotonic() > deadline:
                sys.exit("the agents did not go idle")
            time.sleep(0.3)
        token = json.loads(wr("--json", "token", "create", "--scope", "read", "--name", "bench"))["secret"]
        status = json.loads(wr("--json", "daemon", "status"))
        while not status["daemon"].get("http"):
            time.sleep(0.2)
            status = json.loads(wr("--json", "daemon", "status"))
        address = status["daemon"]["http"]
        host, port = address.removeprefix("http://").split(":")
        port = int(port)
        daemon = status["daemon"]["pid"]

        # The dashboard, in a pane of its own session, 200 columns wide.
        tmux("new-session", "-d", "-s", "dash", "-x", "200", "-y", "50",
             "-e", f"WARROOM_HOME={env['WARROOM_HOME']}", "-e", f"WARROOM_TMUX_SOCKET={sock}",
             f"{warroom} monitor dashboard --session idle --refresh 5")
        time.sleep(2)

        # Ten SSE clients; the first one's arrivals are the samples.
        arrivals = []

        def first(line, at):
            if '"kind":"update-posted"' in line:
                arrivals.append(at)

        threads = []
        for i in range(10):
            cb = first if i == 0 else (lambda line, at: None)
            t = threading.Thread(target=sse_client, args=(host, port, token, cb, stop), daemon=True)
            t.start()
            threads.append(t)
        time.sleep(1)

        sse_ms, frame_ms = [], []
        for n in range(args.samples):
            label = f"BENCH-{n}"
            wr("incident", "update", "INC-1", label)
            done = time.perf_counter()
            on_frame = None
            limit = done + 3
            while time.perf_counter() < limit:
                if on_frame is None and label in tmux("capture-pane", "-p", "-t", "=dash:0"):
                    on_frame = time.perf_counter()
                if on_frame is not None and len(arrivals) > n:
                    break
                time.sleep(0.005)
            if len(arrivals) > n:
                sse_ms.append(max(0.0, (arrivals[n] - done) * 1000))
            if on_frame is not None:
                frame_ms.append((on_frame - done) * 1000)
            time.sleep(0.2)

        def pct(values, p):
            values = sorted(values)
            return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")

        # Cost, idle, with the dashboard and the ten streams open.
        time.sleep(2)
        before = cpu_ticks(daemon)
        t0 = time.monotonic()
        time.sleep(30)
        cpu = (cpu_ticks(daemon) - before) / TICKS / (time.monotonic() - t0) * 100

        def wrk(path, auth):
            cmd = ["wrk", "-t2", "-c50", "-d10s", "--latency"]
            if auth:
                cmd += ["-H", f"Authorization: Bearer {token}"]
            out = subprocess.run(cmd + [f"{address}{path}"], capture_output=True, text=True).stdout
            rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
            p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
            scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
            return rps, float(p99.group(1)) * scale

        stop.set()
        have_wrk = shutil.which("wrk") is not None
        if have_wrk:
            teams_rps, teams_p99 = wrk("/api/v1/teams", True)
            ping_rps, ping_p99 = wrk("/ping", False)

        print(f"20 idle simulated agents, {os.cpu_count()} cores, release build:")
        print(f"  incident update -> SSE client:        p50 {pct(sse_ms, .5):6.1f} ms  p90 {pct(sse_ms, .9):6.1f} ms  "
              f"({len(sse_ms)}/{args.samples} samples)")
        print(f"  incident update -> dashboard frame:   p50 {pct(frame_ms, .5):6.1f} ms  p90 {pct(frame_ms, .9):6.1f} ms  "
              f"({len(frame_ms)}/{args.samples} samples)")
        print(f"  daemon CPU, dashboard + 10 SSE clients open, idle team: {cpu:.2f} % of one core")
        if have_wrk:
            print(f"  GET /api/v1/teams, 50 connections: {teams_rps:8.0f} req/s, p99 {teams_p99:.2f} ms")
            print(f"  GET /ping (floor), 50 connections: {ping_rps:8.0f} req/s, p99 {ping_p99:.2f} ms")
        else:
            print("  wrk is not installed (apt-get install wrk): no throughput figures")
    finally:
        stop.set()
        subprocess.run([warroom, "daemon", "stop"], env=env, cwd=project, capture_output=True)
        tmux("kill-server")
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
