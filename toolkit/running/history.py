"""History across renders: each report keeps the results of its earlier renders, and says how each
headline KPI moved since the previous one.

A report folder holds ``history/<as_of>.json``, a copy of results.json for every render of the
same dealer into that folder (one per as_of; rendering the same date again replaces its copy).
A render compares itself with the latest archived render dated before it — the month before,
for a consultant's monthly batch — and records the change of each headline KPI in results.json
``since``: the previous as_of, and per KPI the value then and now, the difference with its 95%
interval and whether it is beyond noise (:func:`toolkit.analyses.trends.change`). A render of a
different dealer into the same folder starts a new history.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from toolkit import files

HISTORY = "history"  # the folder of earlier results beside a report
DATED = re.compile(r"\d{4}-\d{2}-\d{2}")


def archived(folder: Path) -> dict[str, dict]:
    """The results archived in a report ``folder``'s history, by as_of (oldest first); a file that
    is not a dated results.json of ours is passed over."""
    out = {}
    for path in sorted((folder / HISTORY).glob("*.json")):
        if not DATED.fullmatch(path.stem):
            continue
        try:
            recorded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(recorded, dict) and recorded.get("as_of", "")[:10] == path.stem:
            out[path.stem] = recorded
    return out


def carry_history(previous: Path, build: Path, results: dict) -> dict:
    """Into the new report ``build``: the history of the report it replaces (``previous``, when it
    is of the same dealer), with this render added; returns ``results`` with ``since`` — the
    change since the latest earlier render — when there is one."""
    from toolkit.analyses.trends import change

    earlier = archived(previous)
    replaced = _results_of(previous)
    if replaced and DATED.fullmatch(str(replaced.get("as_of") or "")[:10]):
        earlier.setdefault(replaced["as_of"][:10], replaced)
    earlier = {day: r for day, r in earlier.items() if r.get("dealer") == results.get("dealer")}
    as_of = str(results.get("as_of") or "")[:10]
    before = [day for day in earlier if day < as_of]
    out = dict(results)
    if before:
        counts, then = results.get("headline_counts", {}), earlier[max(before)].get("headline_counts", {})
        changes = {kpi: change(counts[kpi], then[kpi]) for kpi in counts if kpi in then}
        out["since"] = {"as_of": max(before), "changes": {k: v for k, v in changes.items() if v}}
    keep = {day: r for day, r in earlier.items() if day != as_of}
    if DATED.fullmatch(as_of):
        keep[as_of] = out
    for day, recorded in keep.items():
        files.write_text(build / HISTORY / f"{day}.json", json.dumps(recorded, indent=2) + "\n")
    return out


def _results_of(folder: Path) -> dict | None:
    try:
        recorded = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return recorded if isinstance(recorded, dict) else None


def change_text(name: str, since: dict | None) -> str:
    """The headline KPIs' change since the previous render, for an index page: "since 2025-05-31:
    give ask ratio +0.12 (within noise)"; blank without an earlier render."""
    from toolkit import playbooks
    from toolkit.presentation.stories.trends import difference_text

    if not since or name not in playbooks.REGISTRY:
        return ""
    parts = []
    for h in playbooks.REGISTRY[name].headline:
        c = since["changes"].get(h.kpi)
        if not c or c.get("difference") is None:
            continue
        parts.append(f"{h.kpi.replace('_', ' ')} {difference_text(c['difference'], h.format)} ({verdict_words(c, h)})")
    return f"since {since['as_of']}: " + "; ".join(parts) if parts else ""


def verdict_words(c: dict, h) -> str:
    """A change's verdict for a headline ``h``: "improved" or "slipped" beyond noise (which way is
    better is the headline's ``better``), "within noise" or "too few to tell"."""
    if c["verdict"] in ("up", "down"):
        return "improved" if (c["verdict"] == "up") == (h.better == "higher") else "slipped"
    return "too few to tell" if c["verdict"] == "too few" else "within noise"


def movement(name: str, since: dict | None) -> dict[str, str]:
    """Per headline KPI of playbook ``name`` with an earlier render: improved, slipped, within noise
    or too few to tell (what the portfolio counts)."""
    from toolkit import playbooks

    if not since or name not in playbooks.REGISTRY:
        return {}
    return {
        h.kpi: verdict_words(since["changes"][h.kpi], h)
        for h in playbooks.REGISTRY[name].headline
        if h.kpi in since["changes"]
    }
