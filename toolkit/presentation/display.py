"""Showing a playbook's results in a notebook: Markdown, the action list, and compact HTML tables.

Values from the data are HTML-escaped on the way in.
"""

from __future__ import annotations

import pandas as pd

from toolkit.presentation.actions import Action
from toolkit.presentation.words import number, share


def show_markdown(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


def show_actions(actions: list[Action]) -> None:
    """The playbook's closing list of what to do next."""
    show_markdown("\n".join(f"{i}. {a.text}" for i, a in enumerate(actions, 1)) if actions else "_No action needed._")


def table_html(df: pd.DataFrame, percent: tuple[str, ...] = (), decimals: int = 2) -> str:
    """A compact HTML table: ``percent`` columns as percentages, numbers right-aligned and rounded."""
    import html

    numeric = {c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])}

    def cell(col, value) -> str:
        if col in percent:
            text = share(value, 1)
        elif col in numeric and pd.api.types.is_float_dtype(df[col]):
            text = number(value, decimals)
        else:
            text = "n/a" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
        return f'<td class="num">{text}</td>' if col in numeric else f"<td>{html.escape(text)}</td>"

    head = "".join(
        f'<th class="num">{html.escape(str(c))}</th>' if c in numeric else f"<th>{html.escape(str(c))}</th>"
        for c in df.columns
    )
    body = "".join(
        "<tr>" + "".join(cell(c, v) for c, v in zip(df.columns, row)) + "</tr>" for row in df.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def show_table(df: pd.DataFrame, percent: tuple[str, ...] = (), decimals: int = 2, max_rows: int = 25) -> None:
    """Display :func:`table_html` of the first ``max_rows`` rows, saying how many there are."""
    from IPython.display import HTML, display

    more = f"<p class='kpi-note'>Showing {max_rows} of {len(df)} rows.</p>" if len(df) > max_rows else ""
    display(HTML(table_html(df.head(max_rows), percent, decimals) + more))


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
