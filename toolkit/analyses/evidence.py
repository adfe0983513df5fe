"""How sure a comparison is, before a report singles anyone out.

A report may name one salesperson to coach, one step to fix or one department to talk to only
when the data separates it from the others: each group is compared with the rest of the
dealership (a two-proportion z-test for shares, Welch's t-test for means), the p-values are
corrected for how many groups were compared (Holm), and a group with fewer than ``MIN_N``
observations is "too few to tell" — shown, never ranked. Intervals are 95%: Wilson for shares,
Student's t for means. When nothing separates, :func:`observations_to_settle` says how many
observations per group would tell a gap of that size apart. All statistics come from statsmodels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ALPHA = 0.05  # 95% intervals; a difference counts at 5% after the Holm correction
MIN_N = 20  # fewer observations than this in a group and it is "too few to tell"
SMALLEST_GAP = 0.02  # gaps in shares smaller than two points are not worth settling
VERDICTS = ("too few", "within noise", "below", "above")


def share_interval(successes, trials) -> tuple[np.ndarray, np.ndarray]:
    """The 95% Wilson interval (lower, upper) of ``successes`` out of ``trials`` (arrays or numbers;
    NaN where there are no trials)."""
    from statsmodels.stats.proportion import proportion_confint

    successes, trials = np.asarray(successes, float), np.asarray(trials, float)
    safe = np.where(trials > 0, trials, 1)
    lower, upper = proportion_confint(successes, safe, alpha=ALPHA, method="wilson")
    empty = trials <= 0
    return np.where(empty, np.nan, lower), np.where(empty, np.nan, upper)


def shares_vs_rest(
    successes: pd.Series, trials: pd.Series, counts: pd.Series | None = None, min_n: int = MIN_N
) -> pd.DataFrame:
    """Each group's share against the rest of the groups pooled.

    ``successes`` and ``trials`` are indexed by group; ``counts`` (same index) is what ``min_n``
    applies to when a group's trials are not its units (steps due, counted per sale: pass the
    sales). Returns, per group: n, trials, share, lower, upper, rest (the others' pooled share),
    difference, p, p_adjusted (Holm over the groups large enough to compare) and verdict —
    "too few", "within noise", or "below"/"above" the rest when the corrected p is under 5%.
    """
    from statsmodels.stats.proportion import proportions_ztest

    successes, trials = successes.astype(float), trials.astype(float)
    counts = trials if counts is None else counts.astype(float)
    out = pd.DataFrame({"n": counts, "trials": trials, "share": successes / trials.where(trials > 0)})
    out["lower"], out["upper"] = share_interval(successes, trials)
    rest_s, rest_t = successes.sum() - successes, trials.sum() - trials
    out["rest"] = rest_s / rest_t.where(rest_t > 0)
    out["difference"] = out["share"] - out["rest"]
    p = []
    for group in out.index:
        s, t, rs, rt = successes[group], trials[group], rest_s[group], rest_t[group]
        if t <= 0 or rt <= 0 or (s + rs) in (0, t + rt):  # nothing varies: no evidence either way
            p.append(1.0)
            continue
        p.append(float(proportions_ztest([s, rs], [t, rt])[1]))
    out["p"] = p
    return _verdicts(out, counts >= min_n)


def means_vs_rest(values: pd.Series, groups: pd.Series, min_n: int = MIN_N) -> pd.DataFrame:
    """Each group's mean of ``values`` (one per unit: a customer, a respondent) against the rest's,
    with Welch's t-test. Returns n, mean, lower, upper (95% t interval), rest, difference, p, sd
    (the spread of one unit's value within the group), p_adjusted (Holm) and verdict, as
    :func:`shares_vs_rest`."""
    from statsmodels.stats.weightstats import DescrStatsW

    frame = pd.DataFrame({"value": values.astype(float).to_numpy(), "group": groups.to_numpy()}).dropna()
    rows = {}
    for group, chosen in frame.groupby("group", sort=True)["value"]:
        rest = frame.loc[frame["group"] != group, "value"]
        lower, upper = DescrStatsW(chosen.to_numpy()).tconfint_mean(ALPHA) if len(chosen) > 1 else (np.nan, np.nan)
        p = _welch_p(chosen, rest)
        rows[group] = {
            "n": len(chosen),
            "mean": chosen.mean(),
            "lower": lower,
            "upper": upper,
            "rest": rest.mean() if len(rest) else np.nan,
            "p": p,
            "sd": chosen.std(),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    if out.empty:
        return pd.DataFrame(
            columns=["n", "mean", "lower", "upper", "rest", "difference", "p", "sd", "p_adjusted", "verdict"]
        )
    out.insert(5, "difference", out["mean"] - out["rest"])
    return _verdicts(out, out["n"] >= min_n)


def _welch_p(chosen: pd.Series, rest: pd.Series) -> float:
    """Welch's two-sided p-value; with no spread on either side, 0 when the means differ, else 1."""
    from statsmodels.stats.weightstats import ttest_ind

    if len(chosen) < 2 or len(rest) < 2:
        return 1.0
    if chosen.std() == 0 and rest.std() == 0:
        return 0.0 if chosen.mean() != rest.mean() else 1.0
    return float(ttest_ind(chosen, rest, usevar="unequal")[1])


def _verdicts(out: pd.DataFrame, large: pd.Series) -> pd.DataFrame:
    from statsmodels.stats.multitest import multipletests

    out["p_adjusted"] = np.nan
    if large.any():
        out.loc[large, "p_adjusted"] = multipletests(out.loc[large, "p"].to_numpy(), alpha=ALPHA, method="holm")[1]
    separated = large & (out["p_adjusted"] < ALPHA)
    out["verdict"] = np.where(
        ~large, "too few", np.where(~separated, "within noise", np.where(out["difference"] < 0, "below", "above"))
    )
    return out


def ranked(table: pd.DataFrame, by: str, verdict: str = "against_the_rest") -> pd.DataFrame:
    """``table`` best first by ``by``, the rows whose ``verdict`` is "too few" last: a group too
    small to tell is shown, never ranked."""
    small = table[verdict].eq("too few")
    return (
        table.assign(_small=small)
        .sort_values(["_small", by], ascending=[True, False], ignore_index=True)
        .drop(columns="_small")
    )


def observations_to_settle(share: float, rest: float, groups: int) -> int:
    """Observations per group that would show the gap between ``share`` and ``rest`` (at least
    ``SMALLEST_GAP``) at 95% confidence with 80% power, corrected for ``groups`` comparisons."""
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    rest = float(np.clip(rest, 0.01, 0.99))
    gap = max(abs(share - rest), SMALLEST_GAP)
    target = float(np.clip(rest - gap if rest - gap > 0 else rest + gap, 0.01, 0.99))
    effect = abs(proportion_effectsize(rest, target))
    n = NormalIndPower().solve_power(effect_size=effect, alpha=ALPHA / max(groups, 1), power=0.8, ratio=1.0)
    return int(np.ceil(n))


def units_to_settle(difference: float, spread: float, groups: int, smallest: float) -> int:
    """Units per group (customers, respondents) that would show a gap between two means (the
    observed ``difference``, at least ``smallest``) at 95% confidence with 80% power, corrected
    for ``groups`` comparisons; ``spread`` is the standard deviation of one unit's value."""
    from statsmodels.stats.power import TTestIndPower

    effect = max(abs(difference), smallest) / spread if spread > 0 else 1.0
    n = TTestIndPower().solve_power(effect_size=effect, alpha=ALPHA / max(groups, 1), power=0.8, ratio=1.0)
    return int(np.ceil(n))
