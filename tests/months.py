"""Simulated monthly measures whose truth is known: a share measured on fresh units each month at
a rate set per month, for the trend and quarter-comparison tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.analyses import trends


def monthly_shares(
    rates: dict[str, float], per_month: int, seed: int, kpi: str = "s", what: str = "units"
) -> trends.Measure:
    """``per_month`` units a month (days drawn within the month), each a hit at that month's rate."""
    rng = np.random.default_rng(seed)
    when, hit = [], []
    for month, rate in rates.items():
        when += [pd.Timestamp(month) + pd.Timedelta(days=int(d)) for d in rng.integers(0, 28, per_month)]
        hit += list(rng.random(per_month) < rate)
    return trends.measure(kpi, "share", pd.Series(when), hit, what=what)
