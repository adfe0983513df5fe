"""Load a dealer's data folder into typed, validated tables.

A folder holds one CSV or Parquet file per table of the contract
(:mod:`toolkit.schema`) and a ``dealer.toml``. :func:`load_dealer` reads every
table present, parses and validates it, collects *every* problem into one
:class:`~toolkit.errors.DataError`, and caches the validated tables as Parquet
keyed by the content of the input files, so a render validates a folder once
however many playbooks it runs. Input files are only ever read.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import feather

from toolkit import joins, schema
from toolkit.errors import DataError, Problem
from toolkit.parse import PARSERS, parse_choice

CACHE_VERSION = "4"
MAX_ROWS_SHOWN = 5


@dataclass
class Dealer:
    """A dealer's validated tables, cut at ``as_of``.

    ``as_of`` is None only when neither dealer.toml nor the data has a date.

    ``tables`` maps a table name to its DataFrame; a table the folder does not
    hold is absent. ``warnings`` are problems that do not stop an analysis
    (such as a touch whose customer is not in customers.csv).
    """

    name: str
    as_of: pd.Timestamp | None
    folder: Path
    settings: dict
    tables: dict[str, pd.DataFrame]
    warnings: list[Problem] = field(default_factory=list)

    def __getitem__(self, table: str) -> pd.DataFrame:
        if table not in self.tables:
            raise DataError(str(self.folder), [Problem(
                f"{table}.csv", None, "this analysis needs this table, and the folder has none")])
        return self.tables[table]

    @property
    def as_of_text(self) -> str:
        """``as_of`` as ISO text, or "" when there is none."""
        return str(self.as_of.date()) if self.as_of is not None else ""

    def __contains__(self, table: str) -> bool:
        return table in self.tables


def load_dealer(data_dir: str | os.PathLike, tables: list[str] | None = None,
                as_of: str | pd.Timestamp | None = None, cache: bool = True) -> Dealer:
    """Load, validate and cut a dealer folder at ``as_of``.

    ``tables`` names the tables the caller needs (a missing one is an error);
    every table present is validated all the same, because references run
    between tables. ``as_of`` defaults to ``dealer.toml``'s ``as_of``, else the
    latest date in the data (never today's clock), and rows dated after it are
    left out. Raises :class:`DataError` listing every problem found.
    """
    folder = Path(data_dir)
    if not folder.is_dir():
        raise DataError(str(folder), [Problem(str(folder), None, "a folder of the dealer's tables; there is no such folder")])
    validated = _load_validated(folder, cache)
    missing = [t for t in tables or [] if t not in validated.tables]
    if missing:
        raise DataError(str(folder), [
            Problem(f"{t}.csv", None, "this analysis needs this table, and the folder has none")
            for t in missing])
    cut = pd.Timestamp(as_of).normalize() if as_of not in (None, "") else validated.as_of
    return Dealer(
        name=validated.name, as_of=cut, folder=folder, settings=validated.settings,
        tables={name: _cut_at(df, schema.TABLES[name], cut) for name, df in validated.tables.items()},
        warnings=validated.warnings,
    )


def outbound_touches(touches: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Touches the dealership sent: ``direction`` outbound or blank (the contract's default).
    ``columns`` picks the columns to keep, which is much faster on millions of touches."""
    sent = (touches["direction"].isna() | touches["direction"].eq("outbound")).to_numpy(bool)
    chosen = touches[columns] if columns else touches
    first = int(sent.sum())
    if sent[:first].all():  # loaded tables hold outbound touches first: a slice, not a copy
        return chosen.iloc[:first] if first < len(sent) else chosen
    return chosen[sent]


def filter_period(df: pd.DataFrame, column: str, start: str = "", end: str = "") -> pd.DataFrame:
    """Rows whose ``column`` date falls between ``start`` and ``end`` (whole days, both included;
    blank means open-ended)."""
    if not start and not end:
        return df
    day = df[column].to_numpy("datetime64[D]")
    keep = ~np.isnat(day)
    if start:
        keep &= day >= np.datetime64(pd.Timestamp(start).date(), "D")
    if end:
        keep &= day <= np.datetime64(pd.Timestamp(end).date(), "D")
    return df if keep.all() else df[keep]


def load_table_file(path: str | os.PathLike, table: str) -> pd.DataFrame:
    """One table from a single CSV or Parquet file (e.g. a survey kept apart from the CRM export),
    parsed and validated like a table in a folder; raises :class:`DataError`."""
    path = Path(path)
    if not path.is_file():
        raise DataError(str(path), [Problem(path.name, None, f"a {table} file; there is no such file")])
    problems: list[Problem] = []
    df = _read_table(path, schema.TABLES[table], problems)
    if problems:
        raise DataError(str(path), problems)
    return df


def table_files(folder: Path) -> dict[str, Path]:
    """The file that holds each table present in ``folder`` (CSV or Parquet)."""
    found = {}
    for name in schema.TABLES:
        for suffix in (".parquet", ".csv"):
            path = folder / f"{name}{suffix}"
            if path.is_file():
                found.setdefault(name, path)
    return found


def cache_path(data_dir: str | os.PathLike) -> Path:
    """The cache folder of a data folder's current content (its validated tables, as Arrow files)."""
    return cache_root() / _content_key(Path(data_dir))


def cache_root() -> Path:
    """Where validated tables are cached (``$DEALER_PLAYBOOKS_CACHE`` or ~/.cache)."""
    env = os.environ.get("DEALER_PLAYBOOKS_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "dealer-playbooks"


def _cut_at(df: pd.DataFrame, table: schema.Table, as_of: pd.Timestamp) -> pd.DataFrame:
    if table.date is None or as_of is None:
        return df
    day = df[table.date].to_numpy("datetime64[D]")
    later = day > np.datetime64(as_of.date(), "D")  # NaT compares False: undated rows stay
    return df[~later].reset_index(drop=True) if later.any() else df


# --- reading and validating -------------------------------------------------------------


def _content_key(folder: Path) -> str:
    """A digest of the folder's input files. Hashing a dealer group's CSVs takes seconds, so the
    digest is remembered against the files' size, modification time and inode, and reused while
    those stay the same — unless a file changed within two seconds of the digest being taken,
    when a same-size rewrite could keep its timestamp (the digest is then computed afresh)."""
    files = sorted(table_files(folder).values()) + [folder / schema.DEALER_FILE]
    stats = [_signature(p) for p in files]
    memo = cache_root() / "keys" / f"{hashlib.blake2b(str(folder.resolve()).encode(), digest_size=16).hexdigest()}.json"
    try:
        saved = json.loads(memo.read_text())
    except (OSError, ValueError):
        saved = {}
    if (saved.get("version") == CACHE_VERSION and saved.get("files") == stats
            and all(s[2] < saved["written_ns"] - 2_000_000_000 for s in stats if s)):
        return saved["key"]
    written_ns = time.time_ns()
    digest = hashlib.blake2b(CACHE_VERSION.encode(), digest_size=16)
    for path in files:
        digest.update(path.name.encode())
        if path.is_file():
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 22):
                    digest.update(chunk)
    key = digest.hexdigest()
    _write_atomically(memo, json.dumps({"version": CACHE_VERSION, "files": stats, "written_ns": written_ns, "key": key}))
    if saved.get("key") not in (None, key):
        _forget(saved["key"])
    return key


def _forget(key: str) -> None:
    """Remove the cached tables of a folder's previous content, unless another folder has the same."""
    memos = (cache_root() / "keys").glob("*.json")
    if not any(f'"key": "{key}"' in m.read_text() for m in memos if m.is_file()):
        shutil.rmtree(cache_root() / key, ignore_errors=True)


def _signature(path: Path) -> list | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [path.name, st.st_size, st.st_mtime_ns, st.st_ino]


def _write_atomically(path: Path, text: str) -> None:
    """Write a small cache file so a reader never sees half of it; a failure only loses the memo."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:
        pass


def _load_validated(folder: Path, use_cache: bool) -> Dealer:
    key = _content_key(folder)
    cached = cache_root() / key
    if use_cache and (cached / "meta.json").is_file():
        return _read_cache(folder, cached)
    dealer = _read_and_validate(folder)
    if use_cache:
        _write_cache(dealer, cached)
    return dealer


def _read_and_validate(folder: Path) -> Dealer:
    problems: list[Problem] = []
    settings = _read_settings(folder, problems)
    tables = {}
    for name, path in table_files(folder).items():
        df = _read_table(path, schema.TABLES[name], problems)
        if df is not None:
            tables[name] = df
    warnings = _check_references(tables) if not problems else []
    if problems:
        raise DataError(str(folder), problems)
    if "touches" in tables:
        tables["touches"] = _outbound_first(tables["touches"])
    latest = _latest_date(tables)
    as_of = settings.get("as_of")
    as_of = pd.Timestamp(as_of).normalize() if as_of else latest
    return Dealer(str(settings["name"]), as_of, folder, settings, tables, warnings)


def _outbound_first(touches: pd.DataFrame) -> pd.DataFrame:
    """Touches with the outbound ones first, each part in file order, so that the analyses (which
    read outbound touches) take a slice of millions of rows instead of copying them."""
    inbound = touches["direction"].eq("inbound").fillna(False).to_numpy(bool)
    if not inbound.any() or inbound[-int(inbound.sum()):].all():
        return touches
    return touches.iloc[np.argsort(inbound, kind="stable")].reset_index(drop=True)


def _read_settings(folder: Path, problems: list[Problem]) -> dict:
    path = folder / schema.DEALER_FILE
    if not path.is_file():
        problems.append(Problem(schema.DEALER_FILE, None, "a dealer.toml with at least name = \"...\"; the file is missing"))
        return {}
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(schema.DEALER_FILE, None, f"valid TOML text ({exc})"))
        return {}
    if not str(settings.get("name", "")).strip():
        problems.append(Problem(schema.DEALER_FILE, "name", "the dealership's name, e.g. name = \"Lakeside Motors\""))
    if "as_of" in settings:
        try:
            settings["as_of"] = str(pd.Timestamp(str(settings["as_of"])).date())
        except ValueError:
            problems.append(Problem(schema.DEALER_FILE, "as_of", "a date such as 2025-06-30",
                                    ((0, str(settings["as_of"])),), 1))
    return settings


def _read_raw(path: Path, problems: list[Problem]) -> pd.DataFrame | None:
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
        df = pd.read_csv(path, dtype="str", keep_default_na=False, na_values=[""],
                         encoding="utf-8-sig", skipinitialspace=True)
    except (ValueError, pd.errors.ParserError) as exc:
        problems.append(Problem(path.name, None, f"comma-separated text with a header row ({exc})".replace("\n", " ")))
        return None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _row_labels(path: Path, index: pd.Index) -> list[int]:
    offset = 2 if path.suffix == ".csv" else 1  # CSV: the header is line 1
    return [int(i) + offset for i in index]


def _problem(path: Path, column: str | None, expected: str, raw: pd.Series, mask: pd.Series) -> Problem:
    bad = raw[mask]
    shown = bad.head(MAX_ROWS_SHOWN)
    rows = tuple(zip(_row_labels(path, shown.index), ("" if pd.isna(v) else str(v) for v in shown)))
    return Problem(path.name, column, expected, rows, int(mask.sum()), "row" if path.suffix == ".parquet" else "line")


def _read_table(path: Path, table: schema.Table, problems: list[Problem]) -> pd.DataFrame | None:
    raw = _read_raw(path, problems)
    if raw is None:
        return None
    missing = [c for c in table.required if c not in raw.columns]
    if missing:
        problems.append(Problem(path.name, ", ".join(missing),
                                f"required column{'s' if len(missing) > 1 else ''} missing; "
                                f"the file has {', '.join(map(str, raw.columns)) or 'no columns'}"))
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
            problems.append(_problem(path, col.name, _EXPECTED[col.kind], raw[col.name], bad))
        out[col.name] = parsed
    problems.extend(_check_rules(path, table, out, raw))
    return out


_EXPECTED = {
    "datetime": "a date such as 2024-03-01, 2024-03-01T14:05:00 or 03/01/2024",
    "bool": "true/false, yes/no, y/n or 1/0 (blank if unknown)",
    "number": "a number such as 1234.50",
    "integer": "a whole number",
}


def _empty_column(col: schema.Column, n: int) -> pd.Series:
    dtype = {"datetime": "datetime64[ns]", "bool": "boolean", "number": "Float64",
             "integer": "Int64"}.get(col.kind, "str")
    return pd.Series(pd.array([pd.NA] * n, dtype=dtype) if dtype != "datetime64[ns]" else [pd.NaT] * n,
                     dtype=dtype)


def _check_rules(path: Path, table: schema.Table, df: pd.DataFrame, raw: pd.DataFrame) -> list[Problem]:
    """Required values, allowed values, ranges and unique keys, checked with pandera."""
    import pandera.pandas as pa

    columns = {}
    for col in table.columns:
        checks = []
        if col.allowed and col.kind == "tags":
            checks.append(pa.Check(lambda s, allowed=col.allowed: _tags_allowed(s, allowed),
                                   error=f"';'-separated tags from: {', '.join(col.allowed)}"))
        elif col.allowed:
            checks.append(pa.Check(lambda s, allowed=col.allowed: _allowed(s, allowed),
                                   error=f"one of: {', '.join(col.allowed)}"))
        if col.low is not None:
            checks.append(pa.Check.ge(col.low, error=f"at least {col.low:g}"))
        if col.high is not None:
            checks.append(pa.Check.le(col.high, error=f"at most {col.high:g}"))
        unique = table.key == (col.name,)
        columns[col.name] = pa.Column(checks=checks, nullable=not col.required, unique=unique,
                                      coerce=False, required=False)
    model = pa.DataFrameSchema(columns, unique=list(table.key) if len(table.key) > 1 else None)
    try:
        model.validate(df, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        return _problems_from_pandera(path, table, exc.failure_cases, df, raw)


def _allowed(values: pd.Series, allowed: tuple[str, ...]) -> pd.Series:
    """Whether each value is one of ``allowed`` (blank passes: required is checked apart)."""
    return pd.Series(joins.isin(values, pd.Series(allowed, dtype="str")) | values.isna().to_numpy(), index=values.index)


def _tags_allowed(values: pd.Series, allowed: tuple[str, ...]) -> pd.Series:
    """Whether every ``;``-separated tag of each value is one of ``allowed``."""
    text = pa.array(values, from_pandas=True, type=pa.large_string())
    tags = pc.split_pattern(text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text, ";")
    unknown = ~pc.is_in(pc.list_flatten(tags), value_set=pa.array(allowed)).to_numpy(zero_copy_only=False)
    bad = np.zeros(len(values), bool)
    bad[pc.list_parent_indices(tags).to_numpy()[unknown]] = True
    return pd.Series(~bad, index=values.index)


def _problems_from_pandera(path, table, cases: pd.DataFrame, df, raw) -> list[Problem]:
    problems = []
    cases = cases[cases["index"].notna()]
    for (column, check), group in cases.groupby(["column", "check"], sort=False, dropna=False):
        rows = pd.Index(sorted(set(int(i) for i in group["index"])))
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
            problems.append(_problem(path, column, expected, source, mask))
    return problems


def _check_references(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Warnings for IDs that name a row missing from the table they refer to.

    Exports from one CRM are often cut at slightly different moments, so an
    unknown customer, staff member, touch or campaign is a warning, not an
    error: the row is kept, and analyses per customer simply find no match.
    """
    warnings = []
    for name, df in tables.items():
        for column, target in schema.TABLES[name].references:
            if target not in tables:
                continue
            known = tables[target][schema.TABLES[target].key[0]]
            values = df[column]
            mask = pd.Series(values.notna().to_numpy() & ~joins.isin(values, known), index=values.index)
            if mask.any():
                warnings.append(_problem(Path(f"{name}.csv"), column,
                                         f"IDs found in {target}.csv; these are not there (rows kept)",
                                         values, mask))
    return warnings


def _latest_date(tables: dict[str, pd.DataFrame]) -> pd.Timestamp | None:
    latest = [df[schema.TABLES[n].date].max() for n, df in tables.items() if schema.TABLES[n].date]
    latest = [d for d in latest if pd.notna(d)]
    return max(latest).normalize() if latest else None


# --- the cache ---------------------------------------------------------------------------


def _write_cache(dealer: Dealer, target: Path) -> None:
    """Write the validated tables atomically: a half-written cache is never read."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    try:
        for name, df in dealer.tables.items():
            feather.write_feather(pa.Table.from_pandas(df, preserve_index=False), tmp / f"{name}.arrow",
                                  compression="uncompressed")
        meta = {"name": dealer.name, "as_of": dealer.as_of_text, "settings": dealer.settings,
                "warnings": [w.__dict__ for w in dealer.warnings]}
        (tmp / "meta.json").write_text(json.dumps(meta, default=str))
        tmp.rename(target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # another process won the race, or no space: no cache


def _read_cache(folder: Path, cached: Path) -> Dealer:
    meta = json.loads((cached / "meta.json").read_text())
    tables = {p.stem: feather.read_table(p, memory_map=True).to_pandas() for p in cached.glob("*.arrow")}
    warnings = [Problem(w["file"], w["column"], w["expected"], tuple(map(tuple, w["rows"])), w["count"], w["unit"])
                for w in meta["warnings"]]
    as_of = pd.Timestamp(meta["as_of"]) if meta["as_of"] else None
    return Dealer(meta["name"], as_of, folder, meta["settings"], tables, warnings)


def summarise_folder(dealer: Dealer) -> pd.DataFrame:
    """One row per table: rows, first and last date, and how many warnings it has."""
    rows = []
    for name, df in dealer.tables.items():
        date = schema.TABLES[name].date
        rows.append({
            "table": name, "rows": len(df),
            "first": df[date].min().date() if date and df[date].notna().any() else None,
            "last": df[date].max().date() if date and df[date].notna().any() else None,
            "warnings": sum(w.file == f"{name}.csv" for w in dealer.warnings),
        })
    return pd.DataFrame(rows)
