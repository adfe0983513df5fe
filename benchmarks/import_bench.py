"""``playbook import`` against loading the same data from contract CSVs.

    python benchmarks/import_bench.py [--customers 200000] [--data DIR]

Generates a group with ``playbook sample`` (or reuses ``--data``), writes it as the vendor-shaped
exports the tests use (tests/exports.py: Excel, Windows-1252, semicolons with decimal commas,
UTF-16 tabs, a separate time column, day-first dates), then times in fresh processes
``playbook validate`` on the contract folder (read, parse and check every table) and
``playbook import`` of the exports (read, sniff, map, convert, check, write). The target
(issue 23): the import within 2× the load. Writes benchmarks/results/import-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import date
from pathlib import Path

from recorded import machine, write_results

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.group_bench import BIN, run  # noqa: E402
from tests.exports import write_exports  # noqa: E402

TARGET_RATIO = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--data", help="an already generated contract folder to use")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = Path(args.data) if args.data else root / "group"
        if not args.data:
            run([str(BIN / "playbook"), "sample", "--out", str(data), "--customers", str(args.customers)])
        source = write_exports(data, root / "exports")
        load, load_gb = run([str(BIN / "playbook"), "validate", str(data)])
        imported, import_gb = run([str(BIN / "playbook"), "import", str(source), "--out", str(root / "imported")])
        rows = sum(max(0, len(p.read_text().splitlines()) - 1) for p in data.glob("*.csv"))
    result = {
        "date": str(date.today()),
        "machine": machine(),
        "customers": args.customers,
        "rows": rows,
        "load_seconds": round(load, 2),
        "import_seconds": round(imported, 2),
        "ratio": round(imported / load, 2),
        "target_ratio": TARGET_RATIO,
        "load_peak_gb": round(load_gb, 2),
        "import_peak_gb": round(import_gb, 2),
    }
    print(json.dumps(result, indent=2))
    print(f"import ÷ load: {result['ratio']} (target ≤ {TARGET_RATIO})")
    write_results("import", result)


if __name__ == "__main__":
    main()
