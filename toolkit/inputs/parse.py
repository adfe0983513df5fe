"""Turning raw text columns from a CRM export into typed pandas columns.

Each ``parse_*`` function takes a column of strings (blank already ``NA``) and
returns ``(parsed, bad)``: the typed column and a boolean mask of the non-blank
values that could not be read. Nothing here raises on bad values; the caller
turns ``bad`` into a :class:`toolkit.errors.Problem`.
"""

from __future__ import annotations

import pandas as pd

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


def parse_datetime(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Timestamps from ISO 8601 or the common US export forms; offsets become UTC."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw.dt.tz_convert(None) if raw.dt.tz is not None else raw
        return parsed.astype("datetime64[ns]"), pd.Series(False, index=raw.index)
    text = raw.astype("str").str.strip().where(raw.notna())
    out = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    todo = out.isna() & text.notna()
    for fmt in DATE_FORMATS:
        if not todo.any():
            break
        out.loc[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce", utc=True)
        todo = out.isna() & text.notna()
    return out.dt.tz_convert(None).astype("datetime64[ns]"), todo


def parse_bool(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Booleans from true/false, yes/no, y/n, 1/0 in any case; blank is unknown."""
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype("boolean"), pd.Series(False, index=raw.index)
    words = raw.astype("str").str.strip().str.lower().where(raw.notna())
    out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    out[words.isin(TRUE_WORDS)] = True
    out[words.isin(FALSE_WORDS)] = False
    return out, words.notna() & out.isna()


def parse_number(raw: pd.Series, integer: bool = False) -> tuple[pd.Series, pd.Series]:
    """Numbers, accepting currency signs, thousands commas and spaces ("$1,234.50")."""
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        out = raw.astype("Float64")
    else:
        text = raw.astype("str").str.replace(f"[{WHITESPACE}$,]", "", regex=True).where(raw.notna())
        out = pd.to_numeric(text, errors="coerce").astype("Float64")
    bad = raw.notna() & out.isna()
    if integer:
        fractional = out.notna() & (out % 1 != 0)
        bad = bad | fractional.fillna(False)
        out = out.where(~fractional).astype("Int64")
    return out, bad.astype(bool)


def parse_text(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Text with surrounding spaces removed; an empty string is blank."""
    text = raw.astype("str").str.strip().where(raw.notna())
    text = text.where(text != "")
    return text.astype("str"), pd.Series(False, index=raw.index)


def parse_tags(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``;``-separated tags, lower-cased, with spaces around each tag removed."""
    text, bad = parse_text(raw)
    tags = text.str.lower().str.replace(f"[{WHITESPACE}]*;[{WHITESPACE}]*", ";", regex=True).str.strip(";")
    return tags.where(tags != ""), bad


def parse_choice(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A value from a fixed list, compared lower-cased and trimmed."""
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
