"""Load a dealer's data folder into typed, validated tables, cut at ``as_of``.

A folder holds one CSV or Parquet file per table of the contract (:mod:`toolkit.inputs.schema`)
and a ``dealer.toml``. :func:`load_dealer` reads every table present
(:mod:`toolkit.inputs.reading`), checks it (:mod:`toolkit.inputs.contract`), collects *every*
problem into one :class:`~toolkit.errors.DataError`, and caches the validated tables
(:mod:`toolkit.inputs.cache`), so a render validates a folder once however many playbooks it
runs. Input files are only ever read.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toolkit import privacy, rules
from toolkit.errors import DataError, Problem
from toolkit.inputs import cache, contract, parallel, parse, reading, schema


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
    masked: bool = False  # personal data is shown as pseudonyms (:mod:`toolkit.privacy`)

    def __getitem__(self, table: str) -> pd.DataFrame:
        if table not in self.tables:
            raise DataError(
                str(self.folder),
                [Problem(f"{table}.csv", None, "this analysis needs this table, and the folder has none")],
            )
        return self.tables[table]

    @property
    def currency(self) -> str:
        """The three-letter code of the money columns' currency from dealer.toml ("USD"), or ""."""
        return str(self.settings.get("currency", ""))

    @property
    def as_of_text(self) -> str:
        """``as_of`` as ISO text, or "" when there is none."""
        return str(self.as_of.date()) if self.as_of is not None else ""

    def __contains__(self, table: str) -> bool:
        return table in self.tables


def load_dealer(
    data_dir: str | os.PathLike,
    tables: list[str] | None = None,
    as_of: str | pd.Timestamp | None = None,
    cache: bool = True,
    mask_personal: bool = False,
    store: str = "",
) -> Dealer:
    """Load, validate and cut a dealer folder at ``as_of``.

    ``tables`` names the tables the caller needs (a missing one is an error);
    every table present is validated all the same, because references run
    between tables. ``as_of`` defaults to ``dealer.toml``'s ``as_of``, else the
    latest date in the data (never today's clock), and rows dated after it are
    left out. With ``mask_personal`` staff names are pseudonyms and the Dealer says so, for the
    contact details a list shows (:mod:`toolkit.analyses.contacts`). With ``store`` only that
    store of a dealer group is kept (:func:`of_store`). Raises :class:`DataError` listing every
    problem found.
    """
    folder = Path(data_dir)
    if not folder.is_dir():
        raise DataError(
            str(folder), [Problem(str(folder), None, "a folder of the dealer's tables; there is no such folder")]
        )
    validated = _load_validated(folder, cache)
    missing = [t for t in tables or [] if t not in validated.tables]
    if missing:
        raise DataError(
            str(folder),
            [Problem(f"{t}.csv", None, "this analysis needs this table, and the folder has none") for t in missing],
        )
    cut = pd.Timestamp(as_of).normalize() if as_of not in (None, "") else validated.as_of
    held = {name: _cut_at(df, schema.TABLES[name], cut) for name, df in validated.tables.items()}
    if store:
        held = of_store(held, store)
    if mask_personal and "staff" in held:
        held["staff"] = privacy.masked_staff(held["staff"])
    return Dealer(
        name=validated.name,
        as_of=cut,
        folder=folder,
        settings=validated.settings,
        tables=held,
        warnings=validated.warnings,
        masked=mask_personal,
    )


def of_store(tables: dict[str, pd.DataFrame], store: str) -> dict[str, pd.DataFrame]:
    """One store of a dealer group: the rows whose ``store_id`` is ``store`` in every table that
    fills it in; in a table without one (vehicles, events, holdouts, or a table whose store_id is
    blank throughout) the rows of that store's customers; tables that belong to no store
    (campaigns, staff without a store) whole."""
    named = {name for name, df in tables.items() if "store_id" in df and df["store_id"].notna().any()}
    out = {
        name: df[df["store_id"].eq(store).fillna(False).to_numpy(bool)] if name in named else df
        for name, df in tables.items()
    }
    if "customers" in named:
        kept = out["customers"]["customer_id"]
        for name, df in out.items():
            if name not in named and "customer_id" in df:
                out[name] = df[df["customer_id"].isin(kept).to_numpy(bool)]
    return out


def stores(dealer: Dealer) -> list[str]:
    """The store ids a dealer group's tables name (none for a single store)."""
    ids: set[str] = set()
    for df in dealer.tables.values():
        if "store_id" in df:
            ids |= set(df["store_id"].dropna())
    return sorted(ids)


def load_table_file(path: str | os.PathLike, table: str) -> pd.DataFrame:
    """One table from a single CSV or Parquet file (e.g. a survey kept apart from the CRM export),
    parsed and validated like a table in a folder; raises :class:`DataError`."""
    path = Path(path)
    if not path.is_file():
        raise DataError(str(path), [Problem(path.name, None, f"a {table} file; there is no such file")])
    problems: list[Problem] = []
    df = reading.read_table(path, schema.TABLES[table], problems)
    if problems or df is None:
        raise DataError(str(path), problems)
    df.attrs.clear()
    return df


