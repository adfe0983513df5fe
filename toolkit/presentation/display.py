"""Showing a playbook's results in a notebook: Markdown, the action list, and compact HTML tables.

Values from the data are HTML-escaped on the way in.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from toolkit.presentation.actions import Action
from toolkit.presentation.labels import LABELS, label
from toolkit.presentation.words import number, share


def show_markdown(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


def show_actions(actions: list[Action], lists: Mapping[str, pd.DataFrame] | None = None) -> None:
    """The playbook's closing list of what to do next. In a rendered report an action about one
    of ``lists`` (its subject names the list) links to the whole list; in JupyterLab and Voila no list file exists, so
    actions carry no link."""
    from toolkit.presentation.frontend import is_interactive
    from toolkit.presentation.results import list_path

    if not actions:
        show_markdown("_No action needed._")
        return
    lists = {} if is_interactive() else (lists or {})

    def linked(a: Action) -> str:
        if a.subject not in lists:
            return a.text
        return f"{a.text} ([{list_label(lists[a.subject])}]({list_path(a.subject)}))"

    show_markdown("\n".join(f"{i}. {linked(a)}" for i, a in enumerate(actions, 1)))


def list_label(rows: pd.DataFrame) -> str:
    """How a link to a whole list reads: "the whole list (134 rows, CSV)"."""
    return f"the whole list ({len(rows):,} {'row' if len(rows) == 1 else 'rows'}, CSV)"


def list_link(name: str, rows: pd.DataFrame) -> str:
    """A link to the whole list ``name``: the CSV beside a rendered report. In JupyterLab and Voila
    no file is written, so the note says where the whole list will be."""
    import html

    from toolkit.presentation.frontend import is_interactive
    from toolkit.presentation.results import list_path

    if is_interactive():
        return f"the whole list ({len(rows):,} rows) is written beside the report when it is rendered"
    return f'<a class="list-link" href="{html.escape(list_path(name))}">{list_label(rows)}</a>'


LABELLED_VALUES = ("step", "department", "high_department", "low_department")  # columns of names people read
PREVIEW_COLUMNS = ("customer_id", "name", "salesperson_name", "reason")


def show_list(name: str, rows: pd.DataFrame, percent: tuple[str, ...] = (), max_rows: int = 20) -> None:
    """A list the report mentions: its first ``max_rows`` rows and a link to all of them
    (:func:`list_link`). A contact list (:func:`toolkit.analyses.contacts.contact_list`) previews
    whom and why only; phones, e-mails and the list's own columns are in the whole list."""
    from IPython.display import HTML, display

    preview = rows[list(PREVIEW_COLUMNS)] if set(PREVIEW_COLUMNS) <= set(rows.columns) else rows
    shown = (
        f"Showing {min(max_rows, len(rows))} of {len(rows):,}" if len(rows) > max_rows else f"All {len(rows):,} shown"
    )
    note = f"<p class='kpi-note'>{shown} · {list_link(name, rows)}</p>"
    display(HTML(table_html(preview.head(max_rows), percent) + note))


def table_html(
    df: pd.DataFrame, percent: tuple[str, ...] = (), decimals: int = 2, money: tuple[str, ...] = (), currency: str = ""
) -> str:
    """A compact HTML table: headers as people read them (:mod:`~toolkit.presentation.labels`),
    ``percent`` columns as percentages, ``money`` columns in whole units with the ``currency``
    (dealer.toml's) in their header, numbers right-aligned with thousands separators (whole
    numbers without decimals), yes/no for true/false, steps and departments by their labels."""
    import html

    numeric = {c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])}

    def cell(col, value) -> str:
        if col in percent:
            text = share(value, 1)
        elif col in money:
            text = number(value, 0)
        elif col in numeric and pd.api.types.is_float_dtype(df[col]):
            text = number(value, decimals)
        elif col in numeric and not str(col).endswith(("_id", "year")):
            text = number(value, 0)
        elif isinstance(value, (bool, np.bool_)):
            text = "yes" if value else "no"
        else:
            text = "n/a" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
        if col in LABELLED_VALUES and text in LABELS:
            text = label(text)
        return f'<td class="num">{text}</td>' if col in numeric else f"<td>{html.escape(text)}</td>"

    def header(col) -> str:
        text = f"{label(col)} ({currency})" if col in money and currency else label(col)
        return f'<th class="num">{html.escape(text)}</th>' if col in numeric else f"<th>{html.escape(text)}</th>"

    head = "".join(header(c) for c in df.columns)
    body = "".join(
        "<tr>" + "".join(cell(c, v) for c, v in zip(df.columns, row)) + "</tr>" for row in df.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def show_table(
    df: pd.DataFrame,
    percent: tuple[str, ...] = (),
    decimals: int = 2,
    max_rows: int = 25,
    money: tuple[str, ...] = (),
    currency: str = "",
) -> None:
    """Display :func:`table_html` of the first ``max_rows`` rows, saying how many there are."""
    from IPython.display import HTML, display

    more = f"<p class='kpi-note'>Showing {max_rows} of {len(df)} rows.</p>" if len(df) > max_rows else ""
    display(HTML(table_html(df.head(max_rows), percent, decimals, money, currency) + more))


def kpi_table(kpis: dict) -> pd.DataFrame:
    """Scalar KPIs as a two-column table of text: shares and rates as percentages, others as numbers
    (maps and lists left out)."""
    rows = []
    for key, value in kpis.items():
        if isinstance(value, (dict, list)):
            continue
        is_share = key.endswith(("_share", "_rate", "_coverage", "_mean")) or key.startswith(("email_", "phone_"))
        rows.append((key.replace("_", " "), share(value, 1) if is_share else number(value, 2)))
    return pd.DataFrame(rows, columns=["kpi", "value"])
