"""Is the dealer getting better? A headline KPI month by month, and the latest quarter against the
one before and the same quarter a year earlier, each with its count and 95% interval.

Every trend is built from the same six sums per month (and per store, where the data has
``store_id``): ``units`` counted, the numerator and denominator summed, and their squares and
cross-product summed. From those the value, its interval and the test between two periods follow
for any of the three kinds a KPI can be (:data:`KINDS`):

- ``share`` — units that meet a condition out of all units (e-mail coverage among customers
  created in the month); Wilson interval, two-proportion z-test.
- ``ratio`` — one count over another of the same units (touches that give over touches that ask);
  a delta-method interval, treating the units as independent.
- ``mean`` — the average of one number per unit (a respondent's mean score); Student's t interval,
  Welch's test.

Pooling months into a quarter, or stores into the rest of the group, is adding their sums. A
month ``as_of`` cuts short is ``partial``: shown, but left out of the quarter comparison, so an
unfinished month is never read as a fall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from toolkit import rules
from toolkit.analyses.evidence import ALPHA, MIN_N, share_interval

MONTHS = 24  # the trend window: the 24 months up to as_of
KINDS = ("share", "ratio", "mean")
SUMS = ["units", "num", "den", "num2", "den2", "numden"]
COMPARISONS = ("previous quarter", "a year before")


@dataclass(frozen=True)
class Measure:
    """One KPI's monthly sums: ``sums`` is indexed by ``month`` (first day) and ``store`` (blank
    when the data has no ``store_id``) with the :data:`SUMS` columns; ``kind`` is one of
    :data:`KINDS`; ``denominator`` says in words what ``n`` counts. ``repeated`` marks a measure
    whose units come back every month (every customer, each month): pooled over months, each unit
    then counts once — the months' sums are averaged, not added — so a quarter of the same
    customers is not taken for three times as many."""

    kpi: str
    kind: str
    sums: pd.DataFrame
    denominator: str
    repeated: bool = False

    def pooled(self, months: pd.DataFrame) -> pd.Series:
        """The sums of several months (rows of :meth:`by_month`) pooled into one period."""
        total = months[SUMS].sum()
        return total / len(months) if self.repeated and len(months) else total

    def of_store(self, store: str) -> Measure:
        """The same measure for one store only ("all" keeps every store)."""
        if store == "all":
            return self
        chosen = self.sums[self.sums.index.get_level_values("store") == store]
        return Measure(self.kpi, self.kind, chosen, self.denominator, self.repeated)

    def by_month(self) -> pd.DataFrame:
        """The sums per month, stores added together."""
        return self.sums.groupby(level="month").sum()


def measure(
    kpi: str,
    kind: str,
    when: pd.Series,
    numerator,
    denominator=None,
    *,
    store: pd.Series | None = None,
    cluster=None,
    what: str,
) -> Measure:
    """A :class:`Measure` from one row per observation: its date ``when`` (rows without one are
    left out), its ``numerator`` (a flag or a number) and ``denominator`` (a flag; 1 per row when
    omitted), and its ``store``. Rows of one ``cluster`` in one month (the touches of one
    campaign, the answers of one respondent) are one unit: they stand or fall together, so the
    interval counts them once. ``what`` names what the denominator counts ("customers created")."""
    return _from_rows(kpi, kind, _month_numbers(when), numerator, denominator, store, cluster, what)


def snapshot(
    kpi: str, kind: str, as_of: pd.Timestamp, numerator, denominator=None, *, store=None, cluster=None, what: str
) -> Measure:
    """A headline KPI as one period dated as_of (rows as :func:`measure`): what :func:`by_store`
    breaks down by store."""
    day = pd.Timestamp(as_of)
    months = np.full(len(np.asarray(numerator)), day.year * 12 + day.month - 1, np.int64)
    return _from_rows(kpi, kind, months, numerator, denominator, store, cluster, what)


def _month_numbers(when: pd.Series) -> np.ndarray:
    """Each date's month as year × 12 + month − 1 (its own wall-clock month); −1 without a date."""
    wall = when.dt.tz_localize(None) if getattr(when.dt, "tz", None) is not None else when
    known = when.notna().to_numpy()
    months = wall.to_numpy("datetime64[M]").astype(np.int64) + 1970 * 12
    return np.where(known, months, -1)


