"""The evidence rules: intervals on hand-worked counts, and the singling-out rule on simulated
stores with a known truth (no difference → almost never a claim; a clear one → found)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.analyses import evidence


def test_wilson_interval_by_hand():
    # 8 of 10: centre (8 + 1.96²/2) / (10 + 1.96²) = 0.7167, half-width 1.96·√(0.16·10 + 0.96)/13.84 = 0.2265
    lower, upper = evidence.share_interval(8, 10)
    assert float(lower) == pytest.approx(0.4902, abs=1e-4) and float(upper) == pytest.approx(0.9433, abs=1e-4)
    lower, _ = evidence.share_interval(np.array([1, 0]), np.array([4, 0]))
    assert np.isnan(lower[1])  # no trials, no interval


def test_a_group_far_below_the_rest_is_named_and_a_small_one_is_not_ranked():
    successes = pd.Series({"S1": 90, "S2": 85, "S3": 30, "S4": 1})
    trials = pd.Series({"S1": 100, "S2": 100, "S3": 100, "S4": 4})
    out = evidence.shares_vs_rest(successes, trials)
    assert out.loc["S3", "verdict"] == "below" and out.loc["S4", "verdict"] == "too few"
    assert out.loc["S3", "rest"] == pytest.approx(176 / 204)  # the others pooled
    assert np.isnan(out.loc["S4", "p_adjusted"])  # not counted among the comparisons
    assert set(out.loc[["S1", "S2"], "verdict"]) <= {"within noise", "above"}


def test_holm_correction_counts_the_groups_compared():
    # two groups each 12/40 vs 20/40 in a pooled rest: raw p ≈ 0.06 would fail anyway; check the
    # adjusted p is the Holm one: the smallest p times the number compared
    successes = pd.Series({"A": 10, "B": 20, "C": 20})
    trials = pd.Series({"A": 40, "B": 40, "C": 40})
    out = evidence.shares_vs_rest(successes, trials)
    smallest = out["p"].min()
    assert out["p_adjusted"].min() == pytest.approx(min(1.0, 3 * smallest))


def simulated_store(rng, rates, sales):
    """Steps met of steps due per salesperson, three steps due per sale."""
    trials = pd.Series({f"S{i}": 3 * n for i, n in enumerate(sales)})
    successes = pd.Series({f"S{i}": rng.binomial(3 * n, p) for i, (p, n) in enumerate(zip(rates, sales))})
    return successes, trials, pd.Series({f"S{i}": n for i, n in enumerate(sales)})


def test_where_everyone_works_alike_almost_no_one_is_singled_out():
    # seeded, and few enough draws to stay quick: statsmodels' multipletests collects garbage on
    # every call, which costs about 50 ms
    rng = np.random.default_rng(42)
    sales = [4, 25, 40, 60, 80, 120]  # a new hire among five others
    named = 0
    for _ in range(200):
        successes, trials, counts = simulated_store(rng, [0.6] * 6, sales)
        out = evidence.shares_vs_rest(successes, trials, counts)
        named += out["verdict"].isin(["below", "above"]).any()
        assert out.loc["S0", "verdict"] == "too few"  # 4 sales: never ranked
    assert named / 200 <= 0.07  # Holm keeps the store-wide false alarm rate near 5%


def test_where_one_salesperson_is_clearly_weaker_they_are_named():
    rng = np.random.default_rng(7)
    found = 0
    for _ in range(100):
        successes, trials, counts = simulated_store(rng, [0.7, 0.7, 0.7, 0.35, 0.7, 0.7], [40, 50, 60, 45, 70, 55])
        out = evidence.shares_vs_rest(successes, trials, counts)
        found += out.loc["S3", "verdict"] == "below" and (out["verdict"] == "below").sum() == 1
    assert found / 100 >= 0.95


def test_means_vs_rest_and_what_would_settle_a_gap():
    rng = np.random.default_rng(3)
    values = pd.Series(np.r_[rng.normal(0.8, 0.15, 200), rng.normal(0.55, 0.15, 60), rng.normal(0.8, 0.15, 5)])
    groups = pd.Series(["A"] * 200 + ["B"] * 60 + ["C"] * 5)
    out = evidence.means_vs_rest(values, groups)
    assert out.loc["B", "verdict"] == "below" and out.loc["C", "verdict"] == "too few"
    assert out.loc["B", "lower"] < out.loc["B", "mean"] < out.loc["B", "upper"]
    # 80% power to tell 0.60 from 0.70 at 5% / 3 comparisons: about 474 per group (normal approximation)
    assert evidence.observations_to_settle(0.6, 0.7, 3) == pytest.approx(474, rel=0.05)
    assert evidence.units_to_settle(0.05, 0.15, 2, smallest=0.1) > evidence.units_to_settle(0.3, 0.15, 2, smallest=0.1)


def test_a_group_too_small_to_tell_is_listed_last_not_ranked():
    table = pd.DataFrame(
        {
            "who": ["A", "B", "C"],
            "rate": [0.5, 0.99, 0.7],
            "against_the_rest": ["within noise", "too few", "within noise"],
        }
    )
    assert evidence.ranked(table, "rate")["who"].tolist() == ["C", "A", "B"]
