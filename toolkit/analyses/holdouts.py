"""Randomised holdout tests: the customers kept back from a campaign, how many are needed to see
a lift, and what a finished test shows.

A model can only say what goes *with* later spend; a holdout test says what a campaign *causes*.
Before the campaign a random share of its audience is kept back (the ``holdouts`` table: each
customer's ``group``, treatment or holdout); afterwards the two groups' customer-pay service
spend and visits are compared. Because the groups were drawn at random, a difference beyond
chance is the campaign's doing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit import rules
from toolkit.analyses.evidence import ALPHA
from toolkit.errors import UsageError

OUTCOME_DAYS = 180  # a test is read on the service spend and visits of the 180 days after it starts
POWER = 0.8
TREATMENT, HOLDOUT = "treatment", "holdout"
HOLDOUT_COLUMNS = ["campaign_id", "customer_id", "group", "assigned_at"]


def audience(customers: pd.DataFrame, channel: str) -> pd.DataFrame:
    """The customers a campaign on ``channel`` may be sent: e-mail to those who opted in and have
    an address, text messages to those who opted in and have a phone, any other channel to
    every customer."""
    keep = pd.Series(True, index=customers.index)
    if channel == "email":
        keep = customers.get("email_opt_in", keep & False).fillna(False).astype(bool) & customers["email"].notna()
    elif channel == "sms":
        keep = customers.get("sms_opt_in", keep & False).fillna(False).astype(bool) & customers["phone"].notna()
    return customers.loc[keep, ["customer_id"]].reset_index(drop=True)


def strata(people: pd.DataFrame, repair_orders: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Each customer's stratum: their customer-pay service spend in the year to ``as_of`` — none,
    below the spenders' median, or above it — so that both groups hold as many big, small and
    non-spenders."""
    spend = spend_per_customer(people["customer_id"], repair_orders, as_of - pd.Timedelta(days=rules.YEAR), as_of)
    spenders = spend[spend > 0]
    median = spenders.median() if len(spenders) else 0.0
    band = np.where(spend <= 0, "none", np.where(spend <= median, "below median", "above median"))
    return pd.Series(band, index=people.index, name="stratum")


def spend_per_customer(
    ids: pd.Series, repair_orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, what: str = "spend"
) -> pd.Series:
    """Per customer of ``ids`` (aligned with it): customer-pay service ``spend`` (the orders'
    totals) or ``visits`` (the orders) opened after ``start`` and up to ``end``."""
    ro = repair_orders[rules.is_customer_pay(repair_orders)]
    opened = ro["opened_at"].dt.normalize()
    ro = ro[(opened > start.normalize()) & (opened <= end.normalize())]
    per = ro.groupby("customer_id")["total"].sum() if what == "spend" else ro.groupby("customer_id").size()
    return pd.Series(ids.map(per).fillna(0).to_numpy(float), index=ids.index)


def design(
    customers: pd.DataFrame,
    repair_orders: pd.DataFrame,
    as_of: pd.Timestamp,
    campaign_id: str,
    channel: str,
    share: float,
    seed: int,
    assigned_at: pd.Timestamp,
) -> pd.DataFrame:
    """The ``holdouts`` rows for a campaign: its audience (:func:`audience`), a ``share`` of each
    stratum (:func:`strata`) drawn at random with ``seed`` as the holdout, the rest treatment."""
    if not 0 < share < 1:
        raise UsageError(f"--share must be between 0 and 1 (a tenth is 0.1); got {share}")
    people = audience(customers, channel)
    if len(people) < 2:
        raise UsageError(f"the {channel} audience has {len(people)} customers: too few to split into two groups")
    people["stratum"] = strata(people, repair_orders, as_of)
    rng = np.random.default_rng(seed)
    held = np.zeros(len(people), bool)
    for _, rows in people.groupby("stratum").indices.items():
        chosen = rng.permutation(rows)[: int(round(share * len(rows)))]
        held[chosen] = True
    out = pd.DataFrame(
        {
            "campaign_id": campaign_id,
            "customer_id": people["customer_id"],
            "group": np.where(held, HOLDOUT, TREATMENT),
            "assigned_at": assigned_at.strftime("%Y-%m-%d"),
        }
    )
    return out[HOLDOUT_COLUMNS]


