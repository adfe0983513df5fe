"""``playbook import``: a folder of a dealer's own exports (SOURCE) turned into a data folder of
the contract (DIR), with the mapping it used written beside the tables as ``mapping.toml``.

SOURCE is only read. DIR is built beside its final place and moved in whole, so it holds either
the earlier import or the new one. When an export cannot be converted, nothing but
``DIR/mapping-draft.toml`` is written: the mapping as far as it could be suggested, with a
comment under each export saying what it still needs.
"""

from __future__ import annotations

import dataclasses
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit import files, playbooks
from toolkit.errors import DataError, Problem, UsageError
from toolkit.inputs import contract, schema
from toolkit.inputs.converting import completed, converted_table, currency_of, date_evidence, required_problems
from toolkit.inputs.exports import EXPORT_SUFFIXES, read_export
from toolkit.inputs.fields import EXTRA_COLUMNS, suggested_mapping
from toolkit.inputs.mapping import (
    DRAFT_FILE,
    MAPPING_FILE,
    FileMapping,
    Mapping,
    mapping_toml,
    read_mapping,
    toml_string,
    unused_columns,
)
from toolkit.inputs.reading import read_settings

IMPORT_SETTINGS = ("decimal", "encoding")  # dealer.toml settings of SOURCE's files that DIR's files do not need


@dataclass
class UnfinishedImport(DataError):
    """Exports that could not be converted: every problem, and the mapping as far as it goes
    (``draft``, the text of a mapping file with a note under each export saying what it needs)."""

    draft: str = ""


@dataclass
class Imported:
    """What an import made: the contract tables, the mapping, the dealer's settings and what the
    user should hear about (exports skipped, columns left unused, reference warnings)."""

    tables: dict[str, pd.DataFrame]
    mapping: Mapping
    dealer: dict
    skipped: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def export_files(source: Path) -> tuple[list[Path], list[str]]:
    """The exports in ``source`` (files with one of :data:`EXPORT_SUFFIXES`, not hidden), and the
    names of the other entries, which are skipped (dealer.toml is read, not skipped)."""
    exports, skipped = [], []
    for entry in sorted(source.iterdir()):
        if entry.name.startswith(".") or entry.name == schema.DEALER_FILE:
            continue
        if entry.is_file() and entry.suffix.lower() in EXPORT_SUFFIXES:
            exports.append(entry)
        else:
            skipped.append(entry.name)
    return exports, skipped


def check_folders(source: Path, out: Path) -> None:
    """A :class:`UsageError` unless SOURCE is a folder and DIR may be written: absent, empty or
    an earlier import (it holds ``mapping.toml`` or the draft of one), and neither inside the other."""
    if not source.is_dir():
        raise UsageError(f"SOURCE {source}: not a folder of exports")
    src, dst = source.resolve(), out.resolve()
    if src == dst or src in dst.parents or dst in src.parents:
        raise UsageError(f"--out {out} and SOURCE {source} must be separate folders, neither inside the other")
    if dst.exists() and not dst.is_dir():
        raise UsageError(f"--out {out}: a file is there; name a folder")
    earlier = (dst / MAPPING_FILE).is_file() or (dst / DRAFT_FILE).is_file()
    if dst.is_dir() and any(dst.iterdir()) and not earlier:
        raise UsageError(
            f"--out {out} holds files that are not an earlier import (it has no {MAPPING_FILE}); "
            "name an empty or new folder"
        )


def _unrecognised(fm: FileMapping, columns: list[str]) -> Problem:
    return Problem(
        fm.file,
        None,
        "an export whose table can be recognised; its columns fill no table's required columns and its name "
        f'names none, so set table = "..." for it in the mapping (one of {", ".join(schema.TABLES)}); '
        f"its columns are {', '.join(map(repr, columns))}",
    )


def _dealer_settings(source: Path, mapping: Mapping, name: str | None, problems: list[Problem]) -> dict:
    """The dealer.toml DIR gets: SOURCE's (without the settings of its files), else the
    mapping's [dealer] with ``name`` (``--name``) over its name, else the SOURCE folder's name."""
    if (source / schema.DEALER_FILE).is_file():
        settings = read_settings(source, problems)
        return {k: v for k, v in settings.items() if k not in IMPORT_SETTINGS}
    settings = dict(mapping.dealer)
    settings["name"] = name or settings.get("name") or source.resolve().name
    return settings


def name_needed(source: Path, mapping_path: Path | None) -> bool:
    """Whether nothing names the dealer: SOURCE has no dealer.toml and the mapping no name."""
    if (source / schema.DEALER_FILE).is_file():
        return False
    return mapping_path is None or not read_mapping(mapping_path).dealer.get("name")


