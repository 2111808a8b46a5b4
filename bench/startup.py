"""Start-up cost of the command line: wall and CPU time of `kb list` and of a first `kb ask`.

Each command runs as a fresh process (what a script calling kb pays every time) on a store holding
the seed article; CPU is user + system time of the child, from getrusage. With --before DIR (a
checkout of another version, e.g. `git worktree add /tmp/kb-before <ref>`) the same commands run
against that code in the same run, on its own store, and the table gives after/before ratios.

    python bench/startup.py [--before DIR] [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus"
QUESTION = "RMP每月购买多少国库券?"
COMMANDS = {"kb list": ["list"], "kb ask": ["ask", QUESTION, "--no-llm"]}


def run(code: Path, home: Path, args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `python -m kb ARGS` run against the code in `code`."""
    env = {**os.environ, "KB_HOME": str(home), "PYTHONPATH": str(code)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kb", *args], cwd=code, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(code: Path, repeat: int) -> dict[str, tuple[float, float]]:
    home = Path(tempfile.mkdtemp(prefix="kb-startup-"))
    run(code, home, ["ingest", str(SEED)])
    run(code, home, COMMANDS["kb ask"])  # warm the OS file cache and jieba's own dictionary cache
    out = {}
    for label, args in COMMANDS.items():
        runs = [run(code, home, args) for _ in range(repeat)]
        out[label] = (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", help="a checkout of the version to compare with")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    after = measure(ROOT, args.repeat)
    before = measure(Path(args.before).resolve(), args.repeat) if args.before else None
    print(f"median of {args.repeat} runs, each a fresh process on a store holding the seed article")
    header = "| command | wall s | CPU s |" + (" before wall s | before CPU s | wall ratio | CPU ratio |" if before else "")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for label, (wall, cpu) in after.items():
        row = f"| {label} | {wall:.2f} | {cpu:.2f} |"
        if before:
            b_wall, b_cpu = before[label]
            row += f" {b_wall:.2f} | {b_cpu:.2f} | {wall / b_wall:.2f} | {cpu / b_cpu:.2f} |"
        print(row)


if __name__ == "__main__":
    main()
