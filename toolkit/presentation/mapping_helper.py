"""The mapping helper: a JupyterLab view of ``playbook import``'s suggestions for a folder of
exports. Pick an export, see each contract column beside the export column that fills it, change
any of them, see the first converted rows and what the contract check says, and save the
mapping for ``playbook import SOURCE --out DIR --mapping FILE``.

Everything it shows is computed by :mod:`toolkit.inputs.importing` and
:mod:`toolkit.inputs.converting`; only the choosing lives here.
"""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path

import pandas as pd

from toolkit import files
from toolkit.errors import Problem
from toolkit.inputs import schema
from toolkit.inputs.converting import completed, converted_table
from toolkit.inputs.exports import EXPORT_SUFFIXES
from toolkit.inputs.fields import suggested_columns
from toolkit.inputs.importing import export_files, mapped_export
from toolkit.inputs.mapping import DATE_ORDERS, FileMapping, Mapping, Source, mapping_toml, read_mapping, unused_columns
from toolkit.presentation.frontend import is_interactive

PREVIEW_ROWS = 8  # converted rows shown
CHECKED_ROWS = 2_000  # rows of an export converted and checked for the preview
NOT_MAPPED = ("(none)", "")  # a dropdown's choice of no source (None would show as no choice at all)


def source_label(source: Source) -> str:
    """A column's source as the helper's dropdown names it: "Cell Phone, else Home Phone"."""
    if isinstance(source, str):
        return source
    if "first_of" in source:
        return ", else ".join(source["first_of"])
    if "split" in source:
        return f"{source['split']} ({source['part']} name)"
    if "date" in source:
        return f"{source['date']} + {source['time']}" if "time" in source else source["date"]
    if "sum_of" in source:
        return " + ".join(source["sum_of"])
    if "largest_of" in source:
        return "largest of " + ", ".join(f"{p} {c}" for p, c in source["largest_of"].items())
    if "column" in source:
        return f"not {source['column']}" if source.get("negate") else source["column"]
    return f"always {source['value']!r}"


def column_choices(columns: list[str], current: Source | None) -> list[tuple[str, object]]:
    """The dropdown options for one contract column: none, the current source when it combines
    columns, then each export column."""
    options: list[tuple[str, object]] = [NOT_MAPPED]
    if current is not None and not isinstance(current, str):
        options.append((source_label(current), current))
    return options + [(c, c) for c in columns]


