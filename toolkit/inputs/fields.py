"""Known field names of DMS and CRM exports (``data/field_names.csv``, each with its source) and
of their values (``data/value_names.csv``), and what they suggest: which contract table an
export holds and which of its columns fill each contract column.

Names are compared by their letters and digits only, in any case (``Email Address``,
``email_address`` and ``EMAILADDRESS`` are one name); a name that is not known but close to one
(``Emial Address``) matches it too.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import functools
import re
from dataclasses import dataclass

import pandas as pd

from toolkit.inputs import schema
from toolkit.inputs.mapping import FileMapping, Source, unused_columns
from toolkit.resources import shipped

CLOSE = 0.86  # how alike two names must be (difflib's ratio) to count as one misspelt
SHORTEST_CLOSE = 6  # shorter names must match exactly: "Zip" is not "Zap"
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("address",)
}  # kept beside the contract's columns: the duplicates model reads them
TABLE_WORDS = {  # words in an export's file name that say which table it holds
    "customers": ("customer", "customers", "contacts", "people", "owners"),
    "vehicles": ("vehicle", "vehicles", "owned", "garage"),
    "sales": ("deal", "deals", "sales", "sold"),
    "touches": ("activity", "activities", "touches", "communications", "messages"),
    "events": ("event", "events", "engagement", "opens", "clicks"),
    "appointments": ("appointment", "appointments", "appt", "appts"),
    "repair_orders": ("ro", "ros", "repair", "repairs", "service", "repairorders"),
    "staff": ("staff", "employees", "users", "advisors"),
    "campaigns": ("campaign", "campaigns"),
    "survey": ("survey", "surveys"),
    "holdouts": ("holdout", "holdouts"),
}


@dataclass(frozen=True)
class KnownField:
    """One known export field: the contract column it fills (in ``table``, or in any table with
    that column when blank), the part of it it holds, and where the name comes from."""

    field: str
    table: str
    column: str
    part: str
    vendor: str
    source: str


def normal_name(name: str) -> str:
    """A name by its letters and digits, lower-cased: how field names are compared."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


@functools.cache
def known_fields() -> tuple[KnownField, ...]:
    """The shipped known field names, then every contract column under its own name."""
    with open(shipped("data", "field_names.csv"), encoding="utf-8", newline="") as fh:
        rows = [KnownField(**row) for row in csv.DictReader(fh)]
    own = [
        KnownField(c.name, t.name, c.name, "", "data contract", "docs/data.md")
        for t in schema.TABLES.values()
        for c in t.columns
    ]
    extra = [
        KnownField(c, t, c, "", "data contract", "docs/data.md") for t, cols in EXTRA_COLUMNS.items() for c in cols
    ]
    return tuple(own + extra + rows)


@functools.cache
def known_values() -> dict[str, dict[str, str]]:
    """Contract column → normal export value → the contract's value (``data/value_names.csv``)."""
    out: dict[str, dict[str, str]] = {}
    with open(shipped("data", "value_names.csv"), encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["column"], {})[normal_name(row["value"])] = row["means"]
    return out


def _columns_of(table: str) -> set[str]:
    return {c.name for c in schema.TABLES[table].columns} | set(EXTRA_COLUMNS.get(table, ()))


def matches(columns: list[str], table: str) -> dict[str, list[KnownField]]:
    """For each of an export's columns, the known fields of ``table`` it matches: by its normal
    name, else by a close spelling of one (for names of :data:`SHORTEST_CLOSE` letters or more)."""
    fields = [f for f in known_fields() if (f.table or table) == table and f.column in _columns_of(table)]
    fields += [f for f in known_fields() if f.table == table and f.column == "name"]
    by_name: dict[str, list[KnownField]] = {}
    for f in fields:
        by_name.setdefault(normal_name(f.field), []).append(f)
    out = {}
    for column in columns:
        name = normal_name(column)
        if name not in by_name and len(name) >= SHORTEST_CLOSE:
            close = difflib.get_close_matches(name, list(by_name), n=1, cutoff=CLOSE)
            name = close[0] if close else name
        if name in by_name:
            out[column] = by_name[name]
    return out


