"""The rules every playbook shares, each written once.

What counts as a touch the dealership sent, a repair order that is real service business, a sale's
gross, a calendar day, a month, a window that has closed, and a share or ratio when there is
nothing to divide by. The data contract (docs/data.md) and the KPI definitions
(docs/playbooks.md) say these in words; every analysis imports them from here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

YEAR = 365  # days in "the first year", "12-month retention" and the engagement score's look-back
FIRST_SERVICE_DAYS = 30  # a first service appointment counts when set 0-30 days after the sale
RESPONSE_DAYS = 7  # an event answers a touch when it comes at most 7 calendar days later


def day(timestamp: pd.Timestamp) -> int:
    """Calendar days since 1970-01-01 of one timestamp (as :func:`days`)."""
    return int(np.datetime64(pd.Timestamp(timestamp).normalize().date(), "D").astype(np.int64))


def days(timestamps: pd.Series) -> np.ndarray:
    """Calendar days since 1970-01-01 of each timestamp (the date part only), as int64; missing
    timestamps become the smallest int64. Day counts are differences of these: whole calendar days
    between the dates of two timestamps, times of day ignored."""
    return timestamps.to_numpy("datetime64[D]").astype(np.int64)


def in_window(dates: pd.Series, end: pd.Timestamp, length: int) -> np.ndarray:
    """Whether each date falls in the ``length`` calendar days ending on ``end`` (a NumPy mask)."""
    day_of, last = days(dates), day(end)
    return (day_of > last - length) & (day_of <= last)


def window_closed(age: pd.Series | np.ndarray, end: int) -> pd.Series | np.ndarray:
    """Whether something ``age`` days old (a sale, say) is eligible for a window that ends ``end``
    days after it: the window has closed by as_of, so its outcome is known."""
    return age >= end


def period_start(timestamps: pd.Series, period: str = "M") -> pd.Series:
    """The first day of each timestamp's month (``period="M"``) or quarter (``"Q"``)."""
    return timestamps.dt.to_period(period).dt.to_timestamp()


def is_partial(period_starts: pd.Series, as_of: pd.Timestamp, period: str = "M") -> np.ndarray:
    """Whether each month (or quarter) — given by its first day — is cut short by ``as_of``: it ends
    after as_of, so its counts are not yet comparable with a whole one."""
    ends = period_starts.dt.to_period(period).dt.end_time.dt.normalize()
    return (ends > pd.Timestamp(as_of).normalize()).to_numpy(bool)


def filter_period(df: pd.DataFrame, column: str, start: str = "", end: str = "") -> pd.DataFrame:
    """Rows whose ``column`` date falls between ``start`` and ``end`` (whole days, both included;
    blank means open-ended)."""
    if not start and not end:
        return df
    day = df[column].to_numpy("datetime64[D]")
    keep = ~np.isnat(day)
    if start:
        keep &= day >= np.datetime64(pd.Timestamp(start).date(), "D")
    if end:
        keep &= day <= np.datetime64(pd.Timestamp(end).date(), "D")
    return df if keep.all() else df[keep]


def of_salesperson(df: pd.DataFrame, who: str) -> pd.DataFrame:
    """The rows of one salesperson (``salesperson_id``); blank or ``"everyone"`` keeps every row."""
    return df if who in ("", "everyone") else df[df["salesperson_id"] == who]


def is_outbound(touches: pd.DataFrame) -> np.ndarray:
    """Whether each touch is one the dealership sent: ``direction`` outbound or blank (the
    contract's default)."""
    direction = touches["direction"]
    return (direction.isna() | direction.eq("outbound")).to_numpy(bool)


def outbound_touches(touches: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """The touches the dealership sent (:func:`is_outbound`). ``columns`` picks the columns to
    keep, which is much faster on millions of touches."""
    sent = is_outbound(touches)
    chosen = touches[columns] if columns else touches
    first = int(sent.sum())
    if sent[:first].all():  # loaded tables hold outbound touches first: a slice, not a copy
        return chosen.iloc[:first] if first < len(sent) else chosen
    return chosen[sent]


def is_follow_up(touches: pd.DataFrame) -> np.ndarray:
    """Whether each touch is a follow-up a person made for that customer: sent by the dealership,
    ``staff_id`` set and ``campaign_id`` blank. A CRM's automated sold-workflow e-mail in the
    salesperson's name counts; a marketing campaign that lands in the same days does not."""
    return (
        is_outbound(touches) & touches["staff_id"].notna().to_numpy(bool) & touches["campaign_id"].isna().to_numpy(bool)
    )


def is_paid(repair_orders: pd.DataFrame) -> np.ndarray:
    """Whether each repair order is service business that shows a customer came back: every pay
    type but ``internal`` (pre-delivery inspections and the like); a blank pay type is a
    customer-pay order."""
    return repair_orders["pay_type"].fillna("customer").ne("internal").to_numpy(bool)


def is_customer_pay(repair_orders: pd.DataFrame) -> np.ndarray:
    """Whether each repair order is paid by the customer (pay type ``customer`` or blank): the
    service spend a customer chooses, which engagement might move (warranty work is paid by the
    maker, internal work by the dealership)."""
    return repair_orders["pay_type"].fillna("customer").eq("customer").to_numpy(bool)


def sales_gross(sales: pd.DataFrame) -> pd.Series:
    """Each deal's gross: front plus back, a blank part counting as zero."""
    return sales["front_gross"].fillna(0) + sales["back_gross"].fillna(0)


def share(mask) -> float | None:
    """The share of True among the known (non-missing) values; None when none is known."""
    known = pd.Series(mask).dropna()
    return float(known.mean()) if len(known) else None


def ratio(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator``; None when the denominator is zero (nothing to compare with)."""
    return float(numerator / denominator) if denominator else None


def ratios(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """Row by row :func:`ratio`: NaN where the denominator is zero."""
    return numerator / denominator.replace(0, np.nan)
