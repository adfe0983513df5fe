"""How a playbook hands its KPIs, actions and lists to the renderer without writing any file.

The last cell of a playbook calls :func:`record_results`; in a rendered report it displays them
as one output of a private MIME type, which :mod:`toolkit.running.render` reads from the executed
notebook: the KPIs and actions go to ``results.json``, each list to ``lists/<name>.csv`` beside
the report (:func:`list_path`). In JupyterLab and Voila nothing is shown: no one reads it there.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from toolkit import files
from toolkit.presentation.actions import Action

RESULTS_MIME = "application/vnd.dealer-playbook.results+json"
LIST_NAME = re.compile(r"[a-z][a-z0-9_]*")


def list_path(name: str) -> str:
    """Where list ``name`` is written, relative to its report (``lists/call_list.csv``)."""
    if not LIST_NAME.fullmatch(name):
        raise ValueError(f"a list name is lower-case letters, digits and _, not {name!r}")
    return f"lists/{name}.csv"


def list_payload(rows) -> dict:
    """A list (a DataFrame) as the payload carries it: its columns, how many rows it has, and the
    CSV text the renderer writes as ``lists/<name>.csv``, each value as :func:`to_jsonable` makes
    it. Built a column at a time: a list of 70,000 customers takes a tenth of a second this way,
    and two seconds as a row of plain values per customer."""
    columns = [str(c) for c in rows.columns]
    values = [plain_column(rows.iloc[:, i]) for i in range(rows.shape[1])]
    return {"columns": columns, "rows": len(rows), "csv": files.columns_csv_text(columns, values)}


def plain_column(column) -> list:
    """A column's values as :func:`to_jsonable` gives each of them from ``to_dict("records")``:
    whole numbers and yes/no as they are, other numbers rounded to 6 places, text as text, dates
    in ISO form, anything missing as None."""
    import numpy as np
    import pandas as pd

    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        return [v if isinstance(v, str) else None for v in column.tolist()]
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return column.to_numpy().tolist()
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return [None if math.isnan(v) else round(v, 6) for v in column.to_numpy(float).tolist()]
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        moments = column.to_numpy()
        seconds = moments.astype("datetime64[s]")
        missing = np.isnat(moments)
        if ((moments == seconds) | missing).all() and (seconds[~missing] >= np.datetime64("0001-01-01")).all():
            # whole seconds from year 1: NumPy's ISO text is Timestamp.isoformat()'s
            text = np.datetime_as_string(seconds, unit="s")
            return [None if gone else t for t, gone in zip(text.tolist(), missing.tolist())]
    return [to_jsonable(row["value"]) for row in column.to_frame("value").to_dict("records")]


def to_jsonable(value: Any) -> Any:
    """Plain JSON values: numpy and pandas scalars unwrapped, NaN/NA → None, dates → ISO text."""
    import numpy as np
    import pandas as pd

    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else round(float(value), 6)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def record_results(
    playbook: str,
    dealer,
    kpis: dict,
    actions: Sequence[Action] = (),
    lists: Mapping[str, Any] | None = None,
    *,
    trends: Mapping[str, list] | None = None,
    stores: Mapping[str, list] | None = None,
    measures: Sequence = (),
) -> None:
    """Record a playbook's KPIs (shares are fractions 0–1; no data → None), its "What to do next"
    list, every list the report mentions, complete (name → DataFrame), its monthly ``trends``
    (KPI → :func:`toolkit.analyses.trends.records`) and, for a dealer group, its headline KPIs
    by store (KPI → :func:`toolkit.analyses.trends.store_records`) and the counts behind its
    headline KPIs (``measures``, each a :class:`toolkit.analyses.trends.Measure`), which the next
    render compares itself with, for the renderer."""
    from IPython.display import display

    from toolkit.analyses.trends import counts_record
    from toolkit.presentation.frontend import is_interactive

    if is_interactive():
        return
    payload = {
        "playbook": playbook,
        "dealer": dealer.name,
        "as_of": dealer.as_of_text or None,
        "kpis": to_jsonable(kpis),
        "actions": [to_jsonable(a.record()) for a in actions],
        "lists": {name: list_payload(rows) for name, rows in (lists or {}).items() if list_path(name)},
        "trends": to_jsonable(dict(trends or {})),
        "stores": to_jsonable(dict(stores or {})),
        "headline_counts": {m.kpi: counts_record(m) for m in measures},
    }
    display({RESULTS_MIME: payload, "text/plain": "results recorded"}, raw=True)