def _file_notes(problems: list[Problem], fms: list[FileMapping]) -> dict[str, list[str]]:
    notes: dict[str, list[str]] = {}
    for p in problems:
        notes.setdefault(p.file, []).append(f"TO DO: {p}".replace("\n", " "))
    return {fm.file: notes.get(fm.file, []) for fm in fms}


def _planned(source: Path, given: Mapping | None) -> tuple[list[Path], list[str]]:
    """The exports to read (the mapping's, when one is given) and the entries skipped."""
    exports, skipped = export_files(source)
    if given is not None:
        named = [fm.file for fm in given.files]
        absent = [f for f in named if not (source / f).is_file()]
        if absent:
            raise UsageError(f"--mapping names {', '.join(map(repr, absent))}, which SOURCE {source} does not have")
        skipped += [p.name for p in exports if p.name not in named]
        exports = [source / f for f in named]
    if not exports:
        raise UsageError(f"SOURCE {source}: no exports in it (files ending {', '.join(EXPORT_SUFFIXES)})")
    return exports, skipped


def mapped_export(
    path: Path, planned: FileMapping | None, problems: list[Problem]
) -> tuple[FileMapping, pd.DataFrame | None]:
    """One export's mapping (``planned``, else the suggested one, completed from its values) and
    its cells, or None when it cannot be read. An unrecognised table is a problem."""
    how = (planned.encoding, planned.delimiter, planned.sheet) if planned else (None, None, None)
    export = read_export(path, problems, *how)
    if export is None:
        return planned or FileMapping(path.name, None), None
    columns = [str(c) for c in export.cells.columns]
    fm = planned or suggested_mapping(path.name, columns)
    fm = dataclasses.replace(
        fm, encoding=export.encoding, delimiter=export.delimiter, sheet=export.sheet, unused=unused_columns(fm, columns)
    )
    if fm.table is None:
        problems.append(_unrecognised(fm, columns))
        return fm, export.cells
    fm = completed(export.cells, fm)
    problems.extend(required_problems(fm, columns))
    return fm, export.cells


def imported(source: Path, mapping_path: Path | None = None, name: str | None = None) -> Imported:
    """SOURCE's exports as contract tables with the mapping that converted them (``mapping_path``'s,
    else the one suggested); an :class:`UnfinishedImport` when any export cannot be converted."""
    given = read_mapping(mapping_path) if mapping_path is not None else None
    exports, skipped = _planned(source, given)
    planned = {fm.file: fm for fm in given.files} if given else {}
    problems: list[Problem] = []
    cells_of: dict[str, pd.DataFrame] = {}
    fms: list[FileMapping] = []
    for path in exports:
        fm, cells = mapped_export(path, planned.get(path.name), problems)
        fms.append(fm)
        if cells is not None and fm.table is not None:
            cells_of[fm.file] = cells
    fms = _dates_from_other_exports(fms, cells_of)
    dealer = _dealer_settings(source, given or Mapping([]), name, problems)
    parts: dict[str, list[pd.DataFrame]] = {}
    currencies = set()
    for fm in fms:
        if fm.file not in cells_of or any(p.file == fm.file for p in problems):
            continue
        typed = converted_table(cells_of[fm.file], fm, problems, dealer.get("timezone"))
        if typed is not None:
            table = fm.schema_table
            keep = [c.name for c in table.columns if c.name in fm.columns]
            keep += [c for c in EXTRA_COLUMNS.get(table.name, ()) if c in fm.columns]
            parts.setdefault(table.name, []).append(typed[keep])
            currencies.add(currency_of(cells_of[fm.file], fm))
    tables = {}
    for table_name, frames in parts.items():
        tables[table_name] = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if len(frames) > 1:
            sources = [fm.file for fm in fms if fm.table == table_name]
            problems.extend(_repeated_keys(table_name, tables[table_name], sources))
    has_own = (source / schema.DEALER_FILE).is_file()
    mapping = Mapping(fms, {} if has_own else dict(dealer))
    if problems:
        raise UnfinishedImport(str(source), problems, draft=mapping_toml(mapping, _file_notes(problems, fms)))
    currencies.discard(None)
    if len(currencies) == 1 and "currency" not in dealer:
        dealer["currency"] = mapping.dealer["currency"] = currencies.pop()
    notes = []
    if not has_own and not name and not (given and given.dealer.get("name")):
        notes.append(f"dealer.toml names the dealer {dealer['name']!r} after the SOURCE folder; --name gives another")
    return Imported(tables, mapping, dealer, skipped, contract.check_references(tables), notes)


