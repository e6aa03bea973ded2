#!/usr/bin/env python3
"""The supervisor's cost with 20 idle agents, beside a capture-pane polling loop.

Deploys 20 simulated agents on a private tmux server, lets them go idle, then
measures for the same length of time, in one run:

  1. the warroom daemon watching them (its own CPU, and the tmux server's);
  2. with the daemon stopped, a shell loop that captures every pane with
     `tmux capture-pane` at the daemon's tick (the way a polling monitor works),
     counting the loop, its tmux client processes and the tmux server.

CPU is read from /proc (utime + stime, children included for the loop), as a
share of one core over the window. Not a test: nothing is asserted.

    python3 scripts/bench_supervisor.py [--seconds 30] [--agents 20] [--warroom PATH]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid, children=False):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3); utime, stime are fields 14 and 15,
    # cutime, cstime 16 and 17 (of waited-for children).
    total = int(fields[11]) + int(fields[12])
    if children:
        total += int(fields[13]) + int(fields[14])
    return total


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Bench:
    def __init__(self, warroom):
        self.warroom = warroom
        self.dir = tempfile.mkdtemp(prefix="warroom-bench-sup-")
        self.socket = os.path.join(self.dir, "tmux.sock")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_") and k != "TMUX"}
        self.env.update(
            HOME=os.path.join(self.dir, "home"),
            WARROOM_HOME=os.path.join(self.dir, "data"),
            WARROOM_TMUX_SOCKET=self.socket,
            LANG="C.UTF-8",
        )
        os.makedirs(self.env["HOME"])
        self.project = os.path.join(self.dir, "project")
        os.makedirs(self.project)

    def wr(self, *args):
        out = subprocess.run([self.warroom, *args], env=self.env, cwd=self.project,
                             capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"warroom {' '.join(args)} failed:\n{out.stdout}{out.stderr}")
        return out.stdout

    def tmux(self, *args):
        return subprocess.run(["tmux", "-S", self.socket, *args], env=self.env,
                              capture_output=True, text=True).stdout

    def cleanup(self):
        subprocess.run([self.warroom, "daemon", "stop"], env=self.env, cwd=self.project,
                       capture_output=True)
        self.tmux("kill-server")


def window(label, seconds, pids, children_of=None):
    """CPU shares of `pids` (and of `children_of`'s waited-for children)."""
    before = {p: cpu_ticks(p, p == children_of) for p in pids}
    start = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - start
    after = {p: cpu_ticks(p, p == children_of) for p in pids}
    return {p: (after[p] - before[p]) / TICKS / elapsed * 100 for p in pids}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--agents", type=int, default=20)
    ap.add_argument("--warroom")
    args = ap.parse_args()
    warroom = args.warroom
    if not warroom:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "warroom"], cwd=ROOT, check=True)
        warroom = os.path.join(ROOT, "target", "release", "warroom")
    b = Bench(warroom)
    try:
        first = min(args.agents, 8)
        b.wr("quick-deploy", "backend", str(first), "--project-name", "idle",
             "--agent", "sim", "--no-daemon")
        for i in range(first, args.agents):
            b.wr("team", "add", "idle", f"Extra {i}", "--role", "qa-engineer", "--agent", "sim")
        deadline = time.monotonic() + 30
        while True:
            agents = json.loads(b.wr("--json", "agent", "list", "idle"))
            if len(agents) == args.agents and all(a["state"] == "idle" for a in agents):
                break
            if time.monotonic() > deadline:
                sys.exit(f"the agents did not all go idle: {[a['state'] for a in agents]}")
            time.sleep(0.2)
        panes = [a["pane"] for a in agents]
        server = int(b.tmux("display-message", "-p", "#{pid}").strip())

        status = json.loads(b.wr("--json", "daemon", "start"))
        daemon = status["daemon"]["pid"]
        time.sleep(3)  # its first look at every pane is not the steady state
        shares = window("daemon", args.seconds, [daemon, server])
        daemon_rss = rss_kib(daemon)
        tick = "500ms"
        b.wr("daemon", "stop")

        loop = subprocess.Popen(
            ["bash", "-c",
             'while :; do for p in "$@"; do tmux -S "$SOCK" capture-pane -p -J -t "$p" >/dev/null; done; sleep 0.5; done',
             "poll", *panes],
            env={**b.env, "SOCK": b.socket})
        time.sleep(3)
        loop_shares = window("loop", args.seconds, [loop.pid, server], children_of=loop.pid)
        loop.terminate()
        loop.wait()

        print(f"{args.agents} idle simulated agents, {args.seconds:.0f} s each, tick {tick}, "
              f"CPU as % of one core ({os.cpu_count()} cores):")
        print(f"  {'':38} {'itself':>8} {'tmux server':>12} {'total':>8}")
        d, ds = shares[daemon], shares[server]
        print(f"  {'warroom daemon (control mode)':38} {d:7.2f}% {ds:11.2f}% {d + ds:7.2f}%")
        l, ls = loop_shares[loop.pid], loop_shares[server]
        print(f"  {'capture-pane polling loop (floor)':38} {l:7.2f}% {ls:11.2f}% {l + ls:7.2f}%")
        print(f"  daemon resident memory: {daemon_rss / 1024:.1f} MiB")
    finally:
        b.cleanup()


if __name__ == "__main__":
    main()
