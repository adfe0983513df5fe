"""The mapping from a dealer's exports to the data contract, as ``playbook import`` writes it
(``mapping.toml``) and reads it back (``--mapping``): for each export, the table it holds, how its
text was read, which of its columns fill each contract column and how their values translate.

A column's source is written in one of these forms::

    deal_id = "DealNo"                                     # one column, as it is
    phone = { first_of = ["Cell Phone", "Home Phone"] }    # the first of these that is not blank
    first_name = { split = "Name1", part = "first" }       # "LAST,FIRST" split at its comma
    occurred_at = { date = "Activity Date", time = "Activity Time" }
    total = { sum_of = ["CustRoTotalAmt", "WarrRoTotalAmt"] }
    pay_type = { largest_of = { customer = "CustRoTotalAmt", warranty = "WarrRoTotalAmt" } }
    email_opt_in = { column = "Do Not Email", negate = true }
    channel = { value = "email" }                          # the same value on every row
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import UsageError
from toolkit.inputs import schema
from toolkit.resources import user_toml

DATE_ORDERS = ("month_first", "day_first")
PAYERS = ("customer", "warranty", "internal")
NAME_PARTS = ("first", "last")
SOURCE_FORMS = {  # the keys of each form a column's source may take, as the module docstring shows
    "first_of": {"first_of"},
    "split": {"split", "part"},
    "date": {"date", "time"},
    "sum_of": {"sum_of"},
    "largest_of": {"largest_of"},
    "column": {"column", "negate"},
    "value": {"value"},
}
FILE_KEYS = {"table", "encoding", "delimiter", "sheet", "dates", "decimal", "columns", "values"}
MAPPING_FILE = "mapping.toml"
DRAFT_FILE = "mapping-draft.toml"

Source = str | dict


@dataclass
class FileMapping:
    """How one export becomes (part of) one contract table."""

    file: str  # the export's name inside SOURCE
    table: str | None  # the contract table it holds; None when it could not be recognised
    columns: dict[str, Source] = field(default_factory=dict)  # contract column → its source
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # contract column → value → contract value
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    dates: str | None = None  # how a date such as 03/04/2024 reads: month_first or day_first
    decimal: str | None = None  # the money columns' decimal mark
    unused: list[str] = field(default_factory=list)  # the export's columns that fill nothing

    @property
    def schema_table(self) -> schema.Table:
        """The contract table the export holds; asked only of an export whose table is known."""
        if self.table is None:
            raise ValueError(f"{self.file}: no table recognised")
        return schema.TABLES[self.table]

    def sources(self, contract_column: str) -> list[str]:
        """The export's columns that fill ``contract_column``."""
        return source_columns(self.columns[contract_column])


@dataclass
class Mapping:
    """Every export's mapping, and the dealer's settings for a dealer.toml SOURCE lacks."""

    files: list[FileMapping]
    dealer: dict = field(default_factory=dict)


def source_columns(source: Source) -> list[str]:
    """The export columns one contract column's source reads, in the order it reads them."""
    if isinstance(source, str):
        return [source]
    if "first_of" in source:
        return list(source["first_of"])
    if "sum_of" in source:
        return list(source["sum_of"])
    if "largest_of" in source:
        return list(source["largest_of"].values())
    if "date" in source:
        return [source["date"], *([source["time"]] if "time" in source else [])]
    if "split" in source:
        return [source["split"]]
    if "column" in source:
        return [source["column"]]
    return []


def unused_columns(fm: FileMapping, columns: list[str]) -> list[str]:
    """The export's columns that fill no contract column under ``fm``."""
    used = {c for source in fm.columns.values() for c in source_columns(source)}
    return [c for c in columns if c not in used]


# --- writing ---------------------------------------------------------------------------------

HEADER = """\
# How `playbook import` read each export. Edit it and run again with
#   playbook import SOURCE --out DIR --mapping THIS-FILE
# A column's source is a column name, or { first_of = [...] }, { split = "...", part = "first" },
# { date = "...", time = "..." }, { sum_of = [...] }, { largest_of = { customer = "..." } },
# { column = "...", negate = true } or { value = "..." }. A value map translates an export's
# values into the contract's; a value mapped to "" still needs one.
"""


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string (JSON's escapes are TOML's, except DEL, which TOML wants
    escaped too)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _key(key: str) -> str:
    bare = key and all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in key)
    return key if bare else toml_string(key)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {value!r}")


