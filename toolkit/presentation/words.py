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


def money(value: float | None, currency: str = "") -> str:
    """An amount of money in whole units followed by the code of the currency dealer.toml names
    ("11,572 USD"); a bare number when no currency is given, "n/a" without data. The code, not a
    sign: a "$" would open a formula in Markdown, and "$" alone does not say which dollar."""
    if value is None or pd.isna(value):
        return "n/a"
    amount = f"{int(round(float(value))):,}"  # -0.4 reads 0, not -0
    return f"{amount} {currency.upper()}" if currency else amount


def interval(row, digits: int = 0) -> str:
    """A 95% interval of shares as text ("22%–28%") from a row with ``lower`` and ``upper``."""
    return f"{share(row['lower'], digits)}–{share(row['upper'], digits)}"


def benchmark_text(key: str) -> str:
    """One public benchmark as a sentence fragment, with its source (data/benchmarks.toml)."""
    b = benchmarks()[key]
    year = f", {b['year']}" if "year" in b else ""
    return f"{share(b['value'])} — {b['measure']} ({b['source']}{year})"


def compare(successes: int, n: int, key: str, better: str = "higher") -> str:
    """How the dealer's share (``successes`` of ``n``, a measure of the benchmark's own definition,
    its ``compares_with``) stands against a public benchmark: better or worse only when the 95%
    interval leaves the benchmark out, else "within noise of" it."""
    from toolkit.analyses.evidence import share_interval

    b = benchmarks()[key]
    if "compares_with" not in b:
        raise ValueError(f"benchmark {key} has no measure of the same definition; show it with context()")
    if not n:
        return f"There is no data to compare with the benchmark of {benchmark_text(key)}."
    value = successes / n
    lower, upper = (float(v) for v in share_interval(successes, n))
    if lower <= b["value"] <= upper:
        verdict = "within noise of it"
    else:
        verdict = "better" if (value > b["value"]) == (better == "higher") else "worse"
    side = "above" if value > b["value"] else "below"
    return (
        f"{share(value)} of {n:,} here ({b['compares_with']}; 95% interval {share(lower)}–{share(upper)}), "
        f"{abs(value - b['value']) * 100:.0f} points {side} the benchmark of {benchmark_text(key)}: {verdict}."
    )


def context(key: str) -> str:
    """A public benchmark shown beside the dealer's figures without a verdict, because it does not
    measure the same thing."""
    return f"for context, not a like-for-like comparison: {benchmark_text(key)}."


def dealer_line(dealer, counts: dict[str, int], focus: str = "") -> str:
    """The line under a playbook's title: the dealer, what was read ("2,000 customers"), the date
    and, when the report is about one salesperson, who."""
    parts = [f"**{dealer.name}**", *(f"{n:,} {what}" for what, n in counts.items()), f"data as of {dealer.as_of_text}"]
    return " · ".join(parts) + (f" · salesperson {focus}" if focus else "")
