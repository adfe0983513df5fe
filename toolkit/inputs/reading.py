"""Reading a dealer's files: which file holds each table, dealer.toml, and each table's cells
parsed into typed columns (:mod:`toolkit.inputs.parse`), then checked against the contract
(:mod:`toolkit.inputs.contract`). Input files are only ever read.
"""

from __future__ import annotations

import csv
import io
import threading
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from toolkit.errors import Problem
from toolkit.inputs import contract, parallel, schema
from toolkit.inputs.parse import DECIMAL_MARKS, PARSERS, parse_choice, parse_datetime, parse_number

TABLE_SUFFIXES = (".csv", ".parquet", ".xlsx")
DELIMITERS = (",", ";", "\t", "|")
BOMS = (  # byte-order mark → the codec that reads the file, and the one that writes more of it
    (b"\xef\xbb\xbf", "utf-8-sig", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32", "utf-32-le"),  # before UTF-16's: it begins the same way
    (b"\x00\x00\xfe\xff", "utf-32", "utf-32-be"),
    (b"\xff\xfe", "utf-16", "utf-16-le"),
    (b"\xfe\xff", "utf-16", "utf-16-be"),
)


def find_tables(folder: Path) -> tuple[dict[str, Path], list[Problem]]:
    """The file that holds each table in ``folder``, and a problem for every entry that looks like
    a table but cannot be one: a folder or a broken link with a table's name, or two files for one
    table (``customers.csv`` beside a ``customers.parquet``). A table's name matches in any case
    (``Customers.CSV``) with any of :data:`TABLE_SUFFIXES`."""
    candidates: dict[str, list[Path]] = {}
    problems = []
    for entry in sorted(folder.iterdir()):
        stem, suffix = entry.name[: -len(entry.suffix) or None], entry.suffix.lower()
        if stem.lower() not in schema.TABLES or suffix not in TABLE_SUFFIXES:
            continue
        if not entry.is_file():
            what = "a folder" if entry.is_dir() else "a link to nothing"
            problems.append(Problem(entry.name, None, f"the {stem.lower()} table as a file; this is {what}"))
            continue
        candidates.setdefault(stem.lower(), []).append(entry)
    found = {}
    for name, paths in candidates.items():
        if len(paths) > 1:
            listed = " and ".join(p.name for p in paths)
            problems.append(Problem(paths[0].name, None, f"one file for the {name} table; the folder has {listed}"))
        else:
            found[name] = paths[0]
    return found, problems


def table_files(folder: Path) -> dict[str, Path]:
    """The file that holds each table present in ``folder`` (see :func:`find_tables`)."""
    return find_tables(folder)[0]


def read_settings(folder: Path, problems: list[Problem]) -> dict:
    """dealer.toml's settings, each checked: name, as_of, decimal, encoding, timezone, currency."""
    path = folder / schema.DEALER_FILE
    if not path.is_file():
        problems.append(
            Problem(schema.DEALER_FILE, None, 'a dealer.toml with at least name = "..."; the file is missing')
        )
        return {}
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(schema.DEALER_FILE, None, f"valid TOML text ({exc})"))
        return {}
    if not str(settings.get("name", "")).strip():
        problems.append(Problem(schema.DEALER_FILE, "name", 'the dealership\'s name, e.g. name = "Lakeside Motors"'))
    problems.extend(_setting_problems(settings))
    return settings