def _dates_from_other_exports(fms: list[FileMapping], cells_of: dict[str, pd.DataFrame]) -> list[FileMapping]:
    """Each export's date order, where its own dates cannot tell, from the other exports: one
    system writes its dates one way. Left unset when the others do not agree."""
    told = {fm.dates for fm in fms if fm.dates is not None}
    if len(told) != 1:
        return fms
    order = told.pop()
    return [
        dataclasses.replace(fm, dates=order)
        if fm.dates is None and fm.file in cells_of and not date_evidence(cells_of[fm.file], fm)
        else fm
        for fm in fms
    ]


def _repeated_keys(table: str, df: pd.DataFrame, sources: list[str]) -> list[Problem]:
    key = list(schema.TABLES[table].key)
    repeated = df.duplicated(key, keep=False)
    if not repeated.any():
        return []
    values = df[key].astype("str").agg(" + ".join, axis=1)
    return [
        contract.problem(
            Path(f"{table}.csv"),
            " + ".join(key),
            f"unique {' + '.join(key)} across the exports that hold {table} ({', '.join(sources)}); these repeat",
            values,
            repeated,
        )
    ]


# --- writing DIR ------------------------------------------------------------------------------


def _cell_text(series: pd.Series) -> pd.Series:
    """A typed column as the contract's text: ISO dates (the date alone when every time is
    midnight), true/false, numbers without exponent or float noise, text exactly as it is."""
    if pd.api.types.is_datetime64_any_dtype(series):  # pandas writes a column of midnights as dates
        return series.dt.floor("s").astype("str").str.replace(" ", "T", regex=False)
    if pd.api.types.is_bool_dtype(series):
        return series.map({True: "true", False: "false"}, na_action="ignore")
    if pd.api.types.is_float_dtype(series):
        rounded = series.round(10)
        text = rounded.astype("str").str.replace(r"\.0$", "", regex=True)
        exponent = text.str.contains("e", regex=False).fillna(False).astype(bool)
        positional = rounded[exponent].map(lambda v: np.format_float_positional(float(v), trim="-"))
        return text.where(~exponent, positional)
    if pd.api.types.is_integer_dtype(series):
        return series.astype("str")
    return series


def table_text(df: pd.DataFrame) -> str:
    """A contract table as CSV text. Values are written exactly, with no spreadsheet-safety mark:
    these are data files the playbooks read, and a mark would change the data."""
    return pd.DataFrame({c: _cell_text(df[c]) for c in df.columns}).to_csv(index=False, lineterminator="\n")


def _dealer_toml(settings: dict) -> str:
    lines = []
    for key, value in settings.items():
        if isinstance(value, list):
            lines.append(f"{key} = [{', '.join(toml_string(str(v)) for v in value)}]")
        elif isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int | float):
            lines.append(f"{key} = {value}")
        else:
            lines.append(f"{key} = {toml_string(str(value))}")
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # what is written must read back
    return text


def write_import(result: Imported, out: Path) -> None:
    """DIR as a contract folder: a CSV file per table, dealer.toml and mapping.toml, moved into
    place whole (an earlier import there is replaced)."""
    built = files.new_folder(out.resolve().parent, out.name)
    try:
        for table, df in result.tables.items():
            (built / f"{table}.csv").write_text(table_text(df), encoding="utf-8")
        (built / schema.DEALER_FILE).write_text(_dealer_toml(result.dealer), encoding="utf-8")
        (built / MAPPING_FILE).write_text(mapping_toml(result.mapping), encoding="utf-8")
        files.move_into_place(built, out.resolve())
    except BaseException:
        shutil.rmtree(built, ignore_errors=True)
        raise


def write_draft(text: str, out: Path) -> Path:
    """The draft mapping of an import that could not finish, as ``DIR/mapping-draft.toml``."""
    path = out / DRAFT_FILE
    files.write_text(path, text)
    return path


def summary_lines(result: Imported, out: Path) -> list[str]:
    """What the import did, in words: each export's table and columns, what was left unused or
    skipped, and which playbooks the folder can run."""
    lines = [f"imported {len(result.mapping.files)} export(s) into {out} (the mapping used: {out / MAPPING_FILE})"]
    for fm in result.mapping.files:
        lines.append(f"  {fm.file} → {fm.table}.csv: {', '.join(fm.columns)}")
        if fm.unused:
            lines.append(f"      not used: {', '.join(fm.unused)}")
    if result.skipped:
        lines.append(f"  skipped (not exports): {', '.join(result.skipped)}")
    lines += result.notes
    lines.append("playbooks:")
    lines += [f"  {name:20} {state}" for name, state in playbooks.readiness(set(result.tables)).items()]
    if result.warnings:
        lines.append(f"{len(result.warnings)} warning(s) (rows kept):")
        lines += [f"  - {w}" for w in result.warnings]
    return lines
