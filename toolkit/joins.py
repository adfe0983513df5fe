"""Joins, lookups and day numbers that stay fast on a dealer group's tables.

With millions of touches, pandas merges and ``isin`` on text IDs spend most of
their time hashing and copying strings. These helpers turn IDs into integer
codes once (with Arrow's hash kernels), pair and match rows with NumPy, and
count days as integers, so the analyses work on small integer arrays and fetch
text only for the rows they show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toolkit.rules import days


def _arrow(values: pd.Series | pd.Index) -> pa.Array:
    arr = pa.array(values, from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def positions(values: pd.Series | pd.Index, keys: pd.Series | pd.Index) -> np.ndarray:
    """For each value, its position among the distinct ``keys`` in order of first appearance
    (its row, when the keys are unique); -1 when it is not there (or is missing). Equal values
    get equal positions, so these serve as integer codes for joining and counting."""
    found = pc.index_in(_arrow(values), value_set=pc.unique(_arrow(keys)), skip_nulls=True)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def filled(values: pd.Series, other: pd.Series) -> pd.Series:
    """``values`` (text) with each missing value taken from ``other`` (text of the same length),
    on ``values``' index: what ``values.fillna(other)`` gives, with Arrow's kernel, which is
    several times faster on a group's millions of touches."""
    text, fill = (pa.array(s.astype("str").array) for s in (values, other))
    both = pc.coalesce(text, fill.cast(text.type))  # Arrow's string or large_string, as loaded
    return pd.Series(pd.array(both, dtype="str"), index=values.index, name=values.name)


def codes(values: pd.Series, *others: pd.Series) -> list[np.ndarray]:
    """Integer codes for ``values`` and for each of ``others`` on one scale: equal IDs get equal
    codes; a missing ID, or one of ``others`` not among ``values``, gets -1 (it can match nothing
    in ``values``). ``values`` is factorised; the others are only looked up among its distinct
    IDs, which costs less per row, so put the shorter column first."""
    code, uniques = pd.factorize(values)
    return [code.astype(np.int64), *(positions(other, uniques) for other in others)]


def rows_of(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """For each value, the row of ``keys`` (a unique ID column such as touches' touch_id) that
    holds it; -1 when none does. Only the distinct values are hashed, which is what makes this
    cheap when a few hundred thousand events name a few million touches."""
    distinct = pc.unique(_arrow(values))
    at = pc.index_in(_arrow(keys), value_set=distinct, skip_nulls=True).fill_null(-1).to_numpy(zero_copy_only=False)
    row = np.full(len(distinct) + 1, -1, np.int64)  # the extra slot answers values that are missing
    named = np.flatnonzero(at >= 0)
    row[at[named]] = named
    return row[positions(values, distinct)]


def isin(values: pd.Series, keys: pd.Series | pd.Index) -> np.ndarray:
    """``values.isin(keys)`` as a NumPy boolean array (missing values are never in)."""
    return (
        pc.is_in(_arrow(values), value_set=_arrow(keys), skip_nulls=True)
        .fill_null(False)
        .to_numpy(zero_copy_only=False)
    )


def pair_rows(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (left row, right row) pair with the same non-negative code — an inner many-to-many
    join on integer codes such as :func:`positions` returns — in no particular order.

    Only the shorter side is sorted; the longer one is matched by counting, so pairing a few
    hundred thousand sales with millions of touches costs little more than reading the codes.
    """
    if len(left) > len(right):
        right_rows, left_rows = pair_rows(right, left)
        return left_rows, right_rows
    code, other = left + 1, right + 1  # missing (-1) becomes 0, which never pairs
    counts = np.bincount(code, minlength=max(code.max(initial=0), other.max(initial=0)) + 1)
    starts = np.cumsum(counts) - counts
    counts[0] = 0
    per_right = counts[other]
    right_rows = np.repeat(np.arange(len(right)), per_right)
    offset = np.arange(len(right_rows)) - np.repeat(np.cumsum(per_right) - per_right, per_right)
    left_rows = np.argsort(code, kind="stable")[np.repeat(starts[other], per_right) + offset]
    return left_rows, right_rows


def isin_pairs(values: tuple[np.ndarray, np.ndarray], keys: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Whether each pair of codes (a, b) of ``values`` occurs among the pairs of ``keys`` (codes as
    :func:`codes` gives them; a pair with a missing code never matches)."""
    width = max(values[1].max(initial=0), keys[1].max(initial=0)) + 1

    def pair(a, b):
        return np.where((a >= 0) & (b >= 0), a * width + b, -1)

    have = pair(*keys)
    return pc.is_in(pa.array(pair(*values)), value_set=pa.array(have[have >= 0])).to_numpy(zero_copy_only=False)


def followed_within(
    who: np.ndarray, at: pd.Series, event_who: np.ndarray, event_at: pd.Series, within: int, exact: bool
) -> np.ndarray:
    """Whether each (customer, moment) is followed by an event of that customer within ``within``
    calendar days — the next event at or after the moment (``exact``), or strictly after it.
    ``who`` and ``event_who`` are customer codes on one scale (:func:`codes`)."""
    t = pd.DataFrame({"who": who, "at": at.to_numpy(), "row": np.arange(len(at))})
    e = pd.DataFrame({"who": event_who, "next": event_at.to_numpy()})
    # stable sorts: exports arrive nearly in time order, which a merge sort finishes quickly
    nxt = pd.merge_asof(
        t[t["who"] >= 0].sort_values("at", kind="stable"),
        e[e["who"] >= 0].sort_values("next", kind="stable"),
        left_on="at",
        right_on="next",
        by="who",
        direction="forward",
        allow_exact_matches=exact,
    )
    gap = days(nxt["next"]) - days(nxt["at"])
    followed = np.zeros(len(at), bool)
    followed[nxt["row"].to_numpy()] = nxt["next"].notna().to_numpy() & (gap <= within)
    return followed


def labels(code: np.ndarray, names: list[str], index: pd.Index | None = None) -> pd.Series:
    """Text labels ``names[code]`` for small integer codes, built without a Python object per row."""
    coded = pa.DictionaryArray.from_arrays(np.asarray(code, np.int8), pa.array(names, pa.large_string()))
    return pd.Series(coded.cast(pa.large_string()), index=index, dtype="str")


def value_counts(values: pd.Series) -> dict:
    """How many times each (non-missing) value occurs."""
    counts = pc.value_counts(_arrow(values).drop_null())
    return dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist()))
