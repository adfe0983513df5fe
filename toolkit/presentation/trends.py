"""A playbook's "Is it getting better?" section: the trend chart with its sentence, a period
selector in a live front end, and the stores of a group side by side.

Executed by papermill, :func:`show_trend` draws the 24 months up to as_of; in JupyterLab a
period selector moves the end of the window and its length, and the quarter comparison follows
the window's end.
"""

from __future__ import annotations

import pandas as pd

from toolkit.analyses import trends
from toolkit.playbooks import Headline
from toolkit.presentation import charts, display, widgets
from toolkit.presentation.labels import label
from toolkit.presentation.stories import trends as story

WINDOWS = (12, 24, 36)  # months the period selector offers


def period_options(m: trends.Measure, as_of: pd.Timestamp) -> list[tuple[str, str]]:
    """The months a trend window may end in, latest first, as (label, "YYYY-MM"): from the first
    month with data (at least a year before as_of) to the month of as_of."""
    last = pd.Timestamp(as_of).to_period("M")
    months = m.by_month().index
    first = min(months.min().to_period("M"), last - 12) if len(months) else last - 12
    return [(p.strftime("%B %Y"), str(p)) for p in pd.period_range(first, last, freq="M")[::-1]]


def trend_view(m: trends.Measure, as_of: pd.Timestamp, headline: Headline, end: str, months: int) -> None:
    """The trend of ``m`` for ``months`` months up to the month ``end`` ("YYYY-MM"): the sentence,
    the chart and the quarter comparison's table."""
    last = pd.Period(end, "M").to_timestamp()
    trend = trends.monthly(m, as_of, months=months, end=last)
    changes = trends.quarter_changes(m, as_of, end=last)
    display.show_markdown(story.describe_trend(m, trend, changes, headline))
    charts.show(charts.trend(trend, m.kpi, f"{headline.label}, by month (95% interval)", headline.format))


def show_trend(m: trends.Measure, as_of: pd.Timestamp, headline: Headline):
    """The trend section: static for the 24 months up to as_of, or with a period selector (the
    window's last month and its length) in a live front end. Returns the widget box or None."""
    options = period_options(m, as_of)
    return widgets.explore(
        lambda end, months: trend_view(m, as_of, headline, end, months),
        end=widgets.choice("Trend up to", options, options[0][1]),
        months=widgets.choice("Months shown", [(f"{n} months", n) for n in WINDOWS], trends.MONTHS),
    )


def trend_records(m: trends.Measure, as_of: pd.Timestamp) -> dict:
    """results.json ``trends`` for one measure: the 24 months up to as_of."""
    return {m.kpi: trends.records(trends.monthly(m, as_of))}


def show_stores(measures: list[trends.Measure], headlines: tuple[Headline, ...]) -> dict:
    """Each headline KPI by store with its count and 95% interval against the rest of the group —
    shown only when the data carries ``store_id`` — and the same tables as results.json
    ``stores`` holds them (empty without stores)."""
    recorded = {}
    for m in measures:
        table = trends.by_store(m)
        if table.empty:
            continue
        headline = next(h for h in headlines if h.kpi == m.kpi)
        recorded[m.kpi] = trends.store_records(table)
        display.show_markdown(story.describe_stores(table, headline, m.denominator))
        shown = table[["store", "value", "n", "lower", "upper", "rest", "verdict"]].rename(
            columns={"value": m.kpi, "n": "count"}
        )
        percent = (m.kpi, "lower", "upper", "rest") if headline.format.endswith("%") else ()
        display.show_table(shown, percent=percent)
        charts.show(store_chart(table, headline))
    return recorded


def store_chart(table: pd.DataFrame, headline: Headline):
    """Each store's value of a headline KPI with its 95% interval (a :func:`trends.by_store` table,
    or results.json ``stores`` rows as a frame)."""
    return charts.intervals(
        table,
        "value",
        "lower",
        "upper",
        "store",
        f"{headline.label}, by store (95% interval)",
        x_format=headline.format,
        x_title=label(headline.kpi),
    )
