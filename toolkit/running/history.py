"""History across renders: each report keeps the results of its earlier renders, and says how each
headline KPI moved since the previous one.

A report folder holds ``history/<as_of>.json``, a copy of results.json for every render of the
same dealer into that folder (one per as_of; rendering the same date again replaces its copy).
A render compares itself with the latest archived render dated before it — the month before,
for a consultant's monthly batch — and records the change of each headline KPI in results.json
``since``: the previous as_of, and per KPI the value then and now, the difference with its 95%
interval and whether it is beyond noise (:func:`toolkit.analyses.trends.change`). A render of a
different dealer into the same folder starts a new history. Only files of our own making are
read back (:func:`archived`): a file of another shape, a symlink or an oversized file in the
history is passed over, never followed or trusted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from toolkit import files

HISTORY = "history"  # the folder of earlier results beside a report
DATED = re.compile(r"\d{4}-\d{2}-\d{2}")


LARGEST = 5_000_000  # bytes: a results.json is tens of kilobytes; anything far larger is not ours


def archived(folder: Path) -> dict[str, dict]:
    """The results archived in a report ``folder``'s history, by as_of (oldest first). Only real
    files inside the folder are read — not a symlinked history or file, nor one too large to be
    ours — and a file that is not a dated results.json of ours (:func:`_ours`) is passed over."""
    history = folder / HISTORY
    if history.is_symlink() or not history.is_dir():
        return {}
    out = {}
    for path in sorted(history.glob("*.json")):
        if not DATED.fullmatch(path.stem) or path.is_symlink() or not path.is_file():
            continue
        recorded = _read(path)
        if recorded is not None and recorded["as_of"][:10] == path.stem:
            out[path.stem] = recorded
    return out


def _read(path: Path) -> dict | None:
    """A results.json of ours, or None: readable, not too large, a dated record of the kind
    :func:`carry_history` writes."""
    try:
        if path.stat().st_size > LARGEST:
            return None
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return recorded if _ours(recorded) else None


def _ours(recorded) -> bool:
    """Whether ``recorded`` has the shape of our results: a dict with a dated ``as_of`` text, a
    dealer name and headline counts that are numbers of a known kind."""
    if not isinstance(recorded, dict) or not isinstance(recorded.get("as_of"), str):
        return False
    if not DATED.fullmatch(recorded["as_of"][:10]) or not isinstance(recorded.get("dealer"), str):
        return False
    counts = recorded.get("headline_counts", {})
    return isinstance(counts, dict) and all(_counts_ok(c) for c in counts.values())


def _counts_ok(counts) -> bool:
    from toolkit.analyses.trends import KINDS, SUMS

    if not isinstance(counts, dict) or counts.get("kind") not in KINDS:
        return False
    return all(isinstance(counts.get(k), (int, float)) and not isinstance(counts.get(k), bool) for k in SUMS)


def carry_history(previous: Path, build: Path, results: dict) -> dict:
    """Into the new report ``build``: the history of the report it replaces (``previous``, when it
    is of the same dealer), with this render added; returns ``results`` with ``since`` — the
    change since the latest earlier render — when there is one."""
    from toolkit.analyses.trends import change

    earlier = archived(previous)
    replaced = _read(previous / "results.json") if not (previous / "results.json").is_symlink() else None
    if replaced is not None:
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
