"""A KPI over time in words: where the latest quarter stands against the one before and the same
months a year earlier, and how the stores of a group compare — "beyond noise" only where the test
of :mod:`toolkit.analyses.trends` says so, corrected for the comparisons made."""

from __future__ import annotations

import pandas as pd

from toolkit.analyses.evidence import MIN_N
from toolkit.analyses.trends import Measure
from toolkit.playbooks import Headline


def value_text(value: float | None, fmt: str) -> str:
    """A KPI's value in its format ("42%", "1.88"), "n/a" without data."""
    return "n/a" if value is None or pd.isna(value) else format(value, fmt)


def difference_text(difference: float, fmt: str) -> str:
    """A change in a KPI: percentage points for a share ("+4 points"), else the signed number."""
    if fmt.endswith("%"):
        points = difference * 100
        if abs(points) < 0.5:  # "+0 points" would hide which way it moved
            return f"{points:+.1f} points"
        return f"{points:+.0f} point{'' if round(abs(points)) == 1 else 's'}"
    return format(difference, "+" + fmt)


def months_text(first: pd.Timestamp, last: pd.Timestamp) -> str:
    """A span of months in words: "June 2025", "April–June 2025", "November 2024–January 2025"."""
    if first.to_period("M") == last.to_period("M"):
        return first.strftime("%B %Y")
    if first.year == last.year:
        return f"{first.strftime('%B')}–{last.strftime('%B %Y')}"
    return f"{first.strftime('%B %Y')}–{last.strftime('%B %Y')}"


def describe_trend(m: Measure, trend: pd.DataFrame, changes: pd.DataFrame, headline: Headline) -> str:
    """The trend of one KPI in two or three sentences: its latest whole quarter with its count and
    interval, the change against the quarter before and against a year earlier with whether each
    is beyond noise, and the partial month shown but not compared."""
    fmt = headline.format
    measured = trend[trend["n"] > 0]
    span = months_text(trend["month"].iloc[0], trend["month"].iloc[-1])
    if measured.empty or changes.empty:
        return f"There is nothing to measure for **{headline.label.lower()}** month by month in {span}."
    first = changes.iloc[0]
    start, end = first["latest"]
    lead = (
        f"**{headline.label}**, {months_text(start, end)}: **{value_text(first['value'], fmt)}** "
        f"({first['n']:,} {m.denominator}"
    )
    lead += f"; 95% interval {value_text(first['value_lower'], fmt)}–{value_text(first['value_upper'], fmt)})."
    parts = [lead, *(_change(name, row, fmt, m) for name, row in changes.iterrows())]
    cut = trend[trend["partial"]]
    if len(cut):
        month = cut["month"].iloc[-1].strftime("%B %Y")
        parts.append(f"{month} is not over yet: it is shown as an open point and left out of the comparison.")
    return " ".join(parts)


def _change(name: str, row: pd.Series, fmt: str, m: Measure) -> str:
    against = "the quarter before" if name == "previous quarter" else "the same months a year earlier"
    if row["against"] is None or not row["other_n"]:
        return f"There is no data for {against} to compare with."
    when = months_text(*row["against"])
    if row["verdict"] == "too few":
        return (
            f"Against {when} ({value_text(row['other'], fmt)}): too few to tell (fewer than {MIN_N} units on one side)."
        )
    change = difference_text(row["difference"], fmt)
    bounds = f"{difference_text(row['lower'], fmt)} to {difference_text(row['upper'], fmt)}"
    if row["verdict"] == "within noise":
        verdict = "within noise (a change this size could be chance)"
    else:
        verdict = f"{'a rise' if row['verdict'] == 'up' else 'a fall'} beyond noise"
    return (
        f"Against {when} ({value_text(row['other'], fmt)}): {change} "
        f"({bounds} with 95% confidence over both comparisons), {verdict}."
    )


NAMED = 5  # stores named on each side; the table beside the sentence lists every one


def describe_stores(table: pd.DataFrame, headline: Headline, what: str) -> str:
    """How the stores compare on one headline KPI: those above or below the rest of the group
    beyond noise, the furthest ``NAMED`` of each side by name; otherwise that the differences are
    within noise."""
    if table.empty:
        return ""
    fmt = headline.format
    if table["verdict"].eq("too few").all():
        return (
            f"**{headline.label}** by store: too few to compare — every store has fewer than {MIN_N} "
            "units (customers, sales, campaigns or respondents) behind its figure."
        )
    above = table[table["verdict"] == "above"]
    below = table[table["verdict"] == "below"]
    few = table[table["verdict"] == "too few"]
    lead = f"**{headline.label}** across {len(table)} stores ({int(table['n'].sum()):,} {what})"
    named = []
    for side, chosen in (("above", above), ("below", below)):
        furthest = chosen.reindex(chosen["difference"].abs().sort_values(ascending=False).index)
        named += [
            f"{r.store} ({value_text(r.value, fmt)}, against {value_text(r.rest, fmt)} for the rest) is {side}"
            for r in furthest.head(NAMED).itertuples()
        ]
        if len(chosen) > NAMED:
            named.append(f"{len(chosen) - NAMED} more stores are {side}")
    if named:
        text = (
            f"{lead}: " + "; ".join(named) + " the rest of the group beyond noise (corrected for the stores compared)."
        )
    else:
        text = f"{lead}: the stores' differences are within noise; no store stands out."
    if len(few):
        text += f" Too few to tell: {', '.join(map(str, few['store']))}."
    return text