def _setting_problems(settings: dict) -> list[Problem]:
    import codecs
    import zoneinfo

    problems = []

    def bad(key: str, expected: str) -> None:
        """Record the setting's problem and read the files as if it were not set."""
        problems.append(Problem(schema.DEALER_FILE, key, expected, ((0, str(settings.pop(key))),), 1))

    if "as_of" in settings:
        try:
            settings["as_of"] = str(pd.Timestamp(str(settings["as_of"])).date())
        except ValueError:
            bad("as_of", "a date such as 2025-06-30")
    if settings.get("decimal", ".") not in DECIMAL_MARKS:
        bad("decimal", 'the decimal mark of the money columns: decimal = "." or decimal = ","')
    if "encoding" in settings:
        try:
            codecs.lookup(str(settings["encoding"]))
        except LookupError:
            bad("encoding", 'the text encoding of the CSV files, such as encoding = "cp1252" or "utf-16"')
    if "timezone" in settings:
        try:
            zoneinfo.ZoneInfo(str(settings["timezone"]))
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            bad("timezone", 'a time zone name such as timezone = "America/Chicago"')
    if "currency" in settings:
        code = str(settings["currency"]).strip()
        if not (len(code) == 3 and code.isascii() and code.isalpha()):
            bad("currency", 'the three-letter code of the money columns\' currency, such as currency = "USD" or "EUR"')
        else:
            settings["currency"] = code.upper()
    return problems


def read_raw(path: Path, problems: list[Problem], encoding: str | None = None) -> pd.DataFrame | None:
    """The file's cells as text (blank → NA) with a 0-based index, or None after a problem.
    When a CSV file's records do not each take one line, ``attrs["lines"]`` holds the physical
    line on which each record starts (the header is line 1)."""
    if path.suffix.lower() == ".parquet":
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several unrelated types for a bad file
            problems.append(Problem(path.name, None, f"a readable Parquet file ({type(exc).__name__}: {exc})"))
            return None
    if path.suffix.lower() == ".xlsx":
        return read_excel(path, problems)
    cells = arrow_cells(path, encoding)
    if cells is not None:
        return checked_cells(path, cells, problems)
    data = path.read_bytes()
    text = _decoded(path, data, problems, encoding)
    if text is None:
        return None
    return read_csv_text(path, text, problems)


SCAN_BLOCK = 1 << 24  # bytes of a file looked at a time, so that a file is never held whole


@dataclass(frozen=True)
class _Layout:
    """What decides whether Arrow may read a file, found in one pass over its bytes."""

    head: bytes  # the first block, which holds the header line
    awkward: bool  # a NUL byte, a quote character, a carriage return not followed by a line feed, a blank line


def _blocks(source: bytes | Path):
    """A file's bytes a block at a time, each as (bytes, how many of them are the file's): read
    into one buffer from its path, or given whole."""
    if not isinstance(source, Path):
        yield bytes(source), len(source)
        return
    buffer = bytearray(SCAN_BLOCK)
    with source.open("rb") as handle:
        while read := handle.readinto(buffer):
            yield buffer, read


def _layout(source: bytes | Path) -> _Layout:
    """The layout of a file given as its bytes or its path; the scan stops at the first awkward
    byte: a NUL, a quote character, a carriage return alone, or a blank line (which Arrow skips,
    and whose line number a problem would need)."""
    import numpy as np

    head, before = b"", 0
    for data, end in _blocks(source):
        block = np.frombuffer(data, np.uint8, end)
        head = head or bytes(data[:end])
        feeds = np.flatnonzero(block == 10)
        starts = block[feeds[feeds < end - 1] + 1]  # the byte that begins each line
        returns = np.flatnonzero(block == 13) if data.find(b"\r", 0, end) >= 0 else feeds[:0]
        if (
            (before == 13 and block[0] != 10)  # a CR LF may span two blocks
            or (before == 10 and block[0] in (10, 13))  # and so may a blank line
            or ((starts == 10) | (starts == 13)).any()  # a blank line; a CR beginning one is blank or alone
            or (block[returns[returns < end - 1] + 1] != 10).any()
            or data.find(b"\x00", 0, end) >= 0
            or data.find(b'"', 0, end) >= 0
        ):
            return _Layout(head, True)
        before = int(block[-1])
    return _Layout(head, before == 13)  # the file ends in a carriage return