def _codes(values, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``values`` (None: one code for every row) and the values they stand for,
    a missing value coded as the blank one."""
    if values is None:
        return np.zeros(n, np.int64), np.array([""], object)
    codes, names = pd.factorize(pd.Series(values).reset_index(drop=True))
    names = np.append(np.asarray(names, object).astype(str), "")
    return np.where(codes < 0, len(names) - 1, codes).astype(np.int64), names


def _from_rows(kpi, kind, months, numerator, denominator, store, cluster, what) -> Measure:
    """Counted with NumPy: a dealer group's four million touches take well under a second."""
    if kind not in KINDS:
        raise ValueError(f"kind is one of {KINDS}, not {kind!r}")
    num = np.asarray(numerator, float)
    den = np.ones(len(num)) if denominator is None else np.asarray(denominator, float)
    keep = months >= 0
    store_code, store_names = _codes(store, len(num))
    first = int(months[keep].min()) if keep.any() else 0
    cell = (months[keep] - first) * len(store_names) + store_code[keep]  # one per month and store
    num, den = num[keep], den[keep]
    if cluster is not None:
        clusters = np.asarray(cluster)
        codes = clusters if clusters.dtype.kind in "iu" else pd.factorize(pd.Series(clusters))[0]
        width = int(codes.max(initial=0)) + 1
        which, units = pd.factorize(cell * width + codes[keep])  # hashing: faster than sorting
        num, den, cell = np.bincount(which, num), np.bincount(which, den), units // width
    size = int(cell.max(initial=-1)) + 1  # months × stores: a few thousand cells at most
    counted = {
        "units": np.bincount(cell, minlength=size).astype(float),
        "num": np.bincount(cell, num, size),
        "den": np.bincount(cell, den, size),
        "num2": np.bincount(cell, num * num, size),
        "den2": np.bincount(cell, den * den, size),
        "numden": np.bincount(cell, num * den, size),
    }
    cells = np.flatnonzero(counted["units"])
    sums = pd.DataFrame(
        {name: values[cells] for name, values in counted.items()},
        index=pd.MultiIndex.from_arrays(
            [
                (np.asarray(first + cells // len(store_names) - 1970 * 12, "datetime64[M]")).astype("datetime64[ns]"),
                store_names[cells % len(store_names)],
            ],
            names=["month", "store"],
        ),
    )
    return Measure(kpi, kind, sums, what)


def repeated_share(kpi: str, sums: pd.DataFrame, *, what: str) -> Measure:
    """A share whose units come back every month (customers engaged in the month, of all
    customers), from counts already made: a ``month`` and ``store`` column, ``units`` (the
    denominator) and ``num`` (the units that qualified in the month)."""
    num, units = sums["num"].astype(float), sums["units"].astype(float)
    frame = sums[["month", "store"]].assign(units=units, num=num, den=units, num2=num, den2=units, numden=num)
    return Measure(kpi, "share", frame.set_index(["month", "store"])[SUMS], what, repeated=True)


def stores_of(table: pd.DataFrame) -> np.ndarray:
    """Each row's ``store_id`` as text, blank where it has none (or the table has no such column)."""
    if "store_id" not in table:
        return np.full(len(table), "", object)
    return table["store_id"].fillna("").astype(str).to_numpy(object)


def estimates(sums: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Per row of ``sums``: ``value``, ``n`` (the denominator's count), ``lower`` and ``upper``
    (95%), and ``variance`` (of the value). No denominator → value, interval and variance NaN."""
    units, num, den = (sums[c].to_numpy(float) for c in ("units", "num", "den"))
    has = den > 0
    value = np.where(has, num / np.where(has, den, 1), np.nan)
    if kind == "share":
        lower, upper = share_interval(num, den)
        variance = np.where(has, value * (1 - value) / np.where(has, den, 1), np.nan)
        n = den
    elif kind == "ratio":
        spread = sums["num2"].to_numpy(float) - 2 * value * sums["numden"].to_numpy(float)
        spread += value**2 * sums["den2"].to_numpy(float)
        variance = np.where(has, np.maximum(spread, 0) / np.where(has, den, 1) ** 2, np.nan)
        half = _z() * np.sqrt(variance)
        lower, upper = np.maximum(value - half, 0), value + half
        n = den
    else:
        from scipy.stats import t

        many = units > 1
        sd2 = np.where(many, (sums["num2"].to_numpy(float) - units * value**2) / np.where(many, units - 1, 1), np.nan)
        variance = np.where(many, np.maximum(sd2, 0) / np.where(many, units, 1), np.nan)
        half = t.ppf(1 - ALPHA / 2, np.where(many, units - 1, 1)) * np.sqrt(variance)
        lower, upper = value - half, value + half
        n = units
    return pd.DataFrame(
        {"value": value, "n": n.astype(int), "lower": lower, "upper": upper, "variance": variance}, index=sums.index
    )


def _z(alpha: float = ALPHA) -> float:
    from scipy.stats import norm

    return float(norm.ppf(1 - alpha / 2))


def monthly(m: Measure, as_of: pd.Timestamp, *, months: int = MONTHS, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """The ``months`` months up to the month of ``end`` (default: as_of), oldest first: ``month``,
    ``value``, ``n``, ``lower``, ``upper``, ``partial`` (as_of cuts the month short) and the sums.
    A month with no denominator has value NaN and n 0."""
    last = pd.Timestamp(end if end is not None else as_of).to_period("M")
    index = pd.period_range(last - (months - 1), last, freq="M").to_timestamp()
    sums = m.by_month().reindex(index, fill_value=0.0)
    sums.index.name = "month"
    out = estimates(sums, m.kind).join(sums).reset_index()
    out["partial"] = rules.is_partial(out["month"], as_of)
    return out.drop(columns="variance")


def records(trend: pd.DataFrame) -> list[dict]:
    """A monthly trend as results.json holds it: period "YYYY-MM", value, n, lower, upper, partial
    (value and interval null where n is 0)."""
    return [
        {"period": r.month.strftime("%Y-%m"), **_estimate(r), "partial": bool(r.partial)} for r in trend.itertuples()
    ]


def _estimate(row) -> dict:
    """A row's value, count and 95% interval as plain JSON values (null for no value)."""
    plain = {k: getattr(row, k) for k in ("value", "n", "lower", "upper")}
    return {k: None if pd.isna(v) else (int(v) if k == "n" else float(v)) for k, v in plain.items()}


def compare(a: pd.Series, b: pd.Series, kind: str, alpha: float = ALPHA) -> dict:
    """Period (or group) ``a`` against ``b``, each a row of sums: both values and counts, the
    difference ``a − b`` with its ``1 − alpha`` interval, and the two-sided p-value of the same
    test, so the interval leaves out zero exactly when p < alpha: a z-test on the difference's
    standard error for shares and ratios, Welch's t-test for means. p is 1 when either side has
    nothing to measure, or nothing varies on either side while the values agree."""
    from scipy.stats import t

    both = estimates(pd.DataFrame([a, b]), kind)
    (va, vb), (na, nb) = both["value"].to_numpy(), both["n"].to_numpy()
    difference = va - vb
    variances = both["variance"].to_numpy()
    se = float(np.sqrt(variances.sum()))
    out = {
        "value": va,
        "n": int(na),
        "units": float(a["units"]),
        "other": vb,
        "other_n": int(nb),
        "other_units": float(b["units"]),
        "difference": difference,
    }
    if not (na and nb) or np.isnan(difference) or np.isnan(se):
        return {**out, "lower": np.nan, "upper": np.nan, "p": 1.0}
    if se == 0:
        return {**out, "lower": difference, "upper": difference, "p": 0.0 if difference else 1.0}
    df = np.inf if kind != "mean" else _welch_df(variances, a["units"], b["units"])
    half = float(t.ppf(1 - alpha / 2, df)) * se
    return {
        **out,
        "lower": difference - half,
        "upper": difference + half,
        "p": float(2 * t.sf(abs(difference) / se, df)),
    }


def _welch_df(variances: np.ndarray, units_a: float, units_b: float) -> float:
    """Welch–Satterthwaite degrees of freedom of a difference of two means."""
    va, vb = variances
    return float((va + vb) ** 2 / (va**2 / max(units_a - 1, 1) + vb**2 / max(units_b - 1, 1)))


def quarter_changes(m: Measure, as_of: pd.Timestamp, *, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """The latest quarter up to the month of ``end`` (default: as_of) — its whole months, up to the
    last with something to measure — against the quarter
    before (all three months) and against the same months a year earlier (like with like when the
    latest quarter is not over). Rows :data:`COMPARISONS`; columns ``latest`` and ``against`` (the
    months compared, first and last day), value, n, other, other_n, difference with its interval
    (lower, upper), p, p_adjusted and ``verdict``: "up" or "down" when the corrected p is under
    5%, "within noise", or "too few" when either side has fewer than ``MIN_N`` units (customers,
    sales, campaigns, respondents: what the interval counts). The two comparisons are corrected
    together by Bonferroni, and the differences' intervals are the matching 97.5% ones, so an
    interval that leaves out zero is exactly a change beyond noise."""
    trend = monthly(m, as_of, months=16, end=end)  # back to the quarter a year before
    whole = trend[~trend["partial"]].set_index("month")
    if not (whole["n"] > 0).any():
        return pd.DataFrame(columns=["latest", "against", "verdict"])
    last = whole.index[whole["n"] > 0].max()  # the latest whole month with something to measure
    quarter = rules.period_start(pd.Series([last]), "Q").iloc[0]
    latest = whole.loc[quarter:last]
    spans = {
        "previous quarter": (quarter - pd.DateOffset(months=3), quarter - pd.DateOffset(days=1)),
        "a year before": (quarter - pd.DateOffset(years=1), last - pd.DateOffset(years=1)),
    }
    rows = {}
    for name, (start, stop) in spans.items():
        other = whole.loc[start:stop]
        row = compare(m.pooled(latest), m.pooled(other), m.kind, ALPHA / len(spans))
        row["latest"] = (latest.index.min(), latest.index.max() + pd.offsets.MonthEnd(0))
        row["value_lower"], row["value_upper"] = estimates(m.pooled(latest).to_frame().T, m.kind).iloc[0][
            ["lower", "upper"]
        ]
        row["against"] = (start, stop + pd.offsets.MonthEnd(0)) if len(other) else None
        rows[name] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    return _verdicts(out, "bonferroni")


def _verdicts(out: pd.DataFrame, method: str) -> pd.DataFrame:
    from statsmodels.stats.multitest import multipletests

    large = (out["units"] >= MIN_N) & (out["other_units"] >= MIN_N)
    out["p_adjusted"] = np.nan
    if large.any():
        out.loc[large, "p_adjusted"] = multipletests(out.loc[large, "p"].astype(float), alpha=ALPHA, method=method)[1]
    beyond = large & (out["p_adjusted"] < ALPHA)
    out["verdict"] = np.where(
        ~large, "too few", np.where(~beyond, "within noise", np.where(out["difference"] > 0, "up", "down"))
    )
    return out


def by_store(m: Measure) -> pd.DataFrame:
    """Each store's value (every month of ``m`` pooled), with its count and 95% interval, against
    the rest of the group pooled: rest, difference and its interval (``diff_lower``,
    ``diff_upper``), p, p_adjusted (Holm over the stores large enough) and verdict ("above",
    "below", "within noise", "too few"). Empty unless the data names two stores or more."""
    sums = pd.DataFrame({s: m.pooled(rows) for s, rows in m.sums.groupby(level="store")}).T
    sums = sums[sums.index != ""]
    if len(sums) < 2:  # one store (or none) has no rest to compare with
        return pd.DataFrame(columns=["store", "value", "n", "lower", "upper", "rest", "difference", "verdict"])
    total = sums.sum()
    rows = {}
    for store in sums.index:
        row = compare(sums.loc[store], total - sums.loc[store], m.kind)
        rows[store] = {
            "value": row["value"],
            "n": row["n"],
            "rest": row["other"],
            "other_n": row["other_n"],
            "units": row["units"],
            "other_units": row["other_units"],
            "difference": row["difference"],
            "diff_lower": row["lower"],
            "diff_upper": row["upper"],
            "p": row["p"],
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    bounds = estimates(sums, m.kind)
    out["lower"], out["upper"] = bounds["lower"], bounds["upper"]
    out = _verdicts(out, "holm")
    out["verdict"] = out["verdict"].replace({"up": "above", "down": "below"})
    return out.rename_axis("store").reset_index()


def store_records(table: pd.DataFrame) -> list[dict]:
    """A :func:`by_store` table as results.json holds it: store, value, n, lower, upper, verdict."""
    return [{"store": str(r.store), **_estimate(r), "verdict": str(r.verdict)} for r in table.itertuples()]


def counts_record(m: Measure) -> dict:
    """A headline measure's sums, every month and store pooled, with its kind, as results.json
    ``headline_counts`` keeps them: what the next render compares itself with (:func:`change`)."""
    return {"kind": m.kind, **{k: float(v) for k, v in m.pooled(m.by_month()).items()}}


def change(current: dict, previous: dict) -> dict:
    """One headline KPI against the previous render's (two :func:`counts_record`): value, previous,
    difference with its 95% interval, p, and verdict "up", "down", "within noise" or "too few".
    The two renders share most of their customers, which makes a real change easier to see than
    this independent-samples test assumes: a change it calls beyond noise is one."""
    if current.get("kind") != previous.get("kind"):
        return {}
    a, b = pd.Series(current)[SUMS].astype(float), pd.Series(previous)[SUMS].astype(float)
    row = compare(a, b, current["kind"])
    large = row["units"] >= MIN_N and row["other_units"] >= MIN_N
    if not large:
        verdict = "too few"
    elif row["p"] < ALPHA:
        verdict = "up" if row["difference"] > 0 else "down"
    else:
        verdict = "within noise"
    found = {k: row[k] for k in ("value", "difference", "lower", "upper", "p")} | {"previous": row["other"]}
    return {k: None if pd.isna(v) else float(v) for k, v in found.items()} | {"verdict": verdict}
