"""Turning raw text columns from a CRM export into typed pandas columns.

Each ``parse_*`` function takes a column of strings (blank already ``NA``) and
returns ``(parsed, bad)``: the typed column and a boolean mask of the non-blank
values that could not be read. Nothing here raises on bad values; the caller
turns ``bad`` into a :class:`toolkit.errors.Problem`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Export forms seen in dealer CRMs besides ISO 8601, tried in this order.
DATE_FORMATS = (
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%y",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
)
# Python's \s spelled out, so that Arrow's regex engine (whose \s is narrower, and which pandas
# therefore hands \s patterns back to Python for) runs these patterns itself
WHITESPACE = "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f"})


def arrow_text(raw: pd.Series) -> pa.ChunkedArray | None:
    """``raw``'s text as Arrow (no copy) when pandas holds it in Arrow, as read from a CSV file;
    else None, and the parsers take their pandas path (a Parquet or Excel file's cells)."""
    if not (isinstance(raw.dtype, pd.StringDtype) and raw.dtype.storage == "pyarrow"):
        return None
    arr = pa.chunked_array(pa.array(raw.array))
    return arr if arr.type == pa.large_string() else arr.cast(pa.large_string())


def text_series(arr: pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """Arrow text as a pandas text column (no copy), on ``index``."""
    return pd.Series(arr.to_pandas().array, index=index)


def _trimmed(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """``arr`` with surrounding whitespace removed; ``arr`` itself (its memory shared with the file's
    cells) when no value had any, which trimming a column of IDs usually finds."""
    if not _maybe_spaced(arr):
        return arr
    trimmed = pc.utf8_trim_whitespace(arr)
    return arr if pc.sum(pc.binary_length(trimmed)) == pc.sum(pc.binary_length(arr)) else trimmed


# the bytes that may begin a whitespace character: ASCII's, and the first byte of each UTF-8 one
# (U+0085 and U+00A0; U+1680; U+2000 to U+205F; U+3000; and U+FEFF, to be safe)
_MAY_BEGIN_SPACE = np.zeros(256, bool)
_MAY_BEGIN_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 0xC2, 0xE1, 0xE2, 0xE3, 0xEF]] = True
_MAY_END_SPACE = np.zeros(256, bool)  # ... and the bytes that may end one: any byte of a multi-byte character
_MAY_END_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32, *range(0x80, 0x100)]] = True


def _maybe_spaced(arr: pa.ChunkedArray) -> bool:
    """Whether any value may begin or end with whitespace, judged by its first and last bytes alone:
    a look that never misses such a value, though it may flag one that is not (a name ending in
    "é"), which trimming then settles."""
    for chunk in arr.chunks:
        _, offsets, data = chunk.buffers()
        if data is None or len(chunk) == 0:
            continue
        at = np.frombuffer(offsets, np.int64, len(chunk) + 1, chunk.offset * 8)
        starts, ends = at[:-1], at[1:]
        filled = ends > starts
        text = np.frombuffer(data, np.uint8)
        if _MAY_BEGIN_SPACE[text[starts[filled]]].any() or _MAY_END_SPACE[text[ends[filled] - 1]].any():
            return True
    return False


