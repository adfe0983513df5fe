"""The integer joins behind the group-scale analyses, against pandas on hand-made IDs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from toolkit import joins


def test_positions_and_isin_treat_missing_as_absent():
    keys = pd.Series(["C1", "C1", None, "C2"], dtype="str")
    values = pd.Series(["C2", "C9", None, "C1"], dtype="str")
    assert joins.positions(values, keys).tolist() == [2, -1, -1, 0]  # among C1, (missing), C2
    assert joins.isin(values, keys).tolist() == [True, False, False, True]


def test_pair_rows_is_an_inner_many_to_many_join():
    left = np.array([0, 1, 0, -1])  # sales of customers 0, 1, 0 and one of no known customer
    right = np.array([1, 0, 2, 0, -1])  # touches
    pairs = sorted(zip(*joins.pair_rows(left, right)))
    assert pairs == [(0, 1), (0, 3), (1, 0), (2, 1), (2, 3)]
    assert sorted(zip(*joins.pair_rows(right, left))) == sorted((b, a) for a, b in pairs)


@given(st.lists(st.integers(-1, 5), max_size=30), st.lists(st.integers(-1, 5), max_size=30))
def test_pair_rows_matches_pandas_merge(left, right):
    left, right = np.array(left, dtype=np.int64), np.array(right, dtype=np.int64)
    a = pd.DataFrame({"k": left, "l": np.arange(len(left))})
    b = pd.DataFrame({"k": right, "r": np.arange(len(right))})
    merged = a[a["k"] >= 0].merge(b, on="k")
    assert sorted(zip(*joins.pair_rows(left, right))) == sorted(zip(merged["l"], merged["r"]))


def test_codes_share_one_scale_and_pairs_match_on_both():
    touches = pd.Series(["C1", "C2", "C1", None], dtype="str")
    events = pd.Series(["C2", "C3", "C1"], dtype="str")
    t, e = joins.codes(touches, events)
    assert t.tolist() == [0, 1, 0, -1] and e.tolist() == [1, -1, 0]
    campaign_t, campaign_e = np.array([5, 5, 6, 5]), np.array([5, 5, 6])
    # events hold (C2, 5) and (C1, 6); C3 is no touch customer and a missing customer never matches
    assert joins.isin_pairs((t, campaign_t), (e, campaign_e)).tolist() == [False, True, True, False]


def test_followed_within_counts_calendar_days_after_the_moment():
    at = pd.Series(pd.to_datetime(["2024-01-01T10:00", "2024-01-01T10:00", "2024-01-05T00:00"]))
    event_at = pd.Series(pd.to_datetime(["2024-01-01T10:00", "2024-01-08T23:00"]))
    who, event_who = np.array([0, 1, 0]), np.array([0, 0])
    # the same moment counts only when exact; 2024-01-08 is 7 days after 2024-01-01 and 3 after 01-05
    assert joins.followed_within(who, at, event_who, event_at, 7, exact=True).tolist() == [True, False, True]
    assert joins.followed_within(who, at, event_who, event_at, 6, exact=False).tolist() == [False, False, True]


def test_rows_of_finds_the_row_each_id_names():
    touch_ids = pd.Series(["T1", "T2", "T3"], dtype="str")
    named = pd.Series(["T3", None, "T9", "T1", "T3"], dtype="str")
    assert joins.rows_of(named, touch_ids).tolist() == [2, -1, -1, 0, 2]


def test_missing_text_is_filled_from_the_other_column_as_fillna_would():
    values = pd.Series(["price", None, "", None], index=[7, 8, 9, 10], dtype="str", name="gives")
    other = pd.Series(["info", "reminder", "gift", None], dtype="str")  # its own index: rows pair by position
    filled = joins.filled(values, other)
    assert filled.tolist()[:3] == ["price", "reminder", ""] and pd.isna(filled.iloc[3])
    assert filled.index.tolist() == [7, 8, 9, 10] and filled.name == "gives" and filled.dtype == "str"
    untyped = pd.Series([None, None], dtype=object)  # a column the export left empty
    assert joins.filled(untyped, pd.Series(["ask", None], dtype="str")).tolist()[0] == "ask"
