"""Turning one export's text cells into a contract table by its mapping: each contract column
from its source columns, each value through its value map, dates into one order, then every
value parsed and checked as a contract file's would be (:func:`toolkit.inputs.reading.typed_table`).

Problems name the export and its column beside the contract column it fills
(``Activity Type → channel``), with the export's own line or row numbers.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path

import pandas as pd

from toolkit.errors import Problem
from toolkit.inputs import contract
from toolkit.inputs.fields import known_values, normal_name, suggested_values
from toolkit.inputs.mapping import DATE_ORDERS, FileMapping, source_columns, toml_string
from toolkit.inputs.parse import CURRENCY, FALSE_WORDS, TRUE_WORDS, money_pattern, parse_bool, parse_number
from toolkit.inputs.reading import typed_table

EXCEL_DAYS = (20_000, 80_000)  # a whole number of days in this range in a date column is an Excel serial date
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # the day Excel's serial 0 stands for (it counts 1900 as a leap year)
NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?=$|[ T])")
NUMERIC_DATE_PREFIX = 11  # NUMERIC_DATE matches a stripped value by its first 11 characters
# NUMERIC_DATE with the year's digits apart and what follows captured (Arrow's regex engine has no
# lookahead), for rewriting dates month first with a four-digit year
_YEARS = {"": r"(\d{4})", "20": r"([0-5]\d|6[0-8])", "19": r"(69|[7-9]\d)"}  # as strptime's %y reads 00–99
CURRENCY_CODES = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
SHOWN = 5  # example values a problem lists


def _label(fm: FileMapping, column: str) -> str:
    """A contract column as a problem names it: the export's columns it comes from, then it."""
    sources = fm.sources(column) if column in fm.columns else []
    return f"{' + '.join(sources)} → {column}" if sources else column


def _examples(values: pd.Series) -> str:
    shown = list(dict.fromkeys(values.dropna().astype("str")))[:SHOWN]
    return ", ".join(repr(v) for v in shown)


def missing_sources(cells: pd.DataFrame, fm: FileMapping) -> list[Problem]:
    """A problem for each export column the mapping reads that the export does not have."""
    problems = []
    for column, source in fm.columns.items():
        absent = [c for c in source_columns(source) if c not in cells.columns]
        if absent:
            problems.append(
                Problem(
                    fm.file,
                    column,
                    f"the export column{'s' if len(absent) > 1 else ''} {', '.join(map(repr, absent))} the mapping "
                    f"reads for {column}; the export has {', '.join(map(repr, map(str, cells.columns)))}",
                )
            )
    return problems


def required_problems(fm: FileMapping, columns: list[str]) -> list[Problem]:
    """A problem for each required contract column the mapping fills from nothing, naming the
    export's columns to choose from."""
    table = fm.schema_table
    missing = [c for c in table.required if c not in fm.columns]
    return [
        Problem(
            fm.file,
            column,
            f"an export column for the {fm.table} table's required column {column}; none was recognised, so say "
            f'which in the mapping ({column} = "..." under [files."{fm.file}".columns]); '
            f"the export has {', '.join(map(repr, columns))}",
        )
        for column in missing
    ]


# --- what the values say: date order, decimal mark, currency --------------------------------


def _date_columns(fm: FileMapping) -> list[str]:
    table = fm.schema_table
    return [c.name for c in table.columns if c.kind == "datetime" and c.name in fm.columns]


def _date_text(cells: pd.DataFrame, fm: FileMapping) -> pd.Series:
    """Every date cell the mapping reads, as one column of text."""
    parts = [cells[s] for c in _date_columns(fm) for s in source_columns(fm.columns[c])[:1] if s in cells.columns]
    return pd.concat(parts, ignore_index=True).dropna().astype("str") if parts else pd.Series([], dtype="str")


def _numeric_dates(cells: pd.DataFrame, fm: FileMapping) -> pd.DataFrame:
    """The two leading numbers of each distinct numeric date (03/04/2024 gives 3 and 4), read from
    the distinct beginnings of the date cells so that an export's millions of timestamps cost a
    regex over its few thousand days."""
    starts = pd.Series(_date_text(cells, fm).str.strip().str[:NUMERIC_DATE_PREFIX].unique(), dtype="str")
    return starts.str.extract(NUMERIC_DATE.pattern).dropna().iloc[:, :2].astype(int)