def detectable_lift(spread, treated, held):
    """The smallest difference in mean spend per customer between the groups that a test of these
    sizes would see at 95% confidence (two-sided) with 80% power, given the spread (standard
    deviation) of one customer's spend: (z₀.₉₇₅ + z₀.₈) × spread × √(1/treated + 1/held). Works on
    numbers or arrays; NaN without spread or with fewer than two in a group."""
    from scipy.stats import norm

    treated, held = np.asarray(treated, float), np.asarray(held, float)
    z = norm.ppf(1 - ALPHA / 2) + norm.ppf(POWER)
    ok = (spread > 0) & (treated >= 2) & (held >= 2)
    lift = z * spread * np.sqrt(1 / np.where(ok, treated, 1) + 1 / np.where(ok, held, 1))
    return np.where(ok, lift, np.nan) if lift.ndim else float(lift if ok else np.nan)


def holdout_needed(spread: float, lift: float, audience_size: int) -> int | None:
    """The fewest customers to hold out (the rest of ``audience_size`` sent) to see a difference
    of ``lift`` per customer at 95% confidence with 80% power; None when not even an even split
    of the audience would."""
    held = np.arange(2, audience_size // 2 + 1)
    enough = np.flatnonzero(detectable_lift(spread, audience_size - held, held) <= lift)
    return int(held[enough[0]]) if len(enough) else None


def power(rows: pd.DataFrame, repair_orders: pd.DataFrame, as_of: pd.Timestamp) -> dict:
    """What a designed test can see: group sizes, mean and spread of a customer's customer-pay
    service spend over the last ``OUTCOME_DAYS`` (the window the test will be read on), the
    smallest detectable difference, and how many held out would see half that."""
    spend = spend_per_customer(rows["customer_id"], repair_orders, as_of - pd.Timedelta(days=OUTCOME_DAYS), as_of)
    held, treated = int((rows["group"] == HOLDOUT).sum()), int((rows["group"] == TREATMENT).sum())
    spread = float(spend.std()) if len(spend) > 1 else 0.0
    lift = detectable_lift(spread, treated, held)
    return {
        "treated": treated,
        "held_out": held,
        "mean_spend": float(spend.mean()),
        "spread": spread,
        "detectable_lift": lift,
        "held_out_for_half": holdout_needed(spread, lift / 2, len(rows)) if np.isfinite(lift) else None,
    }


def readout(
    holdouts: pd.DataFrame | None, repair_orders: pd.DataFrame, as_of: pd.Timestamp, days: int = OUTCOME_DAYS
) -> pd.DataFrame:
    """Per tested campaign: the customers in each group, the days the test has run (at most
    ``days``), and the difference (treated minus held out) in mean customer-pay service spend and
    in visits per customer since the assignment, each with its 95% interval (Welch). No rows
    without a ``holdouts`` table."""
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    columns = ["campaign_id", "treated", "held_out", "days_run"] + [
        f"{w}_{p}" for w in ("spend", "visits") for p in ("difference", "low", "high")
    ]
    rows: list[dict] = []
    for campaign, test in (holdouts if holdouts is not None else pd.DataFrame(columns=HOLDOUT_COLUMNS)).groupby(
        "campaign_id", sort=True
    ):
        start = test["assigned_at"].min() if test["assigned_at"].notna().any() else pd.NaT
        if pd.isna(start):
            continue  # a test without a date cannot be read
        end = min(start + pd.Timedelta(days=days), as_of)
        row = {
            "campaign_id": campaign,
            "treated": int((test["group"] == TREATMENT).sum()),
            "held_out": int((test["group"] == HOLDOUT).sum()),
            "days_run": max(int((end.normalize() - start.normalize()).days), 0),
        }
        for what in ("spend", "visits"):
            value = spend_per_customer(test["customer_id"], repair_orders, start, end, what)
            a, b = value[test["group"].eq(TREATMENT).to_numpy()], value[test["group"].eq(HOLDOUT).to_numpy()]
            row[f"{what}_difference"] = float(a.mean() - b.mean()) if len(a) and len(b) else np.nan
            if len(a) > 1 and len(b) > 1 and (a.std() > 0 or b.std() > 0):
                low, high = CompareMeans(DescrStatsW(a), DescrStatsW(b)).tconfint_diff(alpha=ALPHA, usevar="unequal")
            else:
                low = high = np.nan
            row[f"{what}_low"], row[f"{what}_high"] = float(low), float(high)
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)