def _cut_at(df: pd.DataFrame, table: schema.Table, as_of: pd.Timestamp) -> pd.DataFrame:
    if table.date is None or as_of is None:
        return df
    day = df[table.date].to_numpy("datetime64[D]")
    later = day > np.datetime64(as_of.date(), "D")  # NaT compares False: undated rows stay
    return df[~later].reset_index(drop=True) if later.any() else df


def _load_validated(folder: Path, use_cache: bool) -> Dealer:
    cached = cache.cache_path(folder)
    if use_cache and (cached / "meta.json").is_file():
        name, as_of, settings, tables, warnings = cache.read(cached)
        return Dealer(name, as_of, folder, settings, tables, warnings)
    dealer = _read_and_validate(folder)
    if use_cache:
        cache.write(dealer, cached)
    return dealer


def _read_and_validate(folder: Path) -> Dealer:
    problems: list[Problem] = []
    settings = reading.read_settings(folder, problems)
    found, problems_with_files = reading.find_tables(folder)
    problems.extend(problems_with_files)

    def read(name: str) -> tuple[pd.DataFrame | None, list[Problem]]:
        found_problems: list[Problem] = []
        df = reading.read_table(found[name], schema.TABLES[name], found_problems, settings)
        pa.default_memory_pool().release_unused()  # the file's cells and what checking them took
        return df, found_problems

    # the largest file alone (its cells are the most memory a load holds), then the others two at a time
    largest_first = sorted(found, key=lambda name: -found[name].stat().st_size)
    read_in = {name: read(name) for name in largest_first[:1]}
    read_in.update(zip(largest_first[1:], parallel.each(read, largest_first[1:], threads=2)))
    tables = {}
    for name in found:  # in the folder's order, whichever finished first
        df, found_problems = read_in[name]
        problems.extend(found_problems)
        if df is not None:
            tables[name] = df
    warnings = contract.check_references(tables) if not problems else []
    pa.default_memory_pool().release_unused()  # what hashing the IDs took
    for df in tables.values():
        df.attrs.clear()  # the files' line numbers are needed for messages only
    if problems:
        raise DataError(str(folder), problems)
    if "touches" in tables:
        tables["touches"] = _outbound_first(tables.pop("touches"))
    latest = _latest_date(tables)
    as_of = settings.get("as_of")
    as_of = pd.Timestamp(as_of).normalize() if as_of else latest
    return Dealer(str(settings["name"]), as_of, folder, settings, tables, warnings)


def _outbound_first(touches: pd.DataFrame) -> pd.DataFrame:
    """Touches with the outbound ones first, each part in file order, so that the analyses (which
    read outbound touches) take a slice of millions of rows instead of copying them. ``touches``
    is emptied as its columns are moved one at a time, so that the table is never held twice."""
    inbound = ~rules.is_outbound(touches)
    if not inbound.any() or inbound[-int(inbound.sum()) :].all():
        return touches
    order = np.argsort(inbound, kind="stable")
    parts = [pa.array(~inbound), pa.array(inbound)]

    def reordered(values: pd.Series) -> pd.Series:
        text = parse.arrow_text(values)
        if text is None:
            return values.take(order).reset_index(drop=True)
        chunks = [chunk for part in parallel.each(lambda keep: pc.filter(text, keep), parts) for chunk in part.chunks]
        return parse.text_series(pa.chunked_array(chunks, text.type), pd.RangeIndex(len(values)))

    out = {}
    for name in list(touches.columns):
        out[name] = reordered(touches.pop(name))
        pa.default_memory_pool().release_unused()  # the column's old memory
    return pd.DataFrame(out)


ACTIVITY_TABLES = ("sales", "touches", "events", "repair_orders", "appointments")


def _latest_date(tables: dict[str, pd.DataFrame]) -> pd.Timestamp | None:
    """The default ``as_of``: the latest activity (a sale, touch, event, repair order or set
    appointment); a campaign's planned start date does not count."""
    latest = [tables[n][schema.TABLES[n].date].max() for n in ACTIVITY_TABLES if n in tables]
    latest = [d for d in latest if pd.notna(d)]
    return max(latest).normalize() if latest else None


def activity_span(folder: str | os.PathLike) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day of activity in a folder's data (sales, touches, events, repair
    orders, appointments set), whatever ``as_of`` a render asks for."""
    validated = _load_validated(Path(folder), True)
    days = [
        d
        for name in ACTIVITY_TABLES
        if name in validated.tables
        for d in validated.tables[name][schema.TABLES[name].date].agg(["min", "max"])
        if pd.notna(d)
    ]
    return (min(days).date(), max(days).date()) if days else (None, None)


def summarise_folder(dealer: Dealer) -> pd.DataFrame:
    """One row per table: rows, first and last date, and how many warnings it has."""
    rows = []
    for name, df in dealer.tables.items():
        date = schema.TABLES[name].date
        rows.append(
            {
                "table": name,
                "rows": len(df),
                "first": df[date].min().date() if date and df[date].notna().any() else None,
                "last": df[date].max().date() if date and df[date].notna().any() else None,
                "warnings": sum(w.file == f"{name}.csv" for w in dealer.warnings),
            }
        )
    return pd.DataFrame(rows)