def date_evidence(cells: pd.DataFrame, fm: FileMapping) -> set[str]:
    """The date orders the export's numeric dates (03/04/2024) allow: a first number above 12
    can only be a day (``day_first``), a second above 12 only a day (``month_first``). Both in
    one export is a contradiction; neither means the dates alone cannot tell."""
    found = _numeric_dates(cells, fm)
    return {order for order, seen in zip(DATE_ORDERS, ((found[1] > 12).any(), (found[0] > 12).any())) if seen}


def _numeric_date_examples(cells: pd.DataFrame, fm: FileMapping) -> str:
    text = _date_text(cells, fm)
    return _examples(text[text.str.match(NUMERIC_DATE.pattern)])


def _money_sources(cells: pd.DataFrame, fm: FileMapping) -> list[str]:
    """The export columns that hold money: those of the contract's number columns and the
    payer totals a pay type is chosen from."""
    money = {c.name for c in fm.schema_table.columns if c.kind == "number"}
    sources = [
        s
        for column, source in fm.columns.items()
        if column in money or (isinstance(source, dict) and "largest_of" in source)
        for s in source_columns(source)
        if s in cells.columns
    ]
    return list(dict.fromkeys(sources))


def _money_text(cells: pd.DataFrame, fm: FileMapping) -> pd.Series:
    parts = [cells[s] for s in _money_sources(cells, fm)]
    if not parts:
        return pd.Series([], dtype="str")
    text = pd.concat(parts, ignore_index=True).dropna().astype("str").str.strip()
    return text.str.replace(f"[{CURRENCY}]", "", regex=True).str.replace(r"^\((.*)\)$", r"-\1", regex=True)


def decimal_marks(cells: pd.DataFrame, fm: FileMapping) -> dict[str, pd.Series]:
    """Per decimal mark, the export's money values that read only with it: ``12,50`` reads only
    with a comma, ``12.50`` only with a point; ``1,234`` reads both ways and says nothing."""
    text = _money_text(cells, fm)
    reads = {mark: text.str.fullmatch(money_pattern(mark)).fillna(False).astype(bool) for mark in (".", ",")}
    return {".": text[reads["."] & ~reads[","]], ",": text[reads[","] & ~reads["."]]}


def currency_of(cells: pd.DataFrame, fm: FileMapping) -> str | None:
    """The currency the export's money values are written in, by their sign ($, €, £, ¥), or
    None when they carry none or more than one."""
    text = pd.concat([cells[s].astype("str") for s in _money_sources(cells, fm)] or [pd.Series([], dtype="str")])
    signs = {ch for ch in CURRENCY if text.str.contains(ch, regex=False).any()}
    return CURRENCY_CODES[signs.pop()] if len(signs) == 1 else None


def completed(cells: pd.DataFrame, fm: FileMapping) -> FileMapping:
    """``fm`` with what the export's values say added where the mapping is silent: a value map
    for each column with a fixed list of values (each export value its contract value, or ""
    when none is known), the decimal mark of money written with a comma, and the date order
    when the dates tell it. Entries the mapping has are kept as they are."""
    if fm.table is None:
        return fm
    values = {c: dict(m) for c, m in fm.values.items()}
    for col in fm.schema_table.columns:
        source = fm.columns.get(col.name)
        if source is None or not (col.allowed or col.kind == "bool") or col.kind == "tags":
            continue
        if isinstance(source, dict) and ("largest_of" in source or "value" in source or "negate" in source):
            continue
        column_values = pd.concat([cells[s] for s in source_columns(source) if s in cells.columns], ignore_index=True)
        if col.kind == "bool":  # words the contract does not read as yes or no: a known name, else ask
            known = known_values().get(col.name, {})
            words = column_values.dropna().astype("str").str.strip()
            unread = set(words[~words.str.lower().isin(TRUE_WORDS | FALSE_WORDS)]) - {""}
            suggested = {v: known.get(normal_name(v), "") for v in sorted(unread)}
        else:
            suggested = suggested_values(col.name, col.allowed, column_values)
        merged = {**suggested, **values.get(col.name, {})}
        if merged:
            values[col.name] = merged
    decimal = fm.decimal
    if decimal is None:
        marks = decimal_marks(cells, fm)
        decimal = "," if len(marks[","]) and not len(marks["."]) else None
    dates = fm.dates
    if dates is None:
        evidence = date_evidence(cells, fm)
        dates = evidence.pop() if len(evidence) == 1 else None
    return dataclasses.replace(fm, values=values, decimal=decimal, dates=dates)


