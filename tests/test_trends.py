"""Trends, quarter comparisons, stores and the change between renders (toolkit.analyses.trends):
hand-worked values, and simulated worlds with a known truth for the "beyond noise" rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.months import monthly_shares
from toolkit.analyses import trends

AS_OF = pd.Timestamp("2025-02-14")


def dates(*days: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(days)))


def coverage() -> trends.Measure:
    # January: 3 customers created, 2 with an e-mail; February (cut short by as_of): 4, 1 with one.
    when = dates("2025-01-03", "2025-01-10", "2025-01-20", "2025-02-01", "2025-02-02", "2025-02-03", "2025-02-13")
    return trends.measure("email_coverage", "share", when, [1, 1, 0, 1, 0, 0, 0], what="customers created")


def test_a_monthly_share_has_its_count_wilson_interval_and_partial_month():
    t = trends.monthly(coverage(), AS_OF, months=3).set_index("month")
    dec, jan, feb = (t.loc[pd.Timestamp(m)] for m in ("2024-12-01", "2025-01-01", "2025-02-01"))
    assert dec["n"] == 0 and np.isnan(dec["value"])  # nothing to measure: no value, n 0
    # Wilson, 2 of 3, z = 1.96: centre (2/3 + 1.9208/3) / (1 + 3.8416/3) = 0.5731,
    # half-width 1.96 * sqrt(2/27 + 3.8416/36) / 2.2805 = 0.3654 → 0.2077–0.9385
    assert jan["value"] == pytest.approx(2 / 3) and jan["n"] == 3
    assert (jan["lower"], jan["upper"]) == pytest.approx((0.2077, 0.9385), abs=1e-4)
    assert feb["value"] == pytest.approx(0.25) and feb["n"] == 4
    assert list(t["partial"]) == [False, False, True]


def test_records_are_what_results_json_holds():
    records = trends.records(trends.monthly(coverage(), AS_OF, months=2))
    assert [r["period"] for r in records] == ["2025-01", "2025-02"]
    assert records[1] == {
        "period": "2025-02",
        "value": 0.25,
        "n": 4,
        "lower": pytest.approx(0.0456, abs=1e-4),
        "upper": pytest.approx(0.6994, abs=1e-4),
        "partial": True,
    }
    empty = trends.records(trends.monthly(coverage(), AS_OF, months=3))[0]
    assert empty == {"period": "2024-12", "value": None, "n": 0, "lower": None, "upper": None, "partial": False}


def test_a_ratio_has_a_delta_method_interval():
    # January: gives 1,1,1 and asks 1,0,1 → 3 / 2 = 1.5. Spread Σg² − 2RΣga + R²Σa² = 3 − 6 + 4.5
    # = 1.5, variance 1.5 / 2² = 0.375, half-width 1.96 × 0.612 = 1.200 → 0.300–2.700.
    when = dates("2025-01-03", "2025-01-10", "2025-01-20")
    m = trends.measure("give_ask_ratio", "ratio", when, [1, 1, 1], [1, 0, 1], what="touches that ask")
    jan = trends.monthly(m, pd.Timestamp("2025-01-31"), months=1).iloc[0]
    assert jan["value"] == 1.5 and jan["n"] == 2
    assert (jan["lower"], jan["upper"]) == pytest.approx((0.2998, 2.7002), abs=1e-3)


def test_rows_of_one_cluster_count_as_one_unit():
    # 40 touches of one campaign that only asks and 40 of one that only gives: as 80 touches the
    # ratio looks sure; as the two decisions they are, it is not.
    when = pd.Series(pd.Timestamp("2025-01-10"), index=range(80))
    gives, asks = np.r_[np.zeros(40), np.ones(40)], np.r_[np.ones(40), np.zeros(40)]
    loose = trends.measure("r", "ratio", when, gives, asks, what="asks")
    clustered = trends.measure("r", "ratio", when, gives, asks, cluster=pd.Series(["a"] * 40 + ["b"] * 40), what="asks")
    a, b = (trends.monthly(m, pd.Timestamp("2025-01-31"), months=1).iloc[0] for m in (loose, clustered))
    assert a["value"] == b["value"] == 1.0 and a["n"] == b["n"] == 40
    assert b["units"] == 2 and a["units"] == 80
    assert (b["upper"] - b["lower"]) > 3 * (a["upper"] - a["lower"])


def year_of(rate_before: float, rate_latest: float) -> dict[str, float]:
    months = pd.period_range("2023-10", "2025-06", freq="M")
    return {str(p): (rate_latest if p >= pd.Period("2025-04") else rate_before) for p in months}


JUNE = pd.Timestamp("2025-06-30")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_change_is_within_noise(seed):
    changes = trends.quarter_changes(monthly_shares(year_of(0.3, 0.3), 200, seed), JUNE)
    assert set(changes["verdict"]) == {"within noise"}


@pytest.mark.parametrize("seed", [1, 2])
def test_a_clear_rise_is_found_against_both_periods(seed):
    changes = trends.quarter_changes(monthly_shares(year_of(0.3, 0.45), 200, seed), JUNE)
    assert list(changes["verdict"]) == ["up", "up"]
    latest, against = changes.loc["previous quarter", ["latest", "against"]]
    assert latest == (pd.Timestamp("2025-04-01"), pd.Timestamp("2025-06-30"))
    assert against == (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-31"))
    assert changes.loc["a year before", "against"] == (pd.Timestamp("2024-04-01"), pd.Timestamp("2024-06-30"))


def test_the_partial_month_and_empty_months_are_left_out_and_a_year_before_matches_the_months():
    m = monthly_shares(year_of(0.3, 0.3), 100, 4)
    changes = trends.quarter_changes(m, pd.Timestamp("2025-06-15"))  # June is cut short
    assert changes.loc["previous quarter", "latest"] == (pd.Timestamp("2025-04-01"), pd.Timestamp("2025-05-31"))
    assert changes.loc["a year before", "against"] == (pd.Timestamp("2024-04-01"), pd.Timestamp("2024-05-31"))
    # April and May pooled: their sums added
    t = trends.monthly(m, pd.Timestamp("2025-06-15")).set_index("month")
    spring = t.loc[pd.Timestamp("2025-04-01") : pd.Timestamp("2025-05-01")]
    assert changes.loc["previous quarter", "n"] == spring["n"].sum()
    assert changes.loc["previous quarter", "value"] == pytest.approx(spring["num"].sum() / spring["den"].sum())


def test_small_periods_are_too_few_to_tell():
    changes = trends.quarter_changes(monthly_shares(year_of(0.1, 0.9), 3, 5), JUNE)
    assert set(changes["verdict"]) == {"too few"}


def test_a_repeated_share_counts_each_customer_once_in_a_quarter():
    # 1,000 customers, 300 engaged in each month: a quarter is 30% of 1,000 customers, not of 3,000
    sums = pd.DataFrame(
        {"month": pd.to_datetime(["2025-04-01", "2025-05-01", "2025-06-01"]), "store": "", "units": 1000, "num": 300}
    )
    m = trends.repeated_share("engaged_share", sums, what="customers")
    pooled = m.pooled(m.by_month())
    assert pooled["units"] == 1000 and pooled["num"] == 300


def group(rates: dict[str, float], customers: int, seed: int) -> trends.Measure:
    rng = np.random.default_rng(seed)
    store = np.repeat(list(rates), customers)
    hit = rng.random(len(store)) < np.repeat(list(rates.values()), customers)
    return trends.snapshot("email_coverage", "share", JUNE, hit, store=pd.Series(store), what="customers")


def test_a_store_clearly_different_is_named_and_alike_stores_are_not():
    table = trends.by_store(group({"ST01": 0.85, "ST02": 0.85, "ST03": 0.6}, 400, 1)).set_index("store")
    assert table.loc["ST03", "verdict"] == "below"
    assert table.loc["ST03", "lower"] < 0.6 < table.loc["ST03", "upper"]
    alike = trends.by_store(group({"ST01": 0.8, "ST02": 0.8, "ST03": 0.8}, 400, 2))
    assert set(alike["verdict"]) == {"within noise"}
    assert trends.by_store(group({"": 0.8}, 100, 3)).empty  # no store_id: no breakdown


def test_the_change_between_two_renders():
    before = trends.counts_record(group({"": 0.70}, 2000, 1))
    after = trends.counts_record(group({"": 0.80}, 2000, 2))
    same = trends.counts_record(group({"": 0.70}, 2000, 3))
    moved = trends.change(after, before)
    assert moved["verdict"] == "up" and moved["lower"] > 0
    assert moved["difference"] == pytest.approx(moved["value"] - moved["previous"])
    assert trends.change(same, before)["verdict"] == "within noise"
    tiny = trends.counts_record(group({"": 0.9}, 5, 4))
    assert trends.change(tiny, before)["verdict"] == "too few"
    assert trends.change({**after, "kind": "mean"}, before) == {}  # a KPI whose definition changed


@pytest.mark.parametrize("seed", range(6))
def test_a_change_is_beyond_noise_exactly_when_its_interval_leaves_out_zero(seed):
    rise = [0.3, 0.34, 0.38, 0.42, 0.3, 0.36][seed]  # around the edge of what 200 a month can tell
    changes = trends.quarter_changes(monthly_shares(year_of(0.3, rise), 200, seed + 10), JUNE)
    for _, row in changes.iterrows():
        excludes_zero = row["lower"] > 0 or row["upper"] < 0
        assert excludes_zero == (row["verdict"] in ("up", "down")), row.to_dict()