def arrow_cells(source: bytes | Path, encoding: str | None = None, delimiter: str | None = None) -> pd.DataFrame | None:
    """A UTF-8 CSV file's cells (``source``, its bytes or its path; split at ``delimiter``, else at
    the one :func:`delimiter_of` finds) read by Arrow's multithreaded reader, with the header's
    names stripped — exactly the cells :func:`read_csv_text` reads, or None when this file needs
    that careful reader: text in another encoding, bytes that are not UTF-8 or not text, a single
    column, a header naming a column twice, a row of another length, a blank line (whose line
    numbers a problem needs), a carriage return alone, or any quote character: fuzzing found
    quotes in odd places (inside an unquoted value, left open at the end) that the two readers
    read differently, so a file with quotes is always read by the careful reader. A path is read
    a block at a time and by Arrow itself, so the file is never held whole beside its cells."""
    import codecs

    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as arrow_csv

    if encoding is not None and codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
        return None
    layout = _layout(source)
    head = layout.head
    skip = len(BOMS[0][0]) if head.startswith(BOMS[0][0]) else 0
    if layout.awkward or any(head.startswith(bom, skip) for bom, _, _ in BOMS):
        return None
    end = head.find(b"\n", skip)
    if end < 0 and len(head) == SCAN_BLOCK:  # a header longer than a block
        return None
    try:
        first = head[skip : end if end >= 0 else len(head)].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    if not first.strip():  # an empty file, or blank lines before the header
        return None
    delimiter = delimiter or delimiter_of(first)
    names = _fields(first, delimiter)
    stripped = [n.strip() for n in names]
    if len(names) < 2 or len(set(stripped)) < len(stripped):
        return None  # one column: a line of spaces is a blank line to pandas, a value to Arrow
    try:
        table = arrow_csv.read_csv(
            str(source) if isinstance(source, Path) else pa.BufferReader(memoryview(source)),
            read_options=arrow_csv.ReadOptions(use_threads=True, block_size=1 << 26),
            parse_options=arrow_csv.ParseOptions(delimiter=delimiter, quote_char=False),
            convert_options=arrow_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()), null_values=[""], strings_can_be_null=True
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        return None
    if table.column_names != names:
        return None
    spaced = [i for i, column in enumerate(table.columns) if pc.any(pc.starts_with(column, " ")).as_py()]
    for i in spaced:  # pandas skips the spaces that begin a value
        trimmed = pc.utf8_ltrim(table.column(i), " ")
        table = table.set_column(i, names[i], pc.if_else(pc.equal(trimmed, ""), None, trimmed))
    cells = table.to_pandas()
    cells.columns = stripped
    return cells


def read_excel(path: Path, problems: list[Problem], sheet: str | int = 0) -> pd.DataFrame | None:
    """A workbook's sheet (the first unless ``sheet`` names one) as text cells, or None after a
    problem. Read by pandas' calamine engine, which reads .xlsx, .xlsm and .xls."""
    try:
        df = pd.read_excel(
            path, sheet_name=sheet, engine="calamine", dtype="str", keep_default_na=False, na_values=[""]
        )
    except Exception as exc:  # calamine raises its own types for a damaged workbook
        problems.append(Problem(path.name, None, f"a readable Excel workbook ({type(exc).__name__}: {exc})"))
        return None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _decoded(path: Path, data: bytes, problems: list[Problem], encoding: str | None) -> str | None:
    """The file's text (``data``, its bytes): in dealer.toml's ``encoding``, else as its byte-order
    mark says, else UTF-8. Text in another encoding is named in a problem with the encoding it
    appears to be in."""
    if not data.strip():
        problems.append(Problem(path.name, None, "CSV text with a header row; the file is empty"))
        return None
    chosen = encoding or next((name for bom, name, _ in BOMS if data.startswith(bom)), "utf-8")
    try:
        text = data.decode(chosen)
    except UnicodeDecodeError as exc:
        problems.append(Problem(path.name, None, _encoding_expected(data, chosen, exc, encoding is not None)))
        return None
    if "\x00" in text:
        problems.append(Problem(path.name, None, "CSV text; the file holds binary data"))
        return None
    return text.removeprefix("\ufeff")


