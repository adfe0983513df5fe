"""The trend section as people read it: the sentences carry the computed values, a change is
"beyond noise" only when the test says so, and the period selector moves the window and the
comparison (driven through its widgets, without a browser)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.months import monthly_shares
from toolkit import playbooks
from toolkit.analyses import trends
from toolkit.presentation import trends as trend_view
from toolkit.presentation.frontend import STATIC_ENV
from toolkit.presentation.stories import trends as story

JUNE = pd.Timestamp("2025-06-30")
COVERAGE = playbooks.get("customer_knowledge").trend  # email coverage, ".0%"


def shares(rates: dict[str, float], per_month: int = 200, seed: int = 1) -> trends.Measure:
    return monthly_shares(rates, per_month, seed, kpi="email_coverage", what="customers created")


def rising() -> trends.Measure:
    months = pd.period_range("2023-07", "2025-06", freq="M")
    return shares({str(p): 0.6 if p >= pd.Period("2025-04") else 0.4 for p in months})


def test_the_sentence_carries_the_quarter_its_interval_and_both_verdicts():
    m = rising()
    trend, changes = trends.monthly(m, JUNE), trends.quarter_changes(m, JUNE)
    text = story.describe_trend(m, trend, changes, COVERAGE)
    latest, before = changes.loc["previous quarter"], changes.loc["a year before"]
    assert text.startswith(f"**{COVERAGE.label}**, April–June 2025: **{latest['value']:.0%}** (600 customers created")
    assert f"95% interval {latest['value_lower']:.0%}–{latest['value_upper']:.0%}" in text
    assert f"Against January–March 2025 ({latest['other']:.0%})" in text
    assert f"Against April–June 2024 ({before['other']:.0%})" in text
    assert text.count("a rise beyond noise") == 2


def test_no_change_is_called_within_noise_and_a_partial_month_is_named():
    months = pd.period_range("2023-07", "2025-06", freq="M")
    m = shares({str(p): 0.5 for p in months}, seed=3)
    cut = pd.Timestamp("2025-06-12")
    text = story.describe_trend(m, trends.monthly(m, cut), trends.quarter_changes(m, cut), COVERAGE)
    assert "April–May 2025" in text and text.count("within noise") == 2 and "beyond noise" not in text
    assert "June 2025 is not over yet" in text


def test_nothing_to_measure_says_so():
    m = trends.measure("email_coverage", "share", pd.Series(pd.NaT, index=range(3)), [1, 0, 1], what="customers")
    text = story.describe_trend(m, trends.monthly(m, JUNE), trends.quarter_changes(m, JUNE), COVERAGE)
    assert (
        text == f"There is nothing to measure for **{COVERAGE.label.lower()}** month by month in July 2023–June 2025."
    )


def test_differences_read_in_points_for_shares():
    assert story.difference_text(0.04, ".0%") == "+4 points"
    assert story.difference_text(-0.01, ".0%") == "-1 point"
    assert story.difference_text(0.002, ".0%") == "+0.2 points"
    assert story.difference_text(0.125, ".2f") == "+0.12"


def test_stores_named_only_beyond_noise():
    rng = np.random.default_rng(2)
    store = np.repeat(["ST01", "ST02", "ST03"], 500)
    hit = rng.random(1500) < np.repeat([0.85, 0.85, 0.6], 500)
    m = trends.snapshot("email_coverage", "share", JUNE, hit, store=pd.Series(store), what="customers")
    table = trends.by_store(m).set_index("store")
    text = story.describe_stores(table.reset_index(), playbooks.get("customer_knowledge").headline[0], "customers")
    worst = table.loc["ST03"]
    assert f"ST03 ({worst['value']:.0%}, against {worst['rest']:.0%} for the rest) is below" in text
    few = table.reset_index().assign(verdict="too few")
    assert "too few to compare" in story.describe_stores(few, COVERAGE, "customers")


@pytest.fixture
def live(monkeypatch):
    monkeypatch.delenv(STATIC_ENV, raising=False)


def test_the_period_selector_moves_the_window_and_the_comparison(live, monkeypatch):
    shown, drawn = [], []
    draw = trend_view.charts.trend
    monkeypatch.setattr(trend_view.display, "show_markdown", shown.append)
    monkeypatch.setattr(trend_view.charts, "show", lambda chart: None)
    monkeypatch.setattr(trend_view.charts, "trend", lambda df, *a, **k: drawn.append(df) or draw(df, *a, **k))
    box = trend_view.show_trend(rising(), JUNE, COVERAGE)
    end, months = box.children[0].children
    assert end.value == "2025-06" and months.value == 24
    assert shown[-1].startswith(f"**{COVERAGE.label}**, April–June 2025")
    assert len(drawn[-1]) == 24 and drawn[-1]["month"].iloc[-1] == pd.Timestamp("2025-06-01")
    end.value = "2024-12"
    assert shown[-1].startswith(f"**{COVERAGE.label}**, October–December 2024")
    assert "beyond noise" not in shown[-1]  # before the rise, nothing moved
    months.value = 12
    assert len(drawn[-1]) == 12 and drawn[-1]["month"].iloc[-1] == pd.Timestamp("2024-12-01")


def test_without_a_front_end_the_trend_is_drawn_once_for_the_defaults(monkeypatch):
    monkeypatch.setenv(STATIC_ENV, "1")
    shown = []
    monkeypatch.setattr(trend_view.display, "show_markdown", shown.append)
    monkeypatch.setattr(trend_view.charts, "show", shown.append)
    assert trend_view.show_trend(rising(), JUNE, COVERAGE) is None
    assert len(shown) == 2 and "April–June 2025" in shown[0]


def test_the_trend_chart_leaves_out_empty_months_and_names_its_measure():
    from toolkit.presentation import charts

    m = trends.measure(
        "email_coverage", "share", pd.Series(pd.to_datetime(["2025-05-03", "2025-06-04"])), [1, 0], what="c"
    )
    trend = trends.monthly(m, pd.Timestamp("2025-06-10"), months=3)  # April empty, June partial
    spec = charts.trend(trend, "email_coverage", "t", ".0%").to_dict()
    rows = [r for data in spec["datasets"].values() for r in data]
    assert {r["month"][:7] for r in rows} == {"2025-05", "2025-06"}
    assert spec["layer"][0]["encoding"]["y"]["title"] == "Email coverage"
    assert any(layer["mark"]["type"] == "point" for layer in spec["layer"][1]["layer"])  # June: an open point


def test_a_large_group_names_the_furthest_stores_and_counts_the_rest():
    rng = np.random.default_rng(4)
    names = [f"ST{k:02d}" for k in range(1, 13)]
    store = np.repeat(names, 800)
    hit = rng.random(len(store)) < np.repeat([0.9] * 11 + [0.5], 800)  # eleven alike, one far below
    m = trends.snapshot("email_coverage", "share", JUNE, hit, store=pd.Series(store), what="customers")
    table = trends.by_store(m)
    text = story.describe_stores(table, playbooks.get("customer_knowledge").headline[0], "customers")
    above = int((table["verdict"] == "above").sum())
    assert above > story.NAMED and f"{above - story.NAMED} more stores are above" in text
    assert "ST12 (" in text and text.count(" is above") == story.NAMED
