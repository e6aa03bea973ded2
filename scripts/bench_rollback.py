#!/usr/bin/env python3
"""How fast a bad canary is rolled back, beside the bound it should meet.

Starts a small production on 127.0.0.1 (warroom's own demo service: a
stable version, a canary and a router), a team, and a runbook whose one
check is the canary's health every 2 s with failure_limit 0. For each
trial it starts `warroom deploy bench --canary` (the daemon drives it),
waits until the canary bakes at 50 %, turns the canary bad at a noted
moment, and polls the router every 5 ms until its canary weight is 0
again. It prints the time from the canary's first bad response to traffic
back on the stable version, beside the bound

    interval x (failure_limit + 1) + the rollback command's own time

and the goal: within that bound plus one second. Not a test: nothing is
asserted.

    python3 scripts/bench_rollback.py [--warroom PATH] [--runs 5]
"""

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INTERVAL_S = 2.0
FAILURE_LIMIT = 0


def get(addr, path):
    with urllib.request.urlopen(f"http://{addr}{path}", timeout=2) as r:
        return r.read().decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--warroom", default=os.path.join(ROOT, "target/release/warroom"))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    base = tempfile.mkdtemp(prefix="warroom-rollback.")
    project = os.path.join(base, "project")
    sock = os.path.join(base, "tmux.sock")
    os.makedirs(project)
    os.makedirs(os.path.join(base, "home"))
    env = dict(PATH=os.environ["PATH"], HOME=os.path.join(base, "home"), USER="bench", TZ="UTC",
               WARROOM_HOME=os.path.join(base, "data"), WARROOM_TMUX_SOCKET=sock,
               GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid")
    services = []

    def start(*a):
        p = subprocess.Popen([args.warroom, "demo-service", *a], stdout=subprocess.PIPE, text=True)
        services.append(p)
        return p.stdout.readline().split()[1]

    def warroom(*a, check=True):
        out = subprocess.run([args.warroom, *a], cwd=project, env=env, capture_output=True, text=True)
        if check and out.returncode != 0:
            raise SystemExit(f"warroom {' '.join(a)} failed: {out.stdout}{out.stderr}")
        return out

    try:
        results = []
        for trial in range(args.runs):
            for p in services:
                p.kill()
            services.clear()
            stable = start("serve", "--version", "v1")
            canary = start("serve", "--version", "v2")
            router = start("route", "--stable", stable, "--canary", canary)
            runbook = f"""[deploy]
stable_version = "v1"
version = "v2"
gates = []
set_weight = {{ run = ["{args.warroom}", "demo-service", "set-weight", "--router", "{router}", "{{weight}}"], timeout = "5s" }}
rollback = {{ run = ["{args.warroom}", "demo-service", "set-weight", "--router", "{router}", "0"], timeout = "5s" }}
[[deploy.steps]]
weight = 50
bake = "10m"
checks = ["canary-health"]
[[deploy.steps]]
weight = 100
[[deploy.checks]]
name = "canary-health"
kind = "http"
url = "http://{canary}/health"
interval = "{int(INTERVAL_S)}s"
failure_limit = {FAILURE_LIMIT}
"""
            open(os.path.join(project, "warroom.toml"), "w").write(runbook)
            if trial == 0:
                subprocess.run(["git", "-C", project, "init", "-q", "-b", "main"], env=env, check=True)
                open(os.path.join(project, "app.txt"), "w").write("v2\n")
                subprocess.run(["git", "-C", project, "add", "."], env=env, check=True)
                subprocess.run(["git", "-C", project, "commit", "-qm", "v2"], env=env, check=True)
                warroom("quick-deploy", "backend", "1", "--project-name", "bench", "--agent", "sim",
                        "--no-worktree")
                first = warroom("--json", "deploy", "bench", "--canary", "--branch", "main")
            else:
                first = warroom("--json", "deploy", "retry", "bench")
            rollout = json.loads(first.stdout)["id"]
            while True:
                s = json.loads(warroom("--json", "deploy", "status", "bench").stdout)
                if s["stage"] == "baking":
                    break
                time.sleep(0.05)
            # Let one good measurement pass, so the bad moment falls anywhere
            # in a check interval, as in production.
            time.sleep(0.5 + (trial % args.runs) * INTERVAL_S / args.runs)
            get(canary, "/__fail")
            bad_at = time.perf_counter()
            while get(router, "/__weight").strip() != "0":
                time.sleep(0.005)
            back_at = time.perf_counter()
            while True:
                s = json.loads(warroom("--json", "deploy", "status", "bench").stdout)
                if s["stage"] in ("rolled-back", "rollback-failed"):
                    break
                time.sleep(0.05)
            results.append((back_at - bad_at, rollout))
        # The rollback command's own time, as the rollout recorded it.
        report = warroom("pm", "report", "bench").stdout.strip()
        text = open(report).read()
        rollback_ms = [int(line.split("rollback set in ")[1].split(" ms")[0])
                       for line in text.splitlines() if "rollback set in " in line]
        command_s = max(rollback_ms) / 1000 if rollback_ms else 0.0
        bound = INTERVAL_S * (FAILURE_LIMIT + 1) + command_s
        times = sorted(t for t, _ in results)
        print(f"bad canary to traffic back on stable, {args.runs} trials, check every {INTERVAL_S:.0f} s, "
              f"failure_limit {FAILURE_LIMIT}:")
        print(f"  median {times[len(times) // 2]:.2f} s, worst {times[-1]:.2f} s")
        print(f"  bound: {INTERVAL_S:.0f} s x ({FAILURE_LIMIT} + 1) + rollback command {command_s:.3f} s "
              f"= {bound:.2f} s; goal: within {bound + 1:.2f} s: "
              f"{'met' if times[-1] <= bound + 1 else 'NOT met'}")
    finally:
        for p in services:
            p.kill()
        subprocess.run([args.warroom, "daemon", "stop"], env=env, capture_output=True)
        subprocess.run(["tmux", "-S", sock, "kill-server"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