def _encoding_expected(data: bytes, tried: str, exc: UnicodeDecodeError, from_settings: bool) -> str:
    from charset_normalizer import from_bytes

    line = data.count(b"\n", 0, exc.start) + 1
    guess = from_bytes(data[:200_000]).best()
    said = f"dealer.toml says encoding = {tried!r}, but" if from_settings else f"{tried.upper()} text;"
    text = f"{said} line {line} holds a byte ({data[exc.start]:#04x}) that is not {tried.upper()}"
    if guess is not None and guess.encoding not in ("utf_8", "ascii") and not from_settings:
        text += (
            f". The file looks like {guess.encoding} text: set encoding = {guess.encoding!r} in dealer.toml, "
            "or re-export it as UTF-8"
        )
    return text


def _fields(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # a stray carriage return or quote: pandas will name the problem
        return [line]


def delimiter_of(header: str) -> str:
    """The delimiter of a CSV header line: whichever of :data:`DELIMITERS` splits it into the most
    columns, a comma on a tie."""
    return max(DELIMITERS, key=lambda d: (len(_fields(header, d)), d == ","))


_WARNINGS_TURN = threading.Lock()  # see read_csv_text


def read_csv_text(path: Path, text: str, problems: list[Problem], delimiter: str | None = None) -> pd.DataFrame | None:
    """A CSV file's text as cells (the delimiter given, else from :func:`delimiter_of`); a column
    named twice or a header row repeated inside the file is a problem."""
    first = next((line.rstrip("\r") for line in text.split("\n", 50) if line.strip()), "")
    delimiter = delimiter or delimiter_of(first)
    names = [c.strip() for c in _fields(first, delimiter)]
    twice = sorted({n for n in names if names.count(n) > 1 and n})
    if twice:
        problems.append(
            Problem(path.name, ", ".join(twice), "each column once in the header row; these columns appear twice")
        )
        return None
    expected = f"{_delimiter_name(delimiter)}-separated text with a header row"
    try:
        # index_col=False: pandas would otherwise take a row's extra values as an index and shift
        # every value of the file one column over; it warns when it drops them instead. Python's
        # warning filters belong to the whole process, so files read side by side take turns here.
        with _WARNINGS_TURN, warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                dtype="str",
                keep_default_na=False,
                na_values=[""],
                skipinitialspace=True,
                index_col=False,
            )
    except pd.errors.ParserWarning:
        line = _longer_line(text, delimiter, len(names))
        problems.append(
            Problem(path.name, None, f"{expected}, no row longer than the header ({len(names)} values)", line, 1)
        )
        return None
    except (ValueError, pd.errors.ParserError) as exc:
        problems.append(Problem(path.name, None, f"{expected} ({exc})".replace("\n", " ")))
        return None
    names = names if len(names) == len(df.columns) else [str(c).strip() for c in df.columns]
    df.columns = names
    lines = _record_lines(text, len(df))
    if lines is not None:
        df.attrs["lines"] = lines
    return checked_cells(path, df, problems)