def mapping_toml(mapping: Mapping, notes: dict[str, list[str]] | None = None) -> str:
    """``mapping`` as the TOML text of a mapping file, with ``notes`` (export → lines) written as
    comments under each export's table: what still needs the user's answer."""
    notes = notes or {}
    lines = [HEADER]
    if mapping.dealer:
        lines.append("[dealer]")
        lines += [f"{_key(k)} = {_value(v)}" for k, v in mapping.dealer.items()]
        lines.append("")
    for fm in mapping.files:
        head = f"files.{toml_string(fm.file)}"
        lines.append(f"[{head}]")
        lines += [f"# {note}" for note in notes.get(fm.file, [])]
        if fm.table is not None:
            lines.append(f"table = {toml_string(fm.table)}")
        for key in ("encoding", "delimiter", "sheet", "dates", "decimal"):
            if getattr(fm, key) is not None:
                lines.append(f"{key} = {toml_string(getattr(fm, key))}")
        if fm.unused:
            lines.append(f"# not used: {', '.join(toml_string(c) for c in fm.unused)}")
        lines.append("")
        if fm.columns:
            lines.append(f"[{head}.columns]")
            lines += [f"{_key(k)} = {_value(v)}" for k, v in fm.columns.items()]
            lines.append("")
        for column, values in fm.values.items():
            lines.append(f"[{head}.values.{_key(column)}]")
            lines += [f"{toml_string(k)} = {toml_string(v)}" for k, v in values.items()]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# --- reading ---------------------------------------------------------------------------------


def read_mapping(path: Path) -> Mapping:
    """A mapping file, every entry checked; a wrong one is a :class:`UsageError` naming the
    export, the key and what was expected."""
    data = user_toml(path, f"--mapping {path}")
    unknown = sorted(set(data) - {"dealer", "files"})
    if unknown:
        raise UsageError(f"--mapping {path.name}: unknown section {unknown[0]!r}; a mapping has [dealer] and [files]")
    files = data.get("files", {})
    if not isinstance(files, dict):
        raise UsageError(f"--mapping {path.name}: [files] must hold a table per export")
    return Mapping([_file_mapping(path.name, name, entry) for name, entry in files.items()], data.get("dealer", {}))


def _file_mapping(where: str, name: str, entry: object) -> FileMapping:
    def bad(key: str, expected: str) -> UsageError:
        return UsageError(f"--mapping {where}, [files.{toml_string(name)}] {key}: expected {expected}")

    if not isinstance(entry, dict):
        raise bad("", "a table")
    unknown = sorted(set(entry) - FILE_KEYS)
    if unknown:
        raise bad(unknown[0], f"one of the keys {', '.join(sorted(FILE_KEYS))}")
    table = entry.get("table")
    if table is not None and table not in schema.TABLES:
        raise bad("table", f"one of {', '.join(schema.TABLES)}; got {table!r}")
    for key in ("encoding", "delimiter", "sheet", "dates", "decimal"):
        if key in entry and not isinstance(entry[key], str):
            raise bad(key, "a text value")
    if entry.get("dates", DATE_ORDERS[0]) not in DATE_ORDERS:
        raise bad("dates", f"{' or '.join(map(repr, DATE_ORDERS))}; got {entry['dates']!r}")
    if entry.get("decimal", ".") not in (".", ","):
        raise bad("decimal", f'"." or ","; got {entry["decimal"]!r}')
    columns = entry.get("columns", {})
    if not isinstance(columns, dict):
        raise bad("columns", "a table of contract column = source")
    for column, source in columns.items():
        problem = source_problem(source)
        if problem:
            raise bad(f"columns.{column}", problem)
    values = entry.get("values", {})
    if not isinstance(values, dict) or not all(
        isinstance(m, dict) and all(isinstance(v, str) for v in m.values()) for m in values.values()
    ):
        raise bad("values", 'a table per column of "export value" = "contract value"')
    return FileMapping(
        name,
        table,
        dict(columns),
        {c: dict(m) for c, m in values.items()},
        entry.get("encoding"),
        entry.get("delimiter"),
        entry.get("sheet"),
        entry.get("dates"),
        entry.get("decimal"),
    )


def source_problem(source: object) -> str | None:
    """What is wrong with one column's source, in words; None when it is one of the forms the
    module docstring shows."""
    if isinstance(source, str):
        return None if source else "a column name, not blank"
    if not isinstance(source, dict):
        return "a column name or an inline table such as { first_of = [...] }"
    form = next((f for f in SOURCE_FORMS if f in source), None)
    if form is None or not set(source) <= SOURCE_FORMS[form]:
        return f"one of the forms {', '.join(SOURCE_FORMS)}; got keys {', '.join(sorted(source))}"
    value = source[form]
    if form in ("first_of", "sum_of") and not (
        isinstance(value, list) and value and all(isinstance(v, str) for v in value)
    ):
        return f"{form} = a list of column names"
    if form == "largest_of" and not (
        isinstance(value, dict)
        and value
        and set(value) <= set(PAYERS)
        and all(isinstance(v, str) for v in value.values())
    ):
        return "largest_of = { " + ", ".join(f'{p} = "..."' for p in PAYERS) + " } (some of these payers)"
    if form == "split" and source.get("part") not in NAME_PARTS:
        return 'split with part = "first" or part = "last"'
    if form in ("date", "split", "column", "value") and not isinstance(value, str):
        return f"{form} = a text value"
    if form == "date" and not isinstance(source.get("time", ""), str):
        return "time = a column name"
    if form == "column" and not isinstance(source.get("negate", False), bool):
        return "negate = true or false"
    return None
