"""The data contract's checks on typed tables: required and allowed values, ranges, unique keys
(with pandera), and references between tables.

Every problem names the file, the column, up to five rows with their values and what was
expected (:class:`~toolkit.errors.Problem`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toolkit.errors import Problem
from toolkit.inputs import parallel, schema

MAX_ROWS_SHOWN = 5
LINE_SUFFIXES = (".csv", ".txt", ".tsv")  # text files, whose rows are counted in lines
HEADED_SUFFIXES = (*LINE_SUFFIXES, ".xlsx", ".xlsm", ".xls")  # files whose first line or row is the header


FUTURE_GAP_DAYS = 366  # a date this far beyond all the others in its column is a typo
FUTURE_SHARE = 0.01  # ... when such dates are at most this share of the column's dates


def _row_labels(path: Path, raw: pd.Series, index: pd.Index) -> list[int]:
    lines = raw.attrs.get("lines")  # set when a CSV record spans lines or lines are blank
    if lines is not None:
        return [int(lines[i]) for i in index]
    offset = 2 if path.suffix.lower() in HEADED_SUFFIXES else 1  # the header is line or row 1
    return [int(i) + offset for i in index]


def problem(path: Path, column: str | None, expected: str, raw: pd.Series, mask: pd.Series) -> Problem:
    """A problem naming ``path``, ``column``, the first rows of ``raw`` where ``mask`` holds (by the
    file's physical line, or a Parquet or Excel file's row) and how many there are."""
    bad = raw[mask]
    shown = bad.head(MAX_ROWS_SHOWN)
    rows = tuple(zip(_row_labels(path, raw, shown.index), ("" if pd.isna(v) else str(v) for v in shown)))
    unit = "line" if path.suffix.lower() in LINE_SUFFIXES else "row"
    return Problem(path.name, column, expected, rows, int(mask.sum()), unit)


def far_future(dates: pd.Series) -> pd.Series:
    """Whether each date lies beyond a gap of more than :data:`FUTURE_GAP_DAYS` days above all the
    column's other dates, when such dates are few (at most :data:`FUTURE_SHARE` of the dated rows):
    a sale typed as 2099 rather than 2024."""
    days = dates.to_numpy("datetime64[D]")
    dated = days[~np.isnat(days)].astype(np.int64)
    first = dated.min() if len(dated) else 0
    known = (np.flatnonzero(np.bincount(dated - first)) + first).astype("datetime64[D]")  # the days, in order
    flagged = np.zeros(len(dates), bool)
    if len(known) < 2:
        return pd.Series(flagged, index=dates.index)
    gaps = np.flatnonzero(np.diff(known).astype(np.int64) > FUTURE_GAP_DAYS)
    for gap in gaps:  # the lowest gap that leaves few dates above it
        above = days > known[gap]
        if above.sum() <= FUTURE_SHARE * (~np.isnat(days)).sum():
            flagged = above
            break
    return pd.Series(flagged, index=dates.index)


def check_dates(path: Path, table: schema.Table, df: pd.DataFrame, raw: pd.DataFrame) -> list[Problem]:
    """A problem for each date column holding dates far beyond all the others (:func:`far_future`);
    such a date would otherwise move ``as_of`` years ahead and empty every window."""
    problems = []
    for col in table.columns:
        if col.kind == "datetime" and col.name in raw.columns:
            mask = far_future(df[col.name])
            if mask.any():
                expected = f"dates within {FUTURE_GAP_DAYS} days of the column's other dates; these lie far beyond"
                problems.append(problem(path, col.name, expected, raw[col.name], mask))
    return problems


def check_rules(path: Path, table: schema.Table, df: pd.DataFrame, raw: pd.DataFrame) -> list[Problem]:
    """Required values, allowed values, ranges and unique keys, checked with pandera."""
    import pandera.pandas as pa

    columns = {}
    for col in table.columns:
        checks = []
        if col.allowed and col.kind == "tags":
            checks.append(
                pa.Check(
                    lambda s, allowed=col.allowed: _tags_allowed(s, allowed),
                    error=f"';'-separated tags from: {', '.join(col.allowed)}",
                )
            )
        elif col.allowed:
            checks.append(
                pa.Check(lambda s, allowed=col.allowed: _allowed(s, allowed), error=f"one of: {', '.join(col.allowed)}")
            )
        if col.low is not None:
            checks.append(pa.Check.ge(col.low, error=f"at least {col.low:g}"))
        if col.high is not None:
            checks.append(pa.Check.le(col.high, error=f"at most {col.high:g}"))
        unique = table.key == (col.name,) and not strictly_increasing(df[col.name])
        columns[col.name] = pa.Column(
            checks=checks, nullable=not col.required, unique=unique, coerce=False, required=False
        )
    model = pa.DataFrameSchema(columns, unique=list(table.key) if len(table.key) > 1 else None)
    try:
        model.validate(df, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        return _problems_from_pandera(path, table, exc.failure_cases, df, raw)


def strictly_increasing(values: pd.Series) -> bool:
    """Whether every value is greater than the one before it (and none is blank), which proves a
    key unique without hashing millions of IDs: exports usually list rows by their ID."""
    arr = pa.chunked_array(pa.array(values.array)) if isinstance(values.dtype, pd.StringDtype) else None
    if arr is None or len(arr) < 2 or arr.null_count:
        return False
    return bool(pc.all(pc.greater(arr[1:], arr[:-1])).as_py())


def _allowed(values: pd.Series, allowed: tuple[str, ...]) -> pd.Series:
    """Whether each value is one of ``allowed`` (blank passes: required is checked apart)."""
    return _passes_by_distinct(values, lambda distinct: pc.is_in(distinct, value_set=pa.array(allowed)))


def _tags_allowed(values: pd.Series, allowed: tuple[str, ...]) -> pd.Series:
    """Whether every ``;``-separated tag of each value is one of ``allowed``."""

    def known(distinct: pa.Array) -> pa.Array:
        tags = pc.split_pattern(distinct, ";")
        unknown = ~pc.is_in(pc.list_flatten(tags), value_set=pa.array(allowed)).to_numpy(zero_copy_only=False)
        bad = np.zeros(len(distinct), bool)
        bad[pc.list_parent_indices(tags).to_numpy()[unknown]] = True
        return pa.array(~bad)

    return _passes_by_distinct(values, known)


def _passes_by_distinct(values: pd.Series, passes) -> pd.Series:
    """``passes`` (distinct Arrow text → whether each passes) checked once for each distinct value
    and spread back to every row; blank always passes. A column of choices or tags has a handful
    of distinct values among millions of rows."""
    text = pa.array(values.array, from_pandas=True, type=pa.large_string())
    distinct = pc.drop_null(pc.unique(text))
    ok = passes(distinct)
    if pc.all(ok).as_py() is not False:
        return pd.Series(np.ones(len(values), bool), index=values.index)
    at = pc.index_in(text, value_set=distinct).fill_null(-1).to_numpy(zero_copy_only=False)
    known = np.asarray(ok.to_numpy(zero_copy_only=False), bool)
    return pd.Series((at < 0) | known[at], index=values.index)


def _problems_from_pandera(path, table, cases: pd.DataFrame, df, raw) -> list[Problem]:
    problems = []
    cases = cases[cases["index"].notna()]
    for (column, check), group in cases.groupby(["column", "check"], sort=False, dropna=False):
        rows = pd.Index(sorted({int(i) for i in group["index"]}))
        if check == "not_nullable":
            expected = "a value in every row (this column is required)"
        elif check in ("field_uniqueness", "multiple_fields_uniqueness"):
            expected = f"unique {' + '.join(table.key)}; these values repeat"
            column = column if column in df.columns else " + ".join(table.key)
        else:
            expected = str(check)
        source = raw[column] if column in raw.columns else df[list(table.key)].astype(str).agg(" + ".join, axis=1)
        mask = pd.Series(False, index=df.index)
        mask[rows] = True
        if check == "not_nullable":  # values that failed to parse were reported already
            mask &= raw[column].isna()
        if mask.any():
            problems.append(problem(path, column, expected, source, mask))
    return problems


def check_references(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Warnings for IDs that name a row missing from the table they refer to.

    Exports from one CRM are often cut at slightly different moments, so an
    unknown customer, staff member, touch or campaign is a warning, not an
    error: the row is kept, and analyses per customer simply find no match.
    Each table's keys are unique here (loading stops at a repeated key first).
    """
    pairs = [
        (name, column, target)
        for name, df in tables.items()
        for column, target in schema.TABLES[name].references
        if target in tables and column in df.columns
    ]

    def unknown(pair: tuple[str, str, str]) -> np.ndarray:
        name, column, target = pair
        return _unknown(tables[name][column], tables[target][schema.TABLES[target].key[0]])

    warnings = []
    for (name, column, target), mask in zip(pairs, parallel.each(unknown, pairs)):
        if mask.any():
            values = tables[name][column]
            expected = f"IDs found in {target}.csv; these are not there (rows kept)"
            warnings.append(problem(Path(f"{name}.csv"), column, expected, values, pd.Series(mask, index=values.index)))
    return warnings


def _unknown(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Whether each value is missing from ``keys`` (unique IDs; a blank value is never missing).
    Only the distinct values are hashed and the keys looked up among them, because a few hundred
    thousand events name a few hundred thousand of millions of touches; the values are looked up
    one by one only when some are not there."""
    text, key_text = (pa.array(c.array, from_pandas=True, type=pa.large_string()) for c in (values, keys))
    distinct = pc.drop_null(pc.unique(text))
    found = pc.filter(key_text, pc.is_in(key_text, value_set=distinct))
    if len(found) == len(distinct):
        return np.zeros(len(values), bool)
    found = found.combine_chunks() if isinstance(found, pa.ChunkedArray) else found
    known = pc.is_in(text, value_set=found).to_numpy(zero_copy_only=False)
    return ~known & pc.is_valid(text).to_numpy(zero_copy_only=False)