def value_problems(cells: pd.DataFrame, fm: FileMapping) -> list[Problem]:
    """What keeps an export's values from converting, before any is read: money written with
    both decimal marks, dates in both orders or in an order nothing says, and values a value
    map leaves without a contract value."""
    problems = []
    marks = decimal_marks(cells, fm)
    if fm.decimal is None and len(marks[","]) and len(marks["."]):
        problems.append(
            Problem(
                fm.file,
                None,
                "money written with one decimal mark; some values read only with a point "
                f"({_examples(marks['.'])}) and some only with a comma ({_examples(marks[','])})",
            )
        )
    evidence = date_evidence(cells, fm)
    if fm.dates is None and len(evidence) > 1:
        problems.append(
            Problem(
                fm.file,
                None,
                "dates in one order; some can only be month first and some only day first "
                f"(such as {_numeric_date_examples(cells, fm)})",
            )
        )
    elif fm.dates is None and not _numeric_dates(cells, fm).empty:
        problems.append(
            Problem(
                fm.file,
                None,
                "to know whether dates such as 03/04/2024 are month first or day first; no date tells, so set "
                f'dates = "month_first" or dates = "day_first" for this file in the mapping '
                f"(such as {_numeric_date_examples(cells, fm)})",
            )
        )
    for column, value_map in fm.values.items():
        unmapped = sorted(v for v, target in value_map.items() if target == "")
        if unmapped:
            col = fm.schema_table.column(column)
            choices = col.allowed or ("true", "false")
            problems.append(
                Problem(
                    fm.file,
                    _label(fm, column),
                    f"a contract value ({', '.join(choices)}) for each export value; in the mapping's "
                    f"[files.{toml_string(fm.file)}.values.{column}] these have none: {', '.join(map(repr, unmapped))}",
                )
            )
    return problems


# --- building the contract columns ------------------------------------------------------------


def _name_part(full: pd.Series, part: str) -> pd.Series:
    """One part of a full name: a comma means "LAST, FIRST"; otherwise the first word is the
    first name and the rest the last name."""
    text = full.astype("str").str.strip().where(full.notna())
    comma = text.str.contains(",", regex=False).fillna(False).astype(bool)
    at_comma, at_space = text.str.split(",", n=1), text.str.split(" ", n=1)
    if part == "first":
        out = at_comma.str[1].where(comma, at_space.str[0])
    else:
        out = at_comma.str[0].where(comma, at_space.str[1])
    out = out.str.strip()
    return out.where(out != "")


def _joined_date(cells: pd.DataFrame, date: str, time: str | None) -> pd.Series:
    day = cells[date]
    if time is None:
        return day
    clock = cells[time].astype("str").str.strip().where(cells[time].notna())
    return (day.astype("str").str.strip() + " " + clock).where(clock.notna(), day)


def _numbers(
    cells: pd.DataFrame, names: list[str], decimal: str, fm: FileMapping, column: str, problems
) -> pd.DataFrame:
    out = {}
    for name in names:
        parsed, bad = parse_number(cells[name], decimal=decimal)
        if bad.any():
            problems.append(_problem(fm, f"{name} → {column}", _money_words(decimal), cells[name], bad))
        out[name] = parsed
    return pd.DataFrame(out, index=cells.index)


def _money_words(decimal: str) -> str:
    return f"a number such as {'1,234.50' if decimal == '.' else '1.234,50'}"


def _problem(fm: FileMapping, column: str, expected: str, raw: pd.Series, mask: pd.Series) -> Problem:
    return contract.problem(Path(fm.file), column, expected, raw, mask)


def _column(cells: pd.DataFrame, fm: FileMapping, column: str, problems: list[Problem]) -> pd.Series:
    """One contract column from its source, before its values are mapped or parsed."""
    source = fm.columns[column]
    decimal = fm.decimal or "."
    if isinstance(source, str):
        return cells[source]
    if "first_of" in source:
        columns = [cells[name] for name in source["first_of"]]
        return functools.reduce(lambda chosen, other: chosen.fillna(other), columns)
    if "split" in source:
        return _name_part(cells[source["split"]], source["part"])
    if "date" in source:
        return _joined_date(cells, source["date"], source.get("time"))
    if "sum_of" in source:
        numbers = _numbers(cells, source["sum_of"], decimal, fm, column, problems)
        return numbers.sum(axis=1, min_count=1)
    if "largest_of" in source:
        payers = source["largest_of"]
        numbers = _numbers(cells, list(payers.values()), decimal, fm, column, problems)
        numbers.columns = list(payers)
        largest = numbers.fillna(0).idxmax(axis=1)
        return largest.where(numbers.fillna(0).max(axis=1) > 0).astype("str")
    if "column" in source:
        values = cells[source["column"]]
        if not source.get("negate"):
            return values
        flags, bad = parse_bool(_mapped(values, fm.values.get(column, {})))
        if bad.any():
            problems.append(_problem(fm, _label(fm, column), "yes/no, true/false, y/n or 1/0", values, bad))
        return (~flags).map({True: "true", False: "false"}).astype("str").where(flags.notna())
    return pd.Series(source["value"], index=cells.index, dtype="str")