def remapped(cells: pd.DataFrame, fm: FileMapping, column: str, source: Source | None) -> FileMapping:
    """``fm`` with ``column`` filled from ``source`` (None: left unfilled); the column's value map
    is suggested again from the new source's values, keeping the answers already given."""
    columns = {c: s for c, s in fm.columns.items() if c != column}
    if source is not None:
        columns[column] = source
    order = [c.name for c in fm.schema_table.columns]
    columns = dict(sorted(columns.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    given = {v: t for v, t in fm.values.get(column, {}).items() if t}
    values = {c: m for c, m in fm.values.items() if c != column}
    fm = completed(cells, dataclasses.replace(fm, columns=columns, values=values))
    if column in fm.values:
        fm.values[column].update({v: t for v, t in given.items() if v in fm.values[column]})
    return dataclasses.replace(fm, unused=unused_columns(fm, [str(c) for c in cells.columns]))


def preview(
    cells: pd.DataFrame, fm: FileMapping, timezone: str | None = None
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The first :data:`CHECKED_ROWS` rows of an export converted by ``fm``, and every problem
    the conversion and the contract check find in them."""
    problems: list[Problem] = []
    head = cells.head(CHECKED_ROWS)
    head.attrs = dict(cells.attrs)
    typed = converted_table(head, fm, problems, timezone)
    if typed is not None:
        typed = typed[[c for c in fm.columns if c in typed.columns]]
    return typed, problems


class MappingHelper:
    """The helper's widgets for the exports in ``source``; ``save`` writes ``mapping_file``."""

    def __init__(self, source: Path, mapping_file: Path):
        import ipywidgets as w

        self.source, self.mapping_file = Path(source), Path(mapping_file).resolve()
        given = read_mapping(self.mapping_file) if self.mapping_file.is_file() else None
        planned = {fm.file: fm for fm in given.files} if given else {}
        self.dealer = dict(given.dealer) if given else {}
        self.read_problems: list[Problem] = []
        self.mappings: dict[str, FileMapping] = {}
        self.cells: dict[str, pd.DataFrame] = {}
        exports, self.skipped = export_files(self.source)
        for path in exports:
            fm, cells = mapped_export(path, planned.get(path.name), self.read_problems)
            self.mappings[fm.file] = fm
            if cells is not None:
                self.cells[fm.file] = cells
        self._w = w
        self.file = w.Dropdown(description="Export", options=list(self.mappings), style={"description_width": "70px"})
        self.table = w.Dropdown(
            description="Table", options=[("(not recognised)", None), *((t, t) for t in schema.TABLES)]
        )
        self.dates = w.Dropdown(
            description="Dates", options=[("as the dates say", None), *((d.replace("_", " "), d) for d in DATE_ORDERS)]
        )
        self.columns = w.VBox()
        self.result = w.HTML()
        self.save_button = w.Button(
            description="Save the mapping", icon="save", button_style="primary", layout=w.Layout(width="auto")
        )
        self.saved = w.HTML()
        self.file.observe(lambda _: self.show_file(), names="value")
        self.table.observe(lambda change: self.set_table(change["new"]), names="value")
        self.dates.observe(lambda change: self.set_dates(change["new"]), names="value")
        self.save_button.on_click(lambda _: self.save())
        self.widget = w.VBox(
            [
                w.HTML(f"<b>Exports in {html.escape(str(self.source))}</b>"),
                w.HBox([self.file, self.table, self.dates]),
                self.columns,
                self.result,
                w.HBox([self.save_button, self.saved]),
            ]
        )
        self._quiet = False
        self.show_file()

    @property
    def current(self) -> FileMapping:
        return self.mappings[self.file.value]

    def show_file(self) -> None:
        """Show the chosen export's table, date order and column sources."""
        fm = self.current
        self._quiet = True
        self.table.value = fm.table
        self.dates.value = fm.dates
        self._quiet = False
        self.draw_columns()

    def set_table(self, table: str | None) -> None:
        if self._quiet or table == self.current.table:
            return
        cells = self.cells.get(self.current.file)
        fm = FileMapping(self.current.file, table, encoding=self.current.encoding, delimiter=self.current.delimiter)
        if cells is not None and table is not None:
            fm = completed(
                cells, dataclasses.replace(fm, columns=suggested_columns(list(map(str, cells.columns)), table))
            )
        self.mappings[fm.file] = fm
        self.draw_columns()

    def set_dates(self, order: str | None) -> None:
        if self._quiet:
            return
        self.mappings[self.current.file] = dataclasses.replace(self.current, dates=order)
        self.refresh()

    def set_column(self, column: str, source: Source | None) -> None:
        """Fill ``column`` of the chosen export from ``source`` and check the result again."""
        cells = self.cells[self.current.file]
        self.mappings[self.current.file] = remapped(cells, self.current, column, source)
        self.refresh()

    def draw_columns(self) -> None:
        w, fm = self._w, self.current
        cells = self.cells.get(fm.file)
        if cells is None or fm.table is None:
            self.columns.children = []
            self.refresh()
            return
        names = [str(c) for c in cells.columns]
        rows = []
        for col in fm.schema_table.columns:
            choice = w.Dropdown(
                description=col.name + (" *" if col.required else ""),
                options=column_choices(names, fm.columns.get(col.name)),
                value=fm.columns.get(col.name, NOT_MAPPED[1]),
                style={"description_width": "140px"},
                layout=w.Layout(width="460px"),
            )
            choice.observe(lambda change, c=col.name: self.set_column(c, change["new"] or None), names="value")
            rows.append(choice)
        self.columns.children = [w.HTML("<i>contract column (* required) ← export column</i>"), *rows]
        self.refresh()

    def refresh(self) -> None:
        """Show the chosen export's converted rows and what is still wrong with them."""
        fm = self.current
        typed = None
        if fm.file not in self.cells:  # it could not be read
            problems = [p for p in self.read_problems if p.file == fm.file]
        elif fm.table is None:
            problems = [Problem(fm.file, None, "a table: choose the one this export holds")]
        else:
            typed, problems = preview(self.cells[fm.file], fm)
        parts = []
        if typed is not None:
            table = typed.head(PREVIEW_ROWS).to_html(index=False, na_rep="", escape=True, border=0)
            parts.append(f'<div style="overflow-x: auto; white-space: nowrap">{table}</div>')
        if problems:
            items = "".join(f"<li>{html.escape(str(p))}</li>" for p in problems)
            parts.append(f"<p><b>Still to fix ({len(problems)}):</b></p><ul>{items}</ul>")
        else:
            parts.append(
                f"<p><b>The first {min(CHECKED_ROWS, len(self.cells[fm.file])):,} rows follow the contract.</b></p>"
            )
        self.result.value = "".join(parts)

    def save(self) -> Path:
        """Write every export's mapping, with a note under each saying what it still needs."""
        notes: dict[str, list[str]] = {}
        for fm in self.mappings.values():
            if fm.file in self.cells and fm.table is not None:
                notes[fm.file] = [f"TO DO: {p}".replace("\n", " ") for p in preview(self.cells[fm.file], fm)[1]]
        mapping = Mapping(list(self.mappings.values()), self.dealer)
        files.write_text(self.mapping_file, mapping_toml(mapping, notes))
        open_items = sum(len(n) for n in notes.values())
        self.saved.value = (
            f"Saved to {html.escape(str(self.mapping_file))}"
            + (f" ({open_items} thing(s) still to fix, noted in the file)" if open_items else "")
            + f". Then: <code>playbook import {html.escape(str(self.source))} --out DIR --mapping "
            f"{html.escape(str(self.mapping_file))}</code>"
        )
        return self.mapping_file


def map_exports(source: str | Path, mapping_file: str | Path) -> MappingHelper | None:
    """The mapping helper for the exports in ``source`` in a front end; without one, the mapping
    ``playbook import`` would suggest, printed."""
    source = Path(source)
    if not source.is_dir():
        print(f"{source} is not a folder; set source_dir to the folder of exports ({', '.join(EXPORT_SUFFIXES)})")
        return None
    if not is_interactive():
        problems: list[Problem] = []
        fms = [mapped_export(path, None, problems)[0] for path in export_files(source)[0]]
        print(mapping_toml(Mapping(fms)))
        return None
    from IPython.display import display

    helper = MappingHelper(source, Path(mapping_file))
    display(helper.widget)
    return helper
