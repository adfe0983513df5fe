"""Reading one of a dealer's own exports as text cells: which encoding its bytes are in, which
delimiter separates its fields, or which sheet of a workbook holds it. Cells stay text, so an ID
such as ``0012`` keeps its zeros; :mod:`toolkit.inputs.converting` reads their values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from toolkit.errors import Problem
from toolkit.inputs.reading import (
    BOMS,
    DELIMITERS,
    arrow_cells,
    checked_cells,
    delimiter_of,
    read_csv_text,
    read_excel,
)

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
EXPORT_SUFFIXES = (*TEXT_SUFFIXES, *EXCEL_SUFFIXES, ".parquet")
WESTERN = "cp1252"  # what Western exports that are not UTF-8 are written in (Windows' default)
SNIFF_CHARS = 64_000  # how much of a file the delimiter is judged on


@dataclass(frozen=True)
class Export:
    """An export's cells as text and how they were read: the encoding and delimiter of a text
    file, the sheet of a workbook (None where they do not apply)."""

    cells: pd.DataFrame
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


def encoding_of(data: bytes) -> str | None:
    """The encoding an export's bytes are in: the one its byte-order mark names; else UTF-8 when
    they decode as UTF-8; else UTF-16 without a mark when every other byte is zero; else
    Windows-1252 (Western exports) when they decode as it; else what charset-normalizer finds;
    None when nothing reads them. A detector alone reads Windows-1252 accents as cp1250, which is
    why it is asked last."""
    bom = next((name for mark, name, _ in BOMS if data.startswith(mark)), None)
    if bom:
        return bom
    if b"\x00" in data[:4096]:
        sample = data[:4096]
        if sample[1::2].count(0) > 0.9 * len(sample[1::2]):
            return "utf-16-le"
        if sample[0::2].count(0) > 0.9 * len(sample[0::2]):
            return "utf-16-be"
        return None
    for name in ("utf-8", WESTERN):
        try:
            data.decode(name)
            return name
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    guess = from_bytes(data[:200_000]).best()
    return guess.encoding if guess is not None else None


def delimiter_of_text(text: str) -> str:
    """The delimiter of an export's text, one of :data:`DELIMITERS`, judged by clevercsv on its
    first lines (a delimiter inside quoted cells does not mislead it); when it cannot tell, the
    one that splits the header line into the most columns (:func:`~toolkit.inputs.reading.delimiter_of`)."""
    import clevercsv

    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS:  # judge whole lines only
        sample = sample[: sample.rfind("\n") + 1] or sample
    try:
        dialect = clevercsv.Sniffer().sniff(sample, delimiters=list(DELIMITERS))
    except clevercsv.Error:
        dialect = None
    if dialect is not None and dialect.delimiter in DELIMITERS:
        return dialect.delimiter
    return delimiter_of(next((line.rstrip("\r") for line in text.split("\n", 50) if line.strip()), ""))


def read_export(
    path: Path,
    problems: list[Problem],
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Export | None:
    """An export file's cells as text (blank → NA), or None after a problem naming the file.
    ``encoding``, ``delimiter`` and ``sheet`` (from a mapping file) are used as given; otherwise
    they are found (:func:`encoding_of`, :func:`delimiter_of_text`, the first sheet)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            cells = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several unrelated types for a bad file
            problems.append(Problem(path.name, None, f"a readable Parquet file ({type(exc).__name__}: {exc})"))
            return None
        return Export(cells.astype("str").where(cells.notna()))
    if suffix in EXCEL_SUFFIXES:
        cells = read_excel(path, problems, sheet if sheet is not None else 0)
        return None if cells is None else Export(cells, sheet=sheet)
    data = path.read_bytes()
    if not data.strip():
        problems.append(Problem(path.name, None, "text with a header row; the file is empty"))
        return None
    chosen = encoding or encoding_of(data)
    if chosen is None:
        problems.append(
            Problem(path.name, None, 'text in a known encoding; set encoding = "..." for this file in the mapping')
        )
        return None
    try:
        text = data.decode(chosen).removeprefix("\ufeff")
    except (UnicodeDecodeError, LookupError) as exc:
        problems.append(Problem(path.name, None, f"text in {chosen} as the mapping says ({exc})"))
        return None
    if "\x00" in text:
        problems.append(Problem(path.name, None, "text; the file holds binary data"))
        return None
    chosen_delimiter = delimiter or delimiter_of_text(text)
    cells = arrow_cells(data, chosen, chosen_delimiter)
    cells = (
        read_csv_text(path, text, problems, chosen_delimiter) if cells is None else checked_cells(path, cells, problems)
    )
    return None if cells is None else Export(cells, chosen, chosen_delimiter)