def _mapped(values: pd.Series, value_map: dict[str, str]) -> pd.Series:
    """``values`` through a value map (compared with surrounding spaces removed); a value the map
    does not name is kept."""
    if not value_map:
        return values
    stripped = values.astype("str").str.strip().where(values.notna())
    return stripped.map({v: target for v, target in value_map.items() if target}).fillna(stripped).astype("str")


def _dates(text: pd.Series, order: str | None) -> pd.Series:
    """Date text in a form the contract reads: an Excel serial day as an ISO date and time, a
    numeric date rewritten month first with a four-digit year (03/04/24 → 03/04/2024)."""
    if pd.api.types.is_datetime64_any_dtype(text):
        return text
    text = text.astype("str").str.strip().where(text.notna())
    serial = pd.to_numeric(text.where(text.str.fullmatch(r"\d{5}(?:\.\d+)?").fillna(False)), errors="coerce")
    serial = serial.where(serial.between(*EXCEL_DAYS))
    as_days = (EXCEL_EPOCH + pd.to_timedelta(serial, unit="D")).dt.round("s").dt.strftime("%Y-%m-%dT%H:%M:%S")
    text = as_days.where(serial.notna(), text)
    month, day = (r"\2", r"\1") if order == "day_first" else (r"\1", r"\2")
    for century, year in _YEARS.items():
        pattern = rf"^(\d{{1,2}})[/.-](\d{{1,2}})[/.-]{year}($|[ T])"
        text = text.str.replace(pattern, rf"{month}/{day}/{century}\3\4", regex=True)
    return text


def staged_table(cells: pd.DataFrame, fm: FileMapping, problems: list[Problem]) -> pd.DataFrame:
    """The contract columns the mapping fills, as text (sums and payers as numbers), with value
    maps applied and dates in one order. Values a value map cannot place are left out, having
    been named by :func:`value_problems`."""
    table = fm.schema_table
    out = {}
    for column in fm.columns:
        values = _column(cells, fm, column, problems)
        col = table.column(column) if column in {c.name for c in table.columns} else None
        if (
            col is not None
            and column in fm.values
            and not (isinstance(fm.columns[column], dict) and "negate" in fm.columns[column])
        ):
            values = _mapped(values, fm.values[column])
            unplaced = {v for v, target in fm.values[column].items() if target == ""}
            values = values.where(~values.isin(unplaced))
        if col is not None and col.kind == "datetime":
            values = _dates(values, fm.dates)
        out[column] = values
    staged = pd.DataFrame(out, index=cells.index)
    staged.attrs = dict(cells.attrs)
    return staged


def converted_table(
    cells: pd.DataFrame, fm: FileMapping, problems: list[Problem], timezone: str | None = None
) -> pd.DataFrame | None:
    """The export as its contract table, typed and checked, or None when it cannot be read.
    Every problem is added to ``problems`` naming the export and its columns."""
    found: list[Problem] = missing_sources(cells, fm) + required_problems(fm, [str(c) for c in cells.columns])
    if found:
        problems.extend(found)
        return None
    found += value_problems(cells, fm)
    staged = staged_table(cells, fm, found)
    table = fm.schema_table
    settings = {"decimal": fm.decimal or ".", **({"timezone": timezone} if timezone else {})}
    checked: list[Problem] = []
    typed = typed_table(staged, Path(fm.file), table, checked, settings)
    unplaced = {c for c, m in fm.values.items() if "" in m.values()}  # named once, by value_problems
    found += [p for p in checked if p.column not in unplaced]
    problems.extend(dataclasses.replace(p, column=_label(fm, p.column)) if p.column in fm.columns else p for p in found)
    return typed
