"""Working copies for JupyterLab and the workshop folder."""

from __future__ import annotations

import json

from tests.test_cli import playbook
from toolkit.playbooks import names as available_playbooks
from toolkit.resources import sample_dir, shipped
from toolkit.running.workspace import prepare_playbooks


def injected_data_dir(path) -> str:
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    return "".join(cell["source"])


def test_copies_get_the_data_folder_and_keep_edits(tmp_path):
    data = sample_dir()
    paths = prepare_playbooks(tmp_path / "work", data)
    assert sorted(p.stem for p in paths) == sorted(available_playbooks())
    assert f'data_dir = "{data.resolve()}"' in injected_data_dir(paths[0])
    original = shipped("playbooks", paths[0].name).read_text()
    paths[0].write_text(paths[0].read_text().replace("Why", "Why (edited)"))
    edited = paths[0].read_text()
    prepare_playbooks(tmp_path / "work", data)
    assert paths[0].read_text() == edited  # a dealer's edits survive
    prepare_playbooks(tmp_path / "work", data, reset=True)
    assert paths[0].read_text() != edited
    assert shipped("playbooks", paths[0].name).read_text() == original  # the installed originals are untouched


def test_workshop_folder_through_the_command(tmp_path):
    out = tmp_path / "ws"
    result = playbook(
        "workshop", "--out", str(out), "--personas", "relationship", "mixed", "--customers", "300", "--no-serve"
    )
    assert result.returncode == 0, result.stderr
    assert (out / "facilitator-guide.md").read_text().startswith("# Facilitator's guide")
    assert (out / "data" / "mixed" / "dealer.toml").read_text() == (sample_dir() / "dealer.toml").read_text()
    assert 'persona = "relationship"' in (out / "data" / "relationship" / "dealer.toml").read_text()
    for persona in ("relationship", "mixed"):
        for name in available_playbooks():
            injected = injected_data_dir(out / persona / f"{name}.ipynb")
            assert str(out / "data" / persona) in injected
            assert "mask_personal = True" in injected  # a room sees the screen: the apps show pseudonyms
    assert playbook("validate", str(out / "data" / "relationship")).returncode == 0


def test_workshop_refuses_an_unknown_persona(tmp_path):
    result = playbook("workshop", "--out", str(tmp_path / "ws"), "--personas", "friendly", "--no-serve")
    assert result.returncode == 2 and "unknown persona friendly" in result.stderr


def test_lab_refuses_bad_data_before_starting_a_server(tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "sales.csv").write_text("deal_id\nD1\n")
    result = playbook("lab", "--data", str(tmp_path / "bad"), "--dir", str(tmp_path / "w"), "--no-browser")
    assert result.returncode == 2 and "dealer.toml" in result.stderr
    assert not (tmp_path / "w").exists()


def test_a_workshop_opens_on_a_landing_page_and_releases_idle_kernels(tmp_path):
    import json

    from toolkit.running.workspace import CULL_SECONDS, prepare_workshop, voila_args

    out = prepare_workshop(tmp_path / "ws", ["mixed"])
    welcome = json.loads((out / "Welcome.ipynb").read_text())
    text = "".join("".join(c["source"]) for c in welcome["cells"])
    assert text.startswith("# Relationship playbooks workshop") and "Lakeside Toyota" in text
    assert all(f'href="mixed/{name}.ipynb"' in text for name in available_playbooks())
    assert "../files/facilitator-guide.html" in text
    assert (out / "facilitator-guide.html").read_text().count("<h2") >= 3
    args = voila_args(out, 8866, open_browser=False)
    assert f"--MappingKernelManager.cull_idle_timeout={CULL_SECONDS}" in args and "--no-browser" in args


def test_a_workshop_serves_its_charts_module_and_no_other_script_or_data(tmp_path):
    import re

    from toolkit.presentation.charts import LIVE_MODULE, live_module
    from toolkit.running.workspace import prepare_workshop, voila_args

    out = prepare_workshop(tmp_path / "ws", ["mixed"])
    assert (out / "mixed" / LIVE_MODULE).read_text() == live_module()  # beside the apps that draw with it
    allowed = next(a for a in voila_args(out, 8866, open_browser=False) if "file_allowlist" in a).split("=", 1)[1]
    served = [
        p for p in ("mixed/playbook-charts.js", "mixed/logo.png", "facilitator-guide.html") if re.fullmatch(allowed, p)
    ]
    assert len(served) == 3
    refused = ["mixed/other.js", "mixed/reciprocity.ipynb", "data/mixed/customers.csv", "mixed/playbook-charts.js.bak"]
    assert not [p for p in refused if re.fullmatch(allowed, p)]
