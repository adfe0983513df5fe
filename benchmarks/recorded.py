"""Where a benchmark's results go: benchmarks/results/<kind>-<date>.json, with the machine named."""

from __future__ import annotations

import json
import os
import platform
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    """The machine a run was measured on: its architecture, cores and Python."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_results(kind: str, result: dict) -> Path:
    """Write ``result`` as benchmarks/results/<kind>-<today>.json and say where."""
    out = RESULTS / f"{kind}-{date.today()}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"wrote {out}")
    return out
