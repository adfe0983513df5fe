"""The playbook registry (toolkit/playbooks.py) agrees with the notebooks, the KPI functions and the
README, and its readiness check names what a folder lacks."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from toolkit import playbooks
from toolkit.errors import UsageError
from toolkit.presentation.report import notebook_title

ROOT = Path(__file__).resolve().parent.parent


def test_every_notebook_is_registered_and_every_entry_has_its_notebook():
    on_disk = sorted(p.stem for p in (ROOT / "playbooks").glob("*.ipynb"))
    assert sorted(playbooks.REGISTRY) == on_disk == sorted(playbooks.names())


@pytest.mark.parametrize("name", list(playbooks.REGISTRY))
def test_entry_matches_its_notebook_and_kpi_function(name):
    entry = playbooks.get(name)
    nb = json.loads(entry.notebook.read_text())
    assert notebook_title(nb) == entry.title
    kpis = entry.kpi_function()
    assert kpis.__name__ == "kpis" and kpis.__module__ == f"toolkit.analyses.{entry.kpis.split('.')[2].split(':')[0]}"
    documented = inspect.getdoc(kpis) or ""
    for h in entry.headline:  # each headline KPI is defined where it is computed
        assert h.kpi in documented or h.kpi in inspect.getsource(inspect.getmodule(kpis))
    assert all(c["cell_type"] != "code" or (not c["outputs"] and c["execution_count"] is None) for c in nb["cells"])


def test_readme_lists_each_playbook_with_its_question():
    readme = (ROOT / "README.md").read_text()
    for entry in playbooks.REGISTRY.values():
        assert f"| `{entry.name}` | {entry.question} |" in readme


def test_headline_text_and_readiness():
    give_ask = playbooks.get("reciprocity").headline[0]
    assert give_ask.text(1.8751) == "give ask ratio: 1.88" and give_ask.text(None) == "give ask ratio: n/a"
    ready = playbooks.readiness({"touches", "events", "vehicles", "sales"})
    assert ready["reciprocity"] == "ready"
    assert ready["sold_follow_up"] == "needs appointments.csv, repair_orders.csv"
    assert ready["cx_alignment"] == "needs survey.csv (or -p survey_file=FILE)"
    with pytest.raises(UsageError, match="unknown playbook 'recip'; the playbooks are: reciprocity, "):
        playbooks.get("recip")
