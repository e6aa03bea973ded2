#!/usr/bin/env python3
"""warroom's speed beside the raw-tmux floor, measured in one run.

For each operation, warroom's command is timed end to end (process start to
exit, which includes verifying the result), and so is the same work done with
plain tmux commands plus the polling needed to see it happened. Everything runs
on a private tmux server in a temp dir with simulated agents.

    python3 scripts/bench.py [--runs N] [--warroom PATH]

Prints a table of medians (and min/max). Not a test: nothing is asserted.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROMPT = "❯"


def now():
    return time.perf_counter()


class Bench:
    def __init__(self, warroom):
        self.warroom = warroom
        self.dir = tempfile.mkdtemp(prefix="warroom-bench-")
        self.socket = os.path.join(self.dir, "tmux.sock")
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("WARROOM_") or k == "TMUX":
                del self.env[k]
        self.env.update(
            HOME=os.path.join(self.dir, "home"),
            WARROOM_HOME=os.path.join(self.dir, "data"),
            WARROOM_TMUX_SOCKET=self.socket,
            # The supervisor has its own benchmark (bench_supervisor.py).
            WARROOM_NO_DAEMON="1",
            LANG="C.UTF-8",
        )
        os.makedirs(self.env["HOME"])
        self.project = os.path.join(self.dir, "project")
        os.makedirs(self.project)

    def wr(self, *args, check=True):
        out = subprocess.run([self.warroom, *args], env=self.env, cwd=self.project,
                             capture_output=True, text=True)
        if check and out.returncode != 0:
            sys.exit(f"warroom {' '.join(args)} failed:\n{out.stdout}{out.stderr}")
        return out

    def tmux(self, *args):
        return subprocess.run(["tmux", "-u", "-S", self.socket, "-f", "/dev/null", *args],
                              env=self.env, capture_output=True, text=True)

    def last_line(self, target):
        out = self.tmux("capture-pane", "-p", "-J", "-t", target).stdout
        lines = [l for l in out.splitlines() if l.strip()]
        return lines[-1].rstrip() if lines else ""

    def screen(self, target):
        return self.tmux("capture-pane", "-p", "-J", "-t", target).stdout

    def wait(self, what, pred, timeout=30):
        start = now()
        while not pred():
            if now() - start > timeout:
                sys.exit(f"timed out: {what}")
            time.sleep(0.001)

    def sim_argv(self, role):
        return [self.warroom, "sim-agent", "--role", role, "--name", role, "--scenario", "default"]

    def cleanup(self):
        self.tmux("kill-server")
        shutil.rmtree(self.dir, ignore_errors=True)


ROLES = ["senior-backend-developer", "devops-engineer", "project-manager"]


def deploy_warroom(b, i):
    t = now()
    b.wr("quick-deploy", "backend", "3", "--project-name", f"w{i}", "--agent", "sim")
    d = now() - t
    b.wr("team", "kill", f"w{i}")
    return d


def deploy_floor(b, i):
    """The same three windows with plain tmux, until every prompt shows."""
    name = f"f{i}"
    t = now()
    b.tmux("new-session", "-d", "-s", name, "-x", "160", "-y", "45", "--", *b.sim_argv(ROLES[0]))
    for w, role in enumerate(ROLES[1:], start=1):
        b.tmux("new-window", "-d", "-t", f"={name}:{w}", "--", *b.sim_argv(role))
    for w in range(3):
        b.wait("prompt", lambda w=w: b.last_line(f"={name}:{w}").startswith(PROMPT))
    d = now() - t
    b.tmux("kill-session", "-t", f"={name}")
    return d


def send_warroom(b, i):
    t = now()
    b.wr("agent", "send", "s:0", f"bench message {i}: check the connection pool")
    return now() - t


def send_floor(b, i):
    text = f"floor message {i}: check the connection pool"
    t = now()
    b.tmux("send-keys", "-t", "=sf:0", "-l", "--", text)
    b.tmux("send-keys", "-t", "=sf:0", "Enter")
    b.wait("echo", lambda: text in b.screen("=sf:0"))
    d = now() - t
    b.wait("idle", lambda: b.last_line("=sf:0") == PROMPT)
    return d


def broadcast_warroom(b, i):
    t = now()
    b.wr("team", "broadcast", "bc", f"UPDATE {i}: canary at 5%, watching error rates")
    d = now() - t
    for w in range(10):
        b.wait("idle", lambda w=w: b.last_line(f"=bc:{w}") == PROMPT)
    return d


def broadcast_floor(b, i):
    text = f"FLOOR {i}: canary at 5%, watching error rates"
    t = now()
    for w in range(10):
        b.tmux("send-keys", "-t", f"=bf:{w}", "-l", "--", text)
        b.tmux("send-keys", "-t", f"=bf:{w}", "Enter")
    for w in range(10):
        b.wait("echo", lambda w=w: text in b.screen(f"=bf:{w}"))
    d = now() - t
    for w in range(10):
        b.wait("idle", lambda w=w: b.last_line(f"=bf:{w}") == PROMPT)
    return d


def measure(label, fn, b, runs):
    times = [fn(b, i) * 1000 for i in range(runs)]
    return label, statistics.median(times), min(times), max(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--warroom", default=None)
    args = ap.parse_args()
    warroom = os.path.abspath(args.warroom) if args.warroom else None
    if warroom is None:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "warroom"], cwd=ROOT, check=True)
        warroom = os.path.join(ROOT, "target", "release", "warroom")
    b = Bench(warroom)
    rows = []
    try:
        rows.append(measure("quick-deploy backend 3 (until briefed)", deploy_warroom, b, args.runs))
        rows.append(measure("  floor: 3 windows, until prompts show", deploy_floor, b, args.runs))

        b.wr("quick-deploy", "backend", "1", "--project-name", "s", "--agent", "sim")
        b.tmux("new-session", "-d", "-s", "sf", "-x", "160", "-y", "45", "--", *b.sim_argv("dev"))
        b.wait("floor prompt", lambda: b.last_line("=sf:0") == PROMPT)
        for _ in range(2):  # warm up
            send_warroom(b, -1)
            b.wait("idle", lambda: b.last_line("=s:0") == PROMPT)
        runs = []
        for i in range(args.runs):
            runs.append(send_warroom(b, i) * 1000)
            b.wait("idle", lambda: b.last_line("=s:0") == PROMPT)
        rows.append(("agent send (until submitted)", statistics.median(runs), min(runs), max(runs)))
        rows.append(measure("  floor: send-keys -l + Enter, until echoed", send_floor, b, args.runs))

        b.wr("quick-deploy", "backend", "8", "--project-name", "bc", "--agent", "sim")
        b.wr("team", "add", "bc", "Extra One", "--role", "data-engineer", "--agent", "sim")
        b.wr("team", "add", "bc", "Extra Two", "--role", "frontend-engineer", "--agent", "sim")
        b.tmux("new-session", "-d", "-s", "bf", "-x", "160", "-y", "45", "--", *b.sim_argv("a0"))
        for w in range(1, 10):
            b.tmux("new-window", "-d", "-t", f"=bf:{w}", "--", *b.sim_argv(f"a{w}"))
        for w in range(10):
            b.wait("floor prompts", lambda w=w: b.last_line(f"=bf:{w}") == PROMPT)
        rows.append(measure("team broadcast to 10 agents (all submitted)", broadcast_warroom, b, args.runs))
        rows.append(measure("  floor: send-keys to 10 panes, until all echoed", broadcast_floor, b, args.runs))
    finally:
        b.cleanup()

    tmux_version = subprocess.run(["tmux", "-V"], capture_output=True, text=True).stdout.strip()
    print(f"warroom benchmark: {args.runs} runs each, {tmux_version}, {os.cpu_count()} cores, simulated agents")
    print(f"{'operation':<52} {'median':>9} {'min':>9} {'max':>9}")
    for label, med, lo, hi in rows:
        print(f"{label:<52} {med:>7.1f}ms {lo:>7.1f}ms {hi:>7.1f}ms")


if __name__ == "__main__":
    main()
