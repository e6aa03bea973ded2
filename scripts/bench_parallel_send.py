#!/usr/bin/env python3
"""Parallel senders against one team: does the tmux server survive, is every
message submitted, and how long does a send take?

Deploys a team of simulated agents on a private tmux server, then runs
SENDERS processes in parallel, each sending MESSAGES messages with
`warroom agent send` round-robin to the team's agents. Prints the server's
fate, the outcomes, and send latency percentiles; beside them, the floor:
the same number of raw `tmux send-keys` invocations from the same number of
parallel loops. Exits 1 if the server died or a message was not submitted.
Not a unit test; the hardening issue's measurement.

    python3 scripts/bench_parallel_send.py [--senders 20] [--messages 30] [--agents 3] [--warroom PATH]
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--senders", type=int, default=20)
    ap.add_argument("--messages", type=int, default=30)
    ap.add_argument("--agents", type=int, default=3)
    ap.add_argument("--warroom", default=os.path.join(ROOT, "target/release/warroom"))
    args = ap.parse_args()

    base = tempfile.mkdtemp(prefix="warroom-par.")
    home, data, project = (os.path.join(base, d) for d in ("home", "data", "project"))
    for d in (home, data, project):
        os.makedirs(d)
    sock = os.path.join(base, "tmux.sock")
    env = dict(
        PATH=os.environ["PATH"], HOME=home, USER="bench", TZ="UTC",
        WARROOM_HOME=data, WARROOM_TMUX_SOCKET=sock, WARROOM_NO_DAEMON="1",
        GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1",
    )

    def warroom(*a, **kw):
        return subprocess.run([args.warroom, *a], cwd=project, env=env, capture_output=True, text=True, **kw)

    def tmux(*a):
        return subprocess.run(["tmux", "-S", sock, *a], capture_output=True, text=True)

    try:
        out = warroom("--json", "quick-deploy", "backend", str(args.agents), "--project-name", "par",
                      "--agent", "sim", "--no-worktree")
        if out.returncode != 0:
            sys.exit(f"deploy failed: {out.stderr}")
        server_pid = int(tmux("display", "-p", "#{pid}").stdout.strip())
        latencies, outcomes, lock = [], {}, threading.Lock()

        def sender(w):
            for i in range(args.messages):
                t = time.perf_counter()
                r = warroom("--json", "agent", "send", f"par:{(w + i) % args.agents}", f"status? from {w}-{i}")
                dt = time.perf_counter() - t
                try:
                    outcome = json.loads(r.stdout)["outcome"]
                except (ValueError, KeyError):
                    outcome = f"exit {r.returncode}: {r.stderr.strip()[:80]}"
                with lock:
                    latencies.append(dt)
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1

        started = time.perf_counter()
        threads = [threading.Thread(target=sender, args=(w,)) for w in range(args.senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        alive = os.path.exists(f"/proc/{server_pid}") and " Z " not in open(f"/proc/{server_pid}/stat").read()

        # The floor: raw send-keys from the same number of parallel loops.
        floor = []

        def raw(w):
            for i in range(args.messages):
                t = time.perf_counter()
                tmux("send-keys", "-t", f"par:{(w + i) % args.agents}", "-l", "")
                with lock:
                    floor.append(time.perf_counter() - t)

        threads = [threading.Thread(target=raw, args=(w,)) for w in range(args.senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        total = args.senders * args.messages
        print(f"{args.senders} senders x {args.messages} messages = {total} sends to {args.agents} agents, {wall:.1f}s wall")
        print(f"tmux server: {'alive' if alive else 'DIED'}")
        print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
        print(f"warroom agent send: p50 {pct(latencies, 50) * 1000:.0f} ms, p95 {pct(latencies, 95) * 1000:.0f} ms, "
              f"p99 {pct(latencies, 99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
        print(f"floor, raw tmux send-keys: p50 {pct(floor, 50) * 1000:.1f} ms, p99 {pct(floor, 99) * 1000:.1f} ms")
        ok = alive and outcomes.get("submitted", 0) == total
        sys.exit(0 if ok else 1)
    finally:
        tmux("kill-server")
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
