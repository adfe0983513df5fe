"""The shared rules (toolkit/rules.py), each on a hand-worked example."""

import numpy as np
import pandas as pd

from toolkit import rules


def test_days_counts_calendar_days():
    ts = pd.Series(pd.to_datetime(["1970-01-02T23:59:00", "2024-03-01T00:01:00"]))
    assert rules.days(ts).tolist() == [1, 19783]
    assert rules.day(pd.Timestamp("2024-03-01T22:00")) == 19783  # the date counts, not the hour


def test_in_window_is_the_days_ending_on_the_end_date():
    dates = pd.Series(pd.to_datetime(["2025-04-01T00:00", "2025-04-02T00:00", "2025-06-30T23:00", "2025-07-01T00:00"]))
    # 90 days ending on 2025-06-30 run from 2025-04-02 (as_of - 89) to 2025-06-30
    assert rules.in_window(dates, pd.Timestamp("2025-06-30"), 90).tolist() == [False, True, True, False]


def test_a_window_is_closed_once_the_sale_is_as_old_as_its_end():
    age = pd.Series([29, 30, 31])
    assert rules.window_closed(age, 30).tolist() == [False, True, True]


def test_period_start_is_the_first_day_of_the_month_or_quarter():
    ts = pd.Series(pd.to_datetime(["2024-02-29T13:00", "2024-05-01T00:00"]))
    assert rules.period_start(ts).dt.strftime("%Y-%m-%d").tolist() == ["2024-02-01", "2024-05-01"]
    assert rules.period_start(ts, "Q").dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-04-01"]


def test_outbound_means_outbound_or_blank():
    touches = pd.DataFrame(
        {"direction": pd.Series(["outbound", None, "inbound", "outbound"], dtype="str"), "n": [1, 2, 3, 4]}
    )
    assert rules.is_outbound(touches).tolist() == [True, True, False, True]
    assert rules.outbound_touches(touches)["n"].tolist() == [1, 2, 4]
    first = touches.iloc[[0, 1, 3, 2]]  # outbound first, as loaded tables hold them: a slice
    assert rules.outbound_touches(first)["n"].tolist() == [1, 2, 4]


def test_paid_repair_orders_leave_out_internal_ones_only():
    ro = pd.DataFrame({"pay_type": pd.Series(["customer", "internal", None, "warranty", "recall"], dtype="str")})
    assert rules.is_paid(ro).tolist() == [True, False, True, True, True]


def test_sales_gross_is_front_plus_back_with_blanks_as_zero():
    sales = pd.DataFrame(
        {
            "front_gross": pd.array([1000.0, None, 250.5], dtype="Float64"),
            "back_gross": pd.array([500.0, 300.0, None], dtype="Float64"),
        }
    )
    assert rules.sales_gross(sales).tolist() == [1500.0, 300.0, 250.5]


def test_shares_and_ratios_with_nothing_to_divide_by():
    assert rules.share(pd.Series([True, False, None, True], dtype="boolean")) == 2 / 3  # the unknown is left out
    assert rules.share(pd.Series([], dtype="boolean")) is None
    assert rules.share(np.array([True, False])) == 0.5
    assert rules.ratio(3, 2) == 1.5
    assert rules.ratio(3, 0) is None
    out = rules.ratios(pd.Series([3, 1]), pd.Series([2, 0]))
    assert out.iloc[0] == 1.5 and np.isnan(out.iloc[1])


def test_filter_period_keeps_whole_days_and_drops_undated_rows():
    df = pd.DataFrame({"at": pd.to_datetime(["2024-01-01T23:59", "2024-01-02T00:00", "2024-01-31T08:00", None])})
    assert rules.filter_period(df, "at") is df  # no period: nothing copied
    assert rules.filter_period(df, "at", "2024-01-02", "2024-01-31").index.tolist() == [1, 2]
    assert rules.filter_period(df, "at", end="2024-01-01").index.tolist() == [0]


def test_the_month_as_of_cuts_short_is_partial():
    months = pd.Series(pd.to_datetime(["2025-05-01T00:00", "2025-06-01T00:00"]))
    assert rules.is_partial(months, pd.Timestamp("2025-06-29")).tolist() == [False, True]
    assert rules.is_partial(months, pd.Timestamp("2025-06-30")).tolist() == [False, False]  # June is whole
    quarters = pd.Series(pd.to_datetime(["2025-04-01T00:00"]))
    assert rules.is_partial(quarters, pd.Timestamp("2025-06-15"), "Q").tolist() == [True]
