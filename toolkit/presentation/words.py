"""Numbers in words: shares as percentages, amounts with separators, and how a dealer's figure
stands against a public benchmark. Every story (:mod:`toolkit.presentation.stories`) writes its
numbers with these.
"""

from __future__ import annotations

import pandas as pd

from toolkit.resources import benchmarks


def share(value: float | None, digits: int = 0) -> str:
    """A fraction as a percentage ("42%"), or "n/a" when there is no data."""
    return "n/a" if value is None or pd.isna(value) else f"{value:.{digits}%}"


def number(value: float | None, digits: int = 1) -> str:
    """A number with thousands separators ("1,234.5"), or "n/a" when there is no data."""
    return "n/a" if value is None or pd.isna(value) else f"{value:,.{digits}f}"


def benchmark_text(key: str) -> str:
    """One public benchmark as a sentence fragment, with its source (data/benchmarks.toml)."""
    b = benchmarks()[key]
    year = f", {b['year']}" if "year" in b else ""
    return f"{share(b['value'])} — {b['measure']} ({b['source']}{year})"


def compare(value: float | None, key: str, better: str = "higher") -> str:
    """How the dealer's share stands against a public benchmark, in words."""
    b = benchmarks()[key]
    if value is None or pd.isna(value):
        return f"There is no data to compare with the benchmark of {benchmark_text(key)}."
    diff = value - b["value"]
    if abs(diff) < 0.02:
        verdict = "about level with it"
    else:
        verdict = "better" if (diff > 0) == (better == "higher") else "worse"
    side = "above" if diff > 0 else "below"
    return (
        f"{share(value)} here, {abs(diff) * 100:.0f} points {side} the benchmark of {benchmark_text(key)}: {verdict}."
    )


def dealer_line(dealer, counts: dict[str, int], focus: str = "") -> str:
    """The line under a playbook's title: the dealer, what was read ("2,000 customers"), the date
    and, when the report is about one salesperson, who."""
    parts = [f"**{dealer.name}**", *(f"{n:,} {what}" for what, n in counts.items()), f"data as of {dealer.as_of_text}"]
    return " · ".join(parts) + (f" · salesperson {focus}" if focus else "")
