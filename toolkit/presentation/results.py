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

from toolkit.presentation.actions import Action

RESULTS_MIME = "application/vnd.dealer-playbook.results+json"
LIST_NAME = re.compile(r"[a-z][a-z0-9_]*")


def list_path(name: str) -> str:
    """Where list ``name`` is written, relative to its report (``lists/call_list.csv``)."""
    if not LIST_NAME.fullmatch(name):
        raise ValueError(f"a list name is lower-case letters, digits and _, not {name!r}")
    return f"lists/{name}.csv"


def list_rows(rows) -> dict:
    """A list (a DataFrame) as the payload carries it: its columns and its rows as plain values."""
    return {"columns": [str(c) for c in rows.columns], "rows": to_jsonable(rows.to_dict("records"))}


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
        "lists": {name: list_rows(rows) for name, rows in (lists or {}).items() if list_path(name)},
        "trends": to_jsonable(dict(trends or {})),
        "stores": to_jsonable(dict(stores or {})),
        "headline_counts": {m.kpi: counts_record(m) for m in measures},
    }
    display({RESULTS_MIME: payload, "text/plain": "results recorded"}, raw=True)
