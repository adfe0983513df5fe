"""Whole-process timings of rendering, against bare papermill on an empty notebook and against
the same commands with every kernel started cold.

    python benchmarks/render_bench.py [--clients 20] [--customers 600] [--runs jobs2 cluster]
                                      [--before DIR]

Times (1) papermill executing a notebook with only a parameters cell — the floor any render
pays for a cold kernel — (2) `playbook demo`, and (3) `playbook batch` of N generated clients at
--jobs 1, --jobs 2 and on a Dask LocalCluster (--scheduler local; `--runs` picks some). Demo and
each batch run twice: with kernels forked from the kernel server (as shipped) and with
DEALER_PLAYBOOKS_FORKED_KERNELS=0, every kernel started cold (the reference: how renders ran
before the server). With ``--before DIR`` (a checkout of an earlier commit, e.g. made with
`git worktree add /tmp/before <commit>`) each also runs on that commit's toolkit: "today's"
renders, measured in the same run. Prints seconds and ratios and writes
benchmarks/results/render-<date>.json. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import nbformat
from recorded import machine, write_results

BIN = Path(sys.executable).parent
# The batch runs timed: local processes, and a Dask LocalCluster with one worker per core
RUNS = {"jobs1": ["--jobs", "1"], "jobs2": ["--jobs", "2"], "cluster": ["--scheduler", "local"]}


KERNELS = {"forked": "1", "cold": "0"}  # DEALER_PLAYBOOKS_FORKED_KERNELS for each way of starting kernels
BEFORE: Path | None = None  # --before: the checkout whose toolkit the "before" runs use


def timed(cmd: list[str], cache: Path | None = None, kernels: str = "forked") -> float:
    """Seconds of a whole command; with ``cache``, validated tables are cached there (a fresh
    folder per run, so no run finds another's cache warm); ``kernels`` "forked", "cold" or
    "before" (the --before checkout's code)."""
    env = {**os.environ, "DEALER_PLAYBOOKS_FORKED_KERNELS": KERNELS.get(kernels, "0")}
    if kernels == "before":
        env["PYTHONPATH"] = str(BEFORE)
    if cache:
        env["DEALER_PLAYBOOKS_CACHE"] = str(cache)
    start = time.perf_counter()
    subprocess.run(cmd, check=False, capture_output=True, env=env)
    return time.perf_counter() - start


def empty_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('data_dir = ""')
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--customers", type=int, default=600)
    parser.add_argument(
        "--runs",
        nargs="+",
        choices=list(RUNS),
        default=["jobs2", "cluster"],
        help="which batch runs to time (default: jobs2 cluster)",
    )
    parser.add_argument("--before", type=Path, help="a checkout of an earlier commit to time as well")
    args = parser.parse_args()
    global BEFORE
    BEFORE = args.before.resolve() if args.before else None
    ways = [*KERNELS, "before"] if BEFORE else list(KERNELS)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        nb = empty_notebook(tmp / "empty.ipynb")
        bare = statistics.median(
            timed([str(BIN / "papermill"), str(nb), str(tmp / "out.ipynb"), "--no-progress-bar"]) for _ in range(3)
        )
        demo = {
            how: timed([str(BIN / "playbook"), "demo", "--out", str(tmp / f"demo-{how}")], kernels=how) for how in ways
        }
        playbooks = len(list((tmp / "demo-forked").glob("*/results.json")))
        lines = []
        for i in range(args.clients):
            folder = tmp / "clients" / f"c{i:02d}"
            subprocess.run(
                [
                    str(BIN / "playbook"),
                    "sample",
                    "--out",
                    str(folder),
                    "--customers",
                    str(args.customers),
                    "--seed",
                    str(100 + i),
                    "--persona",
                    ("relationship", "transactional", "mixed")[i % 3],
                ],
                check=True,
                capture_output=True,
            )
            lines.append(f'[clients.c{i:02d}]\ndata = "clients/c{i:02d}"\n')
        (tmp / "clients.toml").write_text("\n".join(lines))
        batch = {
            (run, how): timed(
                [str(BIN / "playbook"), "batch", str(tmp / "clients.toml"), "--out", str(tmp / f"{run}-{how}")]
                + RUNS[run],
                cache=tmp / f"cache-{run}-{how}",
                kernels=how,
            )
            for run in args.runs
            for how in ways
        }
    renders = args.clients * playbooks
    timings = {f"demo_{how}": (f"playbook demo ({playbooks} playbooks), {how}", demo[how], playbooks) for how in demo}
    timings |= {
        f"batch_{run}_{how}": (f"batch {args.clients} clients, {' '.join(RUNS[run])}, {how}", seconds, renders)
        for (run, how), seconds in batch.items()
    }
    print(f"{'run':50} {'seconds':>9} {'per notebook':>13} {'÷ bare':>8}")
    for name, seconds, n in [("bare papermill, empty notebook", bare, 1), *timings.values()]:
        print(f"{name:50} {seconds:9.1f} {seconds / n:13.2f} {seconds / n / bare:8.2f}")
    speed_ups = {f"demo_{how}": demo[how] / demo["forked"] for how in ways if how != "forked"}
    speed_ups |= {
        f"batch_{run}_{how}": batch[run, how] / batch[run, "forked"]
        for run in args.runs
        for how in ways
        if how != "forked"
    }
    for name, ratio in speed_ups.items():
        print(f"{name}: {ratio:.2f}x the time with forked kernels")
    result = {
        "date": str(date.today()),
        "machine": machine(),
        "clients": args.clients,
        "customers_per_client": args.customers,
        "seconds": {"bare_papermill": bare, **{key: t[1] for key, t in timings.items()}},
        "per_notebook_ratio_to_bare": {key: t[1] / t[2] / bare for key, t in timings.items()},
        "before": str(BEFORE) if BEFORE else None,
        "over_forked": speed_ups,
    }
    write_results("render", result)


if __name__ == "__main__":
    main()