def _blank_as_missing(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """``arr`` with its empty strings missing: the same text buffers under a new validity bitmap."""
    chunks = []
    for chunk in arr.chunks:
        kept = pc.fill_null(pc.greater(pc.binary_length(chunk), 0), False)
        if chunk.offset:
            chunks.append(pc.if_else(kept, chunk, pa.scalar(None, chunk.type)))
            continue
        buffers = chunk.buffers()
        chunks.append(pa.Array.from_buffers(chunk.type, len(chunk), [kept.buffers()[1], *buffers[1:]], offset=0))
    return pa.chunked_array(chunks, arr.type)


def _by_distinct(arr: pa.ChunkedArray, clean) -> pa.ChunkedArray:
    """``clean`` (Arrow text → Arrow values) worked out once for each distinct value of ``arr``
    and spread back to every row: a column of a few choices or tags costs a lookup per row, not
    the string work. ``arr`` itself (its memory shared with the file's cells) when cleaning
    changes no value."""
    distinct = pa.chunked_array([pc.unique(arr)], arr.type)
    cleaned = clean(distinct)
    if cleaned.type == arr.type and cleaned.equals(distinct):
        return arr
    return pc.take(cleaned, pc.index_in(arr, value_set=distinct.chunk(0)))


FIRST_YEAR, LAST_YEAR = 1900, 2100  # a date outside these years is a typo, not a customer's history
OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"


def parse_datetime(raw: pd.Series, timezone: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Timestamps from ISO 8601 or the common US export forms, as the dealer's local time: a
    timestamp with an offset is converted to ``timezone`` (UTC when there is none) before its
    date is taken; one without is local already. A date outside 1900–2100 is bad."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw.dt.tz_convert(timezone).dt.tz_localize(None) if raw.dt.tz is not None else raw
        return _in_range(parsed, pd.Series(False, index=raw.index))
    arr = arrow_text(raw)
    if arr is not None:
        stripped = _trimmed(arr)
        text = text_series(stripped, raw.index)
        read = _iso_read(stripped)
    else:
        text = raw.astype("str").str.strip().where(raw.notna())
        read = np.full(len(text), np.datetime64("NaT"), "datetime64[ns]")
    todo = text.notna() & pd.Series(np.isnat(read), index=text.index)
    if not todo.any():  # every value in a form Arrow read
        return _in_range(pd.Series(read, index=text.index), todo)
    offset = text.str.contains(OFFSET, regex=True).fillna(False).to_numpy(bool)
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    out[~np.isnat(read)] = pd.Series(read[~np.isnat(read)]).dt.tz_localize("UTC").to_numpy()
    for fmt in _likely_first(text[todo]):
        if not todo.any():
            break
        out.loc[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce", utc=True)
        todo = out.isna() & text.notna()
    local = out.dt.tz_convert(None)
    if timezone and offset.any():
        local[offset] = out[offset].dt.tz_convert(timezone).dt.tz_localize(None)
    return _in_range(local, todo)


def _iso_read(text: pa.ChunkedArray) -> np.ndarray:
    """The column read by Arrow's strict ISO 8601 parser when it reads every value; else all NaT,
    and pandas reads the column. Arrow reads the forms pandas' ISO 8601 parser reads (2024-03-01,
    2024-03-01T14:05:00, 2024-03-01 14:05) to the same instants, rejects a date that does not
    exist (2024-02-31) where pandas does, and refuses a value with an offset (which pandas
    converts to the dealer's time zone)."""
    try:
        return pc.cast(text, pa.timestamp("ns")).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return np.full(len(text), np.datetime64("NaT"), "datetime64[ns]")


SAMPLE = 50  # values tried in every form to find the column's own form first


def _likely_first(text: pd.Series) -> list[str]:
    """ISO 8601 and :data:`DATE_FORMATS`, those that read most of the column's first values
    first, so that a column in one form is parsed in one pass. The forms read disjoint values
    (ISO 8601 and %Y/%m/%d read 2024/03/01 alike), so their order changes no result."""
    sample = text.head(SAMPLE)
    forms = ["ISO8601", *DATE_FORMATS]
    read = {f: pd.to_datetime(sample, format=f, errors="coerce", utc=True).notna().sum() for f in forms}
    return sorted(forms, key=lambda f: -read[f])


def _in_range(parsed: pd.Series, bad: pd.Series) -> tuple[pd.Series, pd.Series]:
    year = parsed.dt.year
    outside = (year < FIRST_YEAR) | (year > LAST_YEAR)
    outside = outside.fillna(False).astype(bool)
    return parsed.where(~outside).astype("datetime64[ns]"), bad | outside


def parse_bool(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Booleans from true/false, yes/no, y/n, 1/0 in any case; blank is unknown."""
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype("boolean"), pd.Series(False, index=raw.index)
    arr = arrow_text(raw)
    if arr is not None:
        words = _by_distinct(arr, lambda d: pc.utf8_lower(pc.utf8_trim_whitespace(d)))
        true = pc.is_in(words, value_set=pa.array(sorted(TRUE_WORDS), pa.large_string())).to_numpy(zero_copy_only=False)
        false = pc.is_in(words, value_set=pa.array(sorted(FALSE_WORDS), pa.large_string())).to_numpy(
            zero_copy_only=False
        )
        unknown = ~(true | false)
        out = pd.Series(pd.arrays.BooleanArray(true, unknown), index=raw.index)
        return out, pd.Series(pc.is_valid(words).to_numpy(zero_copy_only=False) & unknown, index=raw.index)
    words = raw.astype("str").str.strip().str.lower().where(raw.notna())
    out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    out[words.isin(TRUE_WORDS)] = True
    out[words.isin(FALSE_WORDS)] = False
    return out, words.notna() & out.isna()


CURRENCY = "$€£¥"
GROUP_SPACES = " \u00a0\u202f"  # a space, a no-break space and a narrow one group thousands in exports
DECIMAL_MARKS = (".", ",")


def money_pattern(decimal: str) -> str:
    """A number written with ``decimal`` as its decimal mark: digits, optionally grouped by threes
    with the other mark or a space (``1,234.50`` or ``1 234.50`` for "."; ``1.234,50`` for ",")."""
    group = "," if decimal == "." else "."
    mark, groups = re.escape(decimal), f"[{re.escape(group)}{GROUP_SPACES}]"
    return rf"[+-]?(?:(?:\d{{1,3}}(?:{groups}\d{{3}})+|\d+)(?:{mark}\d+)?|{mark}\d+)"


def parse_number(raw: pd.Series, integer: bool = False, decimal: str = ".") -> tuple[pd.Series, pd.Series]:
    """Numbers written with ``decimal`` as the decimal mark, accepting currency signs, accounting
    negatives ("(15.00)") and thousands grouped by the other mark or by spaces ("$1,234.50"). A value that only reads with the
    other mark ("12,50", "1.234,50", "1 234,50" when ``decimal`` is "."), or that could be
    either ("1.234": money has no third decimal), is bad: it is never silently rescaled."""
    plain = _plain_numbers(raw) if decimal == "." else None
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        out = raw.astype("Float64")
        bad = pd.Series(False, index=raw.index)
    elif plain is not None:
        out, bad = plain, _none_bad(raw)
    else:
        text = (
            raw.astype("str")
            .str.replace(f"[{CURRENCY}]", "", regex=True)
            .str.replace(f"^[{WHITESPACE}]+|[{WHITESPACE}]+$", "", regex=True)
            .str.replace(r"^\((.*)\)$", r"-\1", regex=True)  # accounting's (1,234.50) is negative
            .where(raw.notna())
        )
        written = text.str.fullmatch(money_pattern(decimal)).fillna(False).astype(bool)
        group = "," if decimal == "." else "."
        plain = text.where(written).str.replace(f"[{re.escape(group)}{GROUP_SPACES}]", "", regex=True)
        out = pd.to_numeric(plain.str.replace(decimal, ".", regex=False), errors="coerce").astype("Float64")
        # "1.234" could be 1.234 or 1234: money has no third decimal, so it is bad, not guessed
        three = text.str.fullmatch(rf"[+-]?\d{{1,3}}{re.escape(decimal)}\d{{3}}").fillna(False).astype(bool)
        bad = raw.notna() & (~written | three)
        out = out.where(~three)
    if integer:
        fractional = out.notna() & (out % 1 != 0)
        bad = bad | fractional.fillna(False)
        out = out.where(~fractional).astype("Int64")
    return out, bad.astype(bool)


PLAIN_NUMBER = r"^-?\d+(?:\.\d{1,2})?$"  # how most exports write money: 1234.5, -15.00, 0


def _plain_numbers(raw: pd.Series) -> pd.Series | None:
    """The column as numbers when Arrow holds it and every value is written plainly
    (:data:`PLAIN_NUMBER`), read by Arrow's parser, which reads them to the same floats as
    pandas'; else None, and :func:`parse_number` reads every other form."""
    arr = arrow_text(raw)
    if arr is None:
        return None
    text = _trimmed(arr)
    if pc.all(pc.match_substring_regex(text, PLAIN_NUMBER)).as_py() is False:
        return None
    numbers = pc.cast(text, pa.float64())
    valid = pc.is_valid(numbers).to_numpy(zero_copy_only=False)
    values = numbers.fill_null(0).to_numpy(zero_copy_only=False)
    return pd.Series(pd.arrays.FloatingArray(values, ~valid), index=raw.index)


def parse_text(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Text with surrounding spaces removed; an empty string is blank."""
    arr = arrow_text(raw)
    if arr is not None:
        return text_series(_blank_as_missing(_trimmed(arr)), raw.index), _none_bad(raw)
    text = raw.astype("str").str.strip().where(raw.notna())
    text = text.where(text != "")
    return text.astype("str"), pd.Series(False, index=raw.index)


def _none_bad(raw: pd.Series) -> pd.Series:
    return pd.Series(np.zeros(len(raw), bool), index=raw.index)


def parse_tags(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``;``-separated tags, lower-cased, with spaces around each tag removed."""
    arr = arrow_text(raw)
    if arr is not None:
        return text_series(_by_distinct(arr, _arrow_tags), raw.index), _none_bad(raw)
    text, bad = parse_text(raw)
    tags = text.str.lower().str.replace(f"[{WHITESPACE}]*;[{WHITESPACE}]*", ";", regex=True).str.strip(";")
    return tags.where(tags != ""), bad


def _arrow_tags(text: pa.ChunkedArray) -> pa.ChunkedArray:
    tags = pc.utf8_lower(_blank_as_missing(pc.utf8_trim_whitespace(text)))
    tags = pc.utf8_trim(pc.replace_substring_regex(tags, f"[{WHITESPACE}]*;[{WHITESPACE}]*", ";"), ";")
    return _blank_as_missing(tags)


def parse_choice(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A value from a fixed list, compared lower-cased and trimmed."""
    arr = arrow_text(raw)
    if arr is not None:
        cleaned = _by_distinct(arr, lambda d: pc.utf8_lower(_blank_as_missing(pc.utf8_trim_whitespace(d))))
        return text_series(cleaned, raw.index), _none_bad(raw)
    text, bad = parse_text(raw)
    return text.str.lower(), bad


PARSERS = {
    "id": parse_text,
    "text": parse_text,
    "datetime": parse_datetime,
    "bool": parse_bool,
    "number": parse_number,
    "integer": lambda raw: parse_number(raw, integer=True),
    "tags": parse_tags,
}
