"""How a playbook hands its KPIs to the renderer without writing any file.

The last cell of a playbook calls :func:`record_results`; it displays the KPIs
as one output of a private MIME type, which :mod:`toolkit.running.render` reads from
the executed notebook and writes to ``results.json``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from toolkit.presentation.actions import Action

RESULTS_MIME = "application/vnd.dealer-playbook.results+json"


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


def record_results(playbook: str, dealer, kpis: dict, actions: Sequence[Action] = ()) -> None:
    """Record a playbook's KPIs (shares are fractions 0–1; no data → None) and its "What to do
    next" list for ``results.json``."""
    from IPython.display import display

    payload = {
        "playbook": playbook,
        "dealer": dealer.name,
        "as_of": dealer.as_of_text or None,
        "kpis": to_jsonable(kpis),
        "actions": [to_jsonable(a.record()) for a in actions],
    }
    summary = ", ".join(f"{k}={v}" for k, v in payload["kpis"].items() if not isinstance(v, (dict, list)))
    display({RESULTS_MIME: payload, "text/plain": f"KPIs recorded: {summary}"}, raw=True)
