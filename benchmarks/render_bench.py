"""Whole-process timings of rendering, against bare papermill on an empty notebook.

    python benchmarks/render_bench.py [--clients 20] [--customers 600]

Times (1) papermill executing a notebook with only a parameters cell — the floor any render
pays for a kernel — (2) `playbook demo`, and (3) `playbook batch` of N generated clients at
--jobs 1, --jobs 2 and on a Dask LocalCluster (--scheduler local; `--runs` picks some). Prints seconds and ratios and writes benchmarks/results/render-<date>.json.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import nbformat

BIN = Path(sys.executable).parent
# The batch runs timed: local processes, and a Dask LocalCluster with one worker per core
RUNS = {"jobs1": ["--jobs", "1"], "jobs2": ["--jobs", "2"], "cluster": ["--scheduler", "local"]}
HERE = Path(__file__).resolve().parent


def timed(cmd: list[str], cache: Path | None = None) -> float:
    """Seconds of a whole command; with ``cache``, validated tables are cached there (a fresh
    folder per run, so no run finds another's cache warm)."""
    env = {**os.environ, "DEALER_PLAYBOOKS_CACHE": str(cache)} if cache else None
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
        "--runs", nargs="+", choices=list(RUNS), default=list(RUNS), help="which batch runs to time (default: all)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        nb = empty_notebook(tmp / "empty.ipynb")
        bare = statistics.median(
            timed([str(BIN / "papermill"), str(nb), str(tmp / "out.ipynb"), "--no-progress-bar"]) for _ in range(3)
        )
        demo = timed([str(BIN / "playbook"), "demo", "--out", str(tmp / "demo")])
        playbooks = len(list((tmp / "demo").glob("*/results.json")))
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
            run: timed(
                [str(BIN / "playbook"), "batch", str(tmp / "clients.toml"), "--out", str(tmp / run), *RUNS[run]],
                cache=tmp / f"cache-{run}",
            )
            for run in args.runs
        }
    renders = args.clients * playbooks
    rows = [("bare papermill, empty notebook", bare, 1), (f"playbook demo ({playbooks} playbooks)", demo, playbooks)]
    rows += [(f"batch {args.clients} clients, {' '.join(RUNS[run])}", batch[run], renders) for run in args.runs]
    print(f"{'run':42} {'seconds':>9} {'per notebook':>13} {'÷ bare':>8}")
    for name, seconds, n in rows:
        print(f"{name:42} {seconds:9.1f} {seconds / n:13.2f} {seconds / n / bare:8.2f}")
    if {"jobs1", "jobs2"} <= set(batch):
        print(f"--jobs 2 speed-up over --jobs 1: {batch['jobs1'] / batch['jobs2']:.2f}x")
    if {"jobs2", "cluster"} <= set(batch):
        print(f"LocalCluster ({os.cpu_count()} workers) ÷ --jobs 2: {batch['cluster'] / batch['jobs2']:.2f}")
    result = {
        "date": str(date.today()),
        "machine": f"{platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "clients": args.clients,
        "customers_per_client": args.customers,
        "seconds": {"bare_papermill": bare, "demo": demo, **{f"batch_{run}": batch[run] for run in batch}},
        "per_notebook_ratio_to_bare": {
            "demo": demo / playbooks / bare,
            **{f"batch_{run}": batch[run] / renders / bare for run in batch},
        },
    }
    out = HERE / "results" / f"render-{date.today()}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
