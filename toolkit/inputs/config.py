"""The files a user can pass to change how a playbook reads the data: the cadence plan, the
give/ask keyword rules and the survey instrument. Each loader raises
:class:`~toolkit.errors.UsageError` naming the file and what is wrong, so a bad file stops a
render before any kernel starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from toolkit.errors import UsageError
from toolkit.inputs.schema import ASK_TAGS, GIVE_TAGS
from toolkit.resources import read_toml, shipped

PLAN_COUNTS = {
    "follow_up": "a touch a person made for the buyer (staff_id set, no campaign), on or after the sale",
    "all": "any outbound touch on or after the sale, campaign broadcasts included",
}


def load_plan(path: str | Path | None = None) -> pd.DataFrame:
    """The cadence plan: step, start, end (days after the sale, inclusive) and label, in window order;
    ``attrs["counts"]`` says which touches meet a step (``counts`` in the file, one of
    :data:`PLAN_COUNTS`; by default a person's follow-up touches only).

    Raises UsageError naming the file and step when a window is not two whole
    numbers 0 ≤ start ≤ end, or naming ``counts`` when it is not one of those.
    """
    path = Path(path) if path else shipped("data", "cadence.toml")
    try:
        doc = read_toml(path)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: a cadence plan in TOML ({exc})") from None
    steps = doc.get("steps", {})
    if not isinstance(steps, dict) or not all(isinstance(s, dict) for s in steps.values()):
        raise UsageError(f"{path}: a cadence plan has one [steps.<name>] table per step, with start and end")
    if not steps:
        raise UsageError(f"{path}: a cadence plan needs at least one [steps.<name>] table with start and end")
    return plan_from_steps(
        {name: (s.get("start"), s.get("end"), s.get("label", name)) for name, s in steps.items()},
        source=str(path),
        counts=doc.get("counts", "follow_up"),
    )


def plan_from_steps(steps: dict[str, tuple], source: str = "the plan", counts: str = "follow_up") -> pd.DataFrame:
    """A validated plan from ``{step: (start, end[, label])}``, as the plan editor produces."""
    if counts not in PLAN_COUNTS:
        raise UsageError(f"{source}: counts must be one of {', '.join(map(repr, PLAN_COUNTS))}, not {counts!r}")
    rows = []
    for name, window in steps.items():
        start, end, label = (*window, name)[:3]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)) or not 0 <= start <= end:
            raise UsageError(f"{source}: step {name!r} needs whole days 0 <= start <= end, not {start!r}..{end!r}")
        rows.append({"step": name, "start": start, "end": end, "label": label})
    plan = pd.DataFrame(rows).sort_values(["start", "end"], ignore_index=True)
    plan.attrs["counts"] = counts
    return plan


@dataclass(frozen=True)
class Rules:
    """Keyword patterns per tag: ``gives[tag]`` and ``asks[tag]`` are lists of regular expressions."""

    gives: dict[str, list[str]]
    asks: dict[str, list[str]]

    def patterns(self):
        for kind, table in (("gives", self.gives), ("asks", self.asks)):
            for tag, pats in table.items():
                yield kind, tag, pats


def load_rules(path: str | Path | None = None) -> Rules:
    """Keyword rules from a taxonomy TOML; raises UsageError naming a bad tag or pattern."""
    path = Path(path) if path else shipped("data", "taxonomy.toml")
    try:
        doc = read_toml(path)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: a taxonomy in TOML ({exc})") from None
    gives, asks = doc.get("gives", {}), doc.get("asks", {})
    if not isinstance(gives, dict) or not isinstance(asks, dict):
        raise UsageError(f'{path}: a taxonomy has [gives] and [asks] tables of tag = ["pattern", ...]')
    rules = Rules(gives, asks)
    if not any(pats for _, _, pats in rules.patterns()):
        raise UsageError(f'{path}: a taxonomy needs at least one rule, such as [gives] price = ["\\$\\d"]')
    for kind, tag, pats in rules.patterns():
        allowed = GIVE_TAGS if kind == "gives" else ASK_TAGS
        if tag not in allowed:
            raise UsageError(f"{path}: [{kind}] tag {tag!r} is not one of {', '.join(allowed)}")
        if not isinstance(pats, list) or not all(isinstance(p, str) for p in pats):
            raise UsageError(f'{path}: [{kind}] {tag} must be a list of patterns, such as {tag} = ["word"]')
        for pat in pats:
            try:
                re.compile(pat)
            except re.error as exc:
                raise UsageError(
                    f"{path}: [{kind}] {tag}: pattern {pat!r} is not a regular expression ({exc})"
                ) from None
    return rules


def load_instrument(path: str | Path | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The statements (id, theme, text) and the department list of a survey instrument."""
    source = Path(path) if path else shipped("data", "survey.toml")
    try:
        doc = read_toml(source)
        statements = pd.DataFrame(doc["statements"])[["id", "theme", "text"]]
        departments = [str(d) for d in doc["departments"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(
            f"{source}: a survey instrument in TOML, with departments = [...] and [[statements]] of id, theme and text "
            f"({type(exc).__name__}: {exc})"
        ) from None
    return statements, departments