def checked_cells(path: Path, df: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame | None:
    """A CSV file's cells, or None after a problem: the header row repeated inside the file."""
    names = list(df.columns)
    repeated = df.iloc[:, 0].eq(names[0]).fillna(False).astype(bool)  # cheap first: the first column
    if repeated.any():
        repeated &= df[repeated].eq(pd.Series(names, index=df.columns)).all(axis=1).reindex(df.index, fill_value=False)
    if len(names) > 1 and repeated.any():
        problems.append(
            contract.problem(
                path, None, "data rows; the header row is repeated inside the file", df[df.columns[0]], repeated
            )
        )
        return None
    return df


def _longer_line(text: str, delimiter: str, width: int) -> tuple[tuple[int, str], ...]:
    """The first record with more than ``width`` values, as (its line, its text)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    try:
        for row in reader:
            if len(row) > width:
                return ((reader.line_num, delimiter.join(row)),)
    except csv.Error:
        pass
    return ()


def _delimiter_name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}[delimiter]


def _record_lines(text: str, records: int):
    """The physical line on which each record starts, or None when record i is on line i + 2 (no
    record spans lines and no line is blank)."""
    if text.count("\n") + (not text.endswith("\n")) == records + 1:
        return None
    starts, previous, header_seen = [], 0, False
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            if row and header_seen:
                starts.append(previous + 1)
            header_seen = header_seen or bool(row)
            previous = reader.line_num
    except csv.Error:  # pandas read the file; line numbers then fall back to one record a line
        return None
    if len(starts) != records or starts == list(range(2, records + 2)):
        return None
    return tuple(starts)  # a tuple: pandas compares attrs when it combines frames


def read_table(path: Path, table: schema.Table, problems: list[Problem], settings: dict | None = None):
    """One table's file parsed into typed columns and checked against the contract, or None after
    a problem. ``settings`` (dealer.toml) say how money is written (``decimal``), which encoding the
    text is in and which time zone the dealer is in."""
    settings = settings or {}
    raw = read_raw(path, problems, settings.get("encoding"))
    if raw is None:
        return None
    return typed_table(raw, path, table, problems, settings)


def typed_table(raw: pd.DataFrame, path: Path, table: schema.Table, problems: list[Problem], settings: dict):
    """A table's text cells (``raw``, read from ``path``) parsed into typed columns and checked
    against the contract, or None when a required column is missing. Problems name ``path``."""
    missing = [c for c in table.required if c not in raw.columns]
    if missing:
        problems.append(
            Problem(
                path.name,
                ", ".join(missing),
                f"required column{'s' if len(missing) > 1 else ''} missing; "
                f"the file has {', '.join(map(str, raw.columns)) or 'no columns'}",
            )
        )
        return None
    raw = raw.reset_index(drop=True)

    def parsed(col: schema.Column) -> tuple[pd.Series, pd.Series | None]:
        if col.name not in raw.columns:
            return _empty_column(col, len(raw)), None
        source = raw[col.name]
        if not isinstance(source.dtype, pd.StringDtype) and not (
            pd.api.types.is_datetime64_any_dtype(source) or pd.api.types.is_numeric_dtype(source)
        ):
            source = source.astype("str").where(source.notna())
        return _parser(col, settings)(source)

    out = raw.copy(deep=False)  # copy-on-write: each parsed column replaces its text in out alone
    for col, (column, bad) in zip(table.columns, parallel.each(parsed, table.columns)):
        if bad is not None and bad.any():
            problems.append(contract.problem(path, col.name, expected(col.kind, settings), raw[col.name], bad))
        out[col.name] = column
    problems.extend(contract.check_rules(path, table, out, raw))
    problems.extend(contract.check_dates(path, table, out, raw))
    return out


def _parser(col: schema.Column, settings: dict):
    if col.allowed and col.kind == "text":
        return parse_choice
    if col.kind == "number":
        return lambda raw: parse_number(raw, decimal=settings.get("decimal", "."))
    if col.kind == "datetime":
        return lambda raw: parse_datetime(raw, settings.get("timezone"))
    return PARSERS[col.kind]


def expected(kind: str, settings: dict) -> str:
    """What a value of ``kind`` must look like, in the words a problem uses."""
    if kind == "number" and settings.get("decimal", ".") == ",":
        return 'a number with a decimal comma, as dealer.toml says (decimal = ","), such as 1.234,50 or 12,50'
    return _EXPECTED[kind]


_EXPECTED = {
    "datetime": "a date from 1900 to 2100 such as 2024-03-01, 2024-03-01T14:05:00 or 03/01/2024",
    "bool": "true/false, yes/no, y/n or 1/0 (blank if unknown)",
    "number": (
        "a number such as 1234.50 or $1,234.50; a value such as 12,50 or 1.234,50 is written with a decimal comma "
        '(set decimal = "," in dealer.toml if the export uses one; it is never guessed)'
    ),
    "integer": "a whole number",
}


def _empty_column(col: schema.Column, n: int) -> pd.Series:
    dtype = {"datetime": "datetime64[ns]", "bool": "boolean", "number": "Float64", "integer": "Int64"}.get(
        col.kind, "str"
    )
    return pd.Series(pd.array([pd.NA] * n, dtype=dtype) if dtype != "datetime64[ns]" else [pd.NaT] * n, dtype=dtype)
