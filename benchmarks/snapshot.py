"""What the reports say, as one JSON file, so a refactoring can show that nothing changed.

    python benchmarks/snapshot.py --out SNAPSHOT.json DATA_DIR [DATA_DIR ...]
    python benchmarks/snapshot.py --compare BEFORE.json AFTER.json

Renders every playbook on each data folder with the ``playbook`` command and keeps, per report,
results.json (without the absolute data path) and every output the executed notebook displayed:
the text of tables and sentences, and the data and encoding of every chart (Altair's random
element ids removed). ``--compare`` prints each difference and exits 1 when there is one. Not a
test: the renders take a minute or more on a dealer group.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CHART_MIME = "application/vnd.dealer-playbook.vegalite+json"
RESULTS_MIME = "application/vnd.dealer-playbook.results+json"


def outputs(executed: Path, folder: str) -> list:
    """Every output the notebook displayed, in order, as comparable values (the data folder's
    path written as DATA, so checkouts in different places compare equal)."""
    nb = json.loads(executed.read_text().replace(str(Path(folder).resolve()), "DATA"))
    shown = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if RESULTS_MIME in data:
                continue
            if CHART_MIME in data:
                spec = data[CHART_MIME]
                spec.pop("$schema", None)
                shown.append(json.loads(re.sub(r'"(data|param|view)-[0-9a-f]{32}"', '"\\1"', json.dumps(spec))))
            elif "text/markdown" in data or "text/html" in data:
                shown.append("".join(data.get("text/markdown") or data["text/html"]))
            elif output.get("output_type") == "stream":
                shown.append("".join(output["text"]))
    return shown


def snapshot(folders: list[str], command: list[str]) -> dict:
    taken = {}
    for folder in folders:
        with tempfile.TemporaryDirectory() as out:
            subprocess.run(
                [*command, "render", "all", "--data", folder, "--out", out], check=True, stdout=subprocess.DEVNULL
            )
            for report in sorted(Path(out).glob("*/results.json")):
                results = json.loads(report.read_text())
                results["parameters"].pop("data_dir", None)
                taken[f"{Path(folder).name}/{report.parent.name}"] = {
                    "results": results,
                    "outputs": outputs(report.parent / "executed.ipynb", folder),
                }
    return taken


def differences(before, after, where: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after), key=str):
            if key not in after or key not in before:
                found.append(f"{where}/{key}: only {'before' if key in before else 'after'}")
            else:
                found += differences(before[key], after[key], f"{where}/{key}")
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [d for i, (b, a) in enumerate(zip(before, after)) for d in differences(b, a, f"{where}[{i}]")]
    return [] if before == after else [f"{where}:\n    before {str(before)[:400]!r}\n    after  {str(after)[:400]!r}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", help="data folders to render")
    parser.add_argument("--out", help="where to write the snapshot")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"), help="two snapshots to compare")
    parser.add_argument(
        "--command",
        default=str(Path(sys.executable).with_name("playbook")),
        help="the playbook command (default: the one beside this Python)",
    )
    args = parser.parse_args()
    if args.compare:
        before, after = (json.loads(Path(p).read_text()) for p in args.compare)
        found = differences(before, after)
        print("\n".join(found) or f"identical: {len(before)} reports, every KPI, table, sentence and chart")
        return 1 if found else 0
    if not args.out or not args.folders:
        parser.error("give --out and at least one data folder, or --compare BEFORE AFTER")
    Path(args.out).write_text(json.dumps(snapshot(args.folders, args.command.split()), indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
