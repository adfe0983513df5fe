"""Whole-process timings of rendering, against bare papermill on an empty notebook.

    python benchmarks/render_bench.py [--clients 20] [--customers 600]

Times (1) papermill executing a notebook with only a parameters cell — the floor any render
pays for a kernel — (2) `playbook demo`, and (3) `playbook batch` of N generated clients at
--jobs 1 and --jobs 2. Prints seconds and ratios and writes benchmarks/results/render-<date>.json.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
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
HERE = Path(__file__).resolve().parent


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=False, capture_output=True)
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
            jobs: timed(
                [
                    str(BIN / "playbook"),
                    "batch",
                    str(tmp / "clients.toml"),
                    "--out",
                    str(tmp / f"b{jobs}"),
                    "--jobs",
                    str(jobs),
                ]
            )
            for jobs in (1, 2)
        }
    renders = args.clients * playbooks
    rows = [
        ("bare papermill, empty notebook", bare, 1),
        (f"playbook demo ({playbooks} playbooks)", demo, playbooks),
        (f"batch {args.clients} clients, --jobs 1", batch[1], renders),
        (f"batch {args.clients} clients, --jobs 2", batch[2], renders),
    ]
    print(f"{'run':42} {'seconds':>9} {'per notebook':>13} {'÷ bare':>8}")
    for name, seconds, n in rows:
        print(f"{name:42} {seconds:9.1f} {seconds / n:13.2f} {seconds / n / bare:8.2f}")
    print(f"--jobs 2 speed-up over --jobs 1: {batch[1] / batch[2]:.2f}x")
    result = {
        "date": str(date.today()),
        "machine": f"{platform.processor() or platform.machine()}, "
        f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}",
        "clients": args.clients,
        "customers_per_client": args.customers,
        "seconds": {"bare_papermill": bare, "demo": demo, "batch_jobs1": batch[1], "batch_jobs2": batch[2]},
        "per_notebook_ratio_to_bare": {
            "demo": demo / playbooks / bare,
            "batch_jobs1": batch[1] / renders / bare,
            "batch_jobs2": batch[2] / renders / bare,
        },
    }
    out = HERE / "results" / f"render-{date.today()}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