def _covered(found: dict[str, list[KnownField]]) -> set[str]:
    """The contract columns the matched fields fill (a "LAST,FIRST" name fills both names)."""
    covered = {f.column for fs in found.values() for f in fs}
    if "name" in covered:
        covered |= {"first_name", "last_name"}
    return covered


def recognised_table(file: str, columns: list[str]) -> str | None:
    """The contract table an export holds: the one whose required columns its columns fill
    (then the one with the most required columns, a name that says so, the most columns
    filled); failing that, the one its file name names; None when neither tells."""
    words = set(re.split(r"[^0-9a-z]+", file.lower()))
    scores = {}
    for table in schema.TABLES:
        covered = _covered(matches(columns, table))
        required = set(schema.TABLES[table].required)
        named = bool(words & set(TABLE_WORDS[table]))
        scores[table] = (required <= covered, len(required & covered), named, len(covered))
    best = max(scores, key=lambda t: scores[t])
    complete, _, named, filled = scores[best]
    if complete:
        return best
    named_tables = [t for t in schema.TABLES if scores[t][2]]
    return max(named_tables, key=lambda t: scores[t]) if named_tables else None


def suggested_columns(columns: list[str], table: str) -> dict[str, Source]:
    """Which of an export's columns fill each contract column of ``table`` (in the forms of
    :mod:`toolkit.inputs.mapping`). Several columns for
    one contract column become ``first_of`` in the order of the known names (a cell phone before
    a home phone); a separate time joins its date; a "LAST,FIRST" name is split; split payer
    totals give ``total`` and ``pay_type``."""
    found = matches(columns, table)
    rank = {f: i for i, f in enumerate(known_fields())}
    whole: dict[str, list[tuple[int, str]]] = {}
    parts: dict[str, dict[str, str]] = {}
    for column, fields in found.items():
        for f in fields:
            if f.part:
                parts.setdefault(f.column, {}).setdefault(f.part, column)
            else:
                whole.setdefault(f.column, []).append((rank[f], column))
    out: dict[str, Source] = {}
    for target in [c for c in _columns_of(table) if c in whole or c in parts]:
        chosen = [c for _, c in sorted(set(whole.get(target, [])))]
        chosen = list(dict.fromkeys(chosen))
        extra = parts.get(target, {})
        if chosen and "time" in extra:
            out[target] = {"date": chosen[0], "time": extra["time"]}
        elif len(chosen) > 1:
            out[target] = {"first_of": chosen}
        elif chosen:
            out[target] = chosen[0]
        elif "negated" in extra:
            out[target] = {"column": extra["negated"], "negate": True}
        elif set(extra) & {"customer", "warranty", "internal"}:
            payers = {p: extra[p] for p in ("customer", "warranty", "internal") if p in extra}
            out[target] = {"sum_of": list(payers.values())}
            if "pay_type" not in whole:
                out["pay_type"] = {"largest_of": payers}
    names = parts.get("name", {})
    if names:
        column = next(iter(names.values()))
        for part in ("first", "last"):
            out.setdefault(f"{part}_name", {"split": column, "part": part})
    order = [c.name for c in schema.TABLES[table].columns] + list(EXTRA_COLUMNS.get(table, ()))
    return {c: out[c] for c in order if c in out}


def suggested_values(column: str, allowed: tuple[str, ...] | None, values: pd.Series) -> dict[str, str]:
    """A value map for one contract column from the export's distinct values: each value that is
    not already the contract's (in any case) mapped to the contract value its known name means,
    or to "" when none is known (the user must say)."""
    known = known_values().get(column, {})
    own = {normal_name(a): a for a in allowed or ()}
    out = {}
    for value in sorted(values.dropna().astype("str").str.strip().unique()):
        if not value or value.lower() in (allowed or ()):
            continue
        key = normal_name(value)
        if allowed and key in own:
            out[value] = own[key]
        elif key in known:
            out[value] = known[key]
        elif allowed:
            out[value] = ""
    return out


def suggested_mapping(file: str, columns: list[str]) -> FileMapping:
    """The mapping suggested for one export from its file name and columns alone (value maps,
    date order and decimal mark are added from its values by the converter)."""
    table = recognised_table(file, columns)
    if table is None:
        return FileMapping(file, None, unused=list(columns))
    fm = FileMapping(file, table, suggested_columns(columns, table))
    return dataclasses.replace(fm, unused=unused_columns(fm, columns))
