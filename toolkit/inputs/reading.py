"""Reading a dealer's files: which file holds each table, dealer.toml, and each table's cells
parsed into typed columns (:mod:`toolkit.inputs.parse`), then checked against the contract
(:mod:`toolkit.inputs.contract`). Input files are only ever read.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd

from toolkit.errors import Problem
from toolkit.inputs import contract, schema
from toolkit.inputs.parse import PARSERS, parse_choice


def table_files(folder: Path) -> dict[str, Path]:
    """The file that holds each table present in ``folder`` (CSV or Parquet)."""
    found: dict[str, Path] = {}
    for name in schema.TABLES:
        for suffix in (".parquet", ".csv"):
            path = folder / f"{name}{suffix}"
            if path.is_file():
                found.setdefault(name, path)
    return found


def read_settings(folder: Path, problems: list[Problem]) -> dict:
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
    if "as_of" in settings:
        try:
            settings["as_of"] = str(pd.Timestamp(str(settings["as_of"])).date())
        except ValueError:
            problems.append(
                Problem(schema.DEALER_FILE, "as_of", "a date such as 2025-06-30", ((0, str(settings["as_of"])),), 1)
            )
    return settings


def read_raw(path: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """The file's cells as text (blank → NA) with a 0-based index, or None after a problem."""
    if path.suffix == ".parquet":
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several unrelated types for a bad file
            problems.append(Problem(path.name, None, f"a readable Parquet file ({type(exc).__name__}: {exc})"))
            return None
    data = path.read_bytes()
    if b"\x00" in data:
        problems.append(Problem(path.name, None, "CSV text; the file holds binary data"))
        return None
    if not data.strip():
        problems.append(Problem(path.name, None, "CSV text with a header row; the file is empty"))
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(path.name, None, f"UTF-8 text; byte {exc.start} is not UTF-8 (re-export as UTF-8)"))
        return None
    try:
        df = pd.read_csv(
            path, dtype="str", keep_default_na=False, na_values=[""], encoding="utf-8-sig", skipinitialspace=True
        )
    except (ValueError, pd.errors.ParserError) as exc:
        problems.append(Problem(path.name, None, f"comma-separated text with a header row ({exc})".replace("\n", " ")))
        return None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def read_table(path: Path, table: schema.Table, problems: list[Problem]) -> pd.DataFrame | None:
    raw = read_raw(path, problems)
    if raw is None:
        return None
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
    out = raw.copy()
    for col in table.columns:
        if col.name not in raw.columns:
            out[col.name] = _empty_column(col, len(raw))
            continue
        source = raw[col.name]
        if not pd.api.types.is_datetime64_any_dtype(source) and not pd.api.types.is_numeric_dtype(source):
            source = source.astype("str").where(source.notna())
        parser = parse_choice if (col.allowed and col.kind == "text") else PARSERS[col.kind]
        parsed, bad = parser(source)
        if bad.any():
            problems.append(contract.problem(path, col.name, _EXPECTED[col.kind], raw[col.name], bad))
        out[col.name] = parsed
    problems.extend(contract.check_rules(path, table, out, raw))
    return out


_EXPECTED = {
    "datetime": "a date such as 2024-03-01, 2024-03-01T14:05:00 or 03/01/2024",
    "bool": "true/false, yes/no, y/n or 1/0 (blank if unknown)",
    "number": "a number such as 1234.50",
    "integer": "a whole number",
}


def _empty_column(col: schema.Column, n: int) -> pd.Series:
    dtype = {"datetime": "datetime64[ns]", "bool": "boolean", "number": "Float64", "integer": "Int64"}.get(
        col.kind, "str"
    )
    return pd.Series(pd.array([pd.NA] * n, dtype=dtype) if dtype != "datetime64[ns]" else [pd.NaT] * n, dtype=dtype)
