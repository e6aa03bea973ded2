#!/usr/bin/env python3
"""The fast tier beside the full suite, on a real project's tests.

Downloads the source distribution of more-itertools (663 tests) from PyPI,
makes it a git repository, plants a one-line bug on a hotfix branch
(`take` returns one item too many), and runs, in the same run:

  1. warroom pm quality-check --fast  (what the change touched + smoke)
  2. warroom pm quality-check         (the full suite)

and prints each one's wall time (the whole command: clean checkout, runner,
results), how many tests it ran, and whether it caught the bug. Not a test:
nothing is asserted; the goal is the fast tier catching the bug in under
20 % of the full suite's time.

    python3 scripts/bench_checks.py [--warroom PATH] [--runs 3]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "more-itertools==10.5.0"
BUG = ("return list(islice(iterable, n))", "return list(islice(iterable, n + 1))")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--warroom", default=os.path.join(ROOT, "target/release/warroom"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    base = tempfile.mkdtemp(prefix="warroom-checks.")
    project = os.path.join(base, "project")
    sock = os.path.join(base, "tmux.sock")
    genv = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1",
                GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
                GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid")
    env = dict(PATH=os.environ["PATH"], HOME=os.path.join(base, "home"), USER="bench", TZ="UTC",
               WARROOM_HOME=os.path.join(base, "data"), WARROOM_TMUX_SOCKET=sock,
               WARROOM_NO_DAEMON="1", GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    os.makedirs(env["HOME"])

    def git(*a):
        subprocess.run(["git", "-C", project, *a], env=genv, check=True, capture_output=True)

    try:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
                        "-q", "-d", base, PACKAGE], check=True)
        sdist = next(f for f in os.listdir(base) if f.endswith(".tar.gz"))
        with tarfile.open(os.path.join(base, sdist)) as tar:
            tar.extractall(base, filter="data")
        shutil.move(os.path.join(base, sdist[: -len(".tar.gz")]), project)
        git("init", "-q", "-b", "main")
        git("add", ".")
        git("commit", "-qm", "more-itertools")
        git("checkout", "-qb", "hotfix/bench")
        recipes = os.path.join(project, "more_itertools", "recipes.py")
        text = open(recipes).read()
        assert BUG[0] in text, "the line to plant the bug in is gone"
        open(recipes, "w").write(text.replace(BUG[0], BUG[1], 1))
        git("commit", "-qam", "take one more")
        git("checkout", "-q", "main")

        def warroom(*a):
            return subprocess.run([args.warroom, *a], cwd=project, env=env, capture_output=True, text=True)

        out = warroom("quick-deploy", "backend", "1", "--project-name", "bench", "--agent", "sim", "--no-worktree")
        if out.returncode != 0:
            sys.exit(f"deploy failed: {out.stderr}")

        def check(*tier):
            times, result = [], None
            for _ in range(args.runs):
                t = time.perf_counter()
                out = warroom("--json", "pm", "quality-check", "bench", "--branch", "hotfix/bench", *tier)
                times.append(time.perf_counter() - t)
                result = json.loads(out.stdout)
            times.sort()
            run = result["runs"][0]
            ran = run["passed"] + len(run["failed"])
            caught = [f["name"] for f in run["failed"]]
            return times[len(times) // 2], ran, caught, run["selected"]

        fast_t, fast_n, fast_caught, selected = check("--fast")
        full_t, full_n, full_caught, _ = check()
        print(f"{PACKAGE}, one-line bug in more_itertools/recipes.py (take), median of {args.runs} runs:")
        print(f"  fast tier: {fast_t:.2f} s, {fast_n} tests ({100 * fast_n / full_n:.0f} % of the suite), "
              f"caught: {'yes' if fast_caught else 'NO'} ({len(fast_caught)} failing)")
        for s in selected:
            print(f"    selected {s['id']}: {s['reason']}")
        print(f"  full suite: {full_t:.2f} s, {full_n} tests, caught: {'yes' if full_caught else 'NO'} "
              f"({len(full_caught)} failing)")
        print(f"  fast / full wall time: {100 * fast_t / full_t:.0f} %")
    finally:
        subprocess.run(["tmux", "-S", sock, "kill-server"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
