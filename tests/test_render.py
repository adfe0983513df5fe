"""Rendering through the real `playbook` command: files, results, offline pages, failures."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_cli import playbook
from toolkit.playbooks import names as available_playbooks
from toolkit.resources import sample_dir
from toolkit.running.render import notebook_parameters, playbook_path

FAILING = ROOT / "tests" / "notebooks" / "failing.ipynb"
WEB = re.compile(r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)
CSS_WEB = re.compile(r"""@import|url\(\s*["']?(?:https?:)?//""", re.I)


def assert_offline(page: Path) -> None:
    text = page.read_text()
    assert not WEB.search(text), f"{page} loads something from the web"
    assert not CSS_WEB.search(text), f"{page} styles load something from the web"
    assert "require.js" not in text and "cdn.jsdelivr" not in text and "unpkg.com" not in text


@pytest.mark.parametrize("name", available_playbooks())
def test_every_playbook_declares_readable_parameters(name):
    params = notebook_parameters(playbook_path(name))
    assert {"data_dir", "as_of"} <= set(params)
    assert all(p["help"] for p in params.values()), "every parameter has a help comment"


def test_demo_renders_every_playbook_with_results(demo):
    index = (demo / "index.html").read_text()
    for name in available_playbooks():
        folder = demo / name
        results = json.loads((folder / "results.json").read_text())
        lists = {"lists"} if results["lists"] else set()
        assert {p.name for p in folder.iterdir()} == {
            "report.html",
            "executed.ipynb",
            "results.json",
            "history",
            *lists,
        }
        assert [p.name for p in (folder / "history").iterdir()] == ["2025-06-30.json"]  # this render, archived
        assert results["playbook"] == name and results["dealer"] == "Lakeside Toyota"
        assert results["as_of"] == "2025-06-30"
        assert results["parameters"]["data_dir"] == "sample"  # no path of the machine (issue 22)
        assert results["kpis"]
        assert f'href="{name}/report.html"' in index
    assert not list(demo.glob(".build-*"))


def test_reports_are_offline_small_and_finished(demo):
    for page in [demo / "index.html", *demo.glob("*/report.html")]:
        assert_offline(page)
        assert page.stat().st_size < 3_000_000
    for report in demo.glob("*/report.html"):
        text = report.read_text()
        assert "Lakeside Toyota · data as of 2025-06-30" in text
        assert '<nav class="toc">' in text
        assert "Traceback" not in text and 'class="error"' not in text
        assert "data_dir: str" not in text  # code is hidden
        assert text.count("vegaEmbed('#chart-'") <= 1  # one shared copy of Vega per page


def test_results_json_matches_the_toolkit(demo):
    from toolkit.analyses.alignment import kpis as alignment_kpis
    from toolkit.inputs.dealer import load_dealer

    if "cx_alignment" not in available_playbooks():
        pytest.skip("cx_alignment not built")
    kpis = json.loads((demo / "cx_alignment" / "results.json").read_text())["kpis"]
    direct = alignment_kpis(load_dealer(sample_dir())["survey"])
    assert kpis["alignment_index"] == pytest.approx(direct["alignment_index"], abs=1e-6)
    assert kpis["department_means"] == pytest.approx(direct["department_means"], abs=1e-6)


def test_bad_data_stops_before_any_kernel_with_exit_2(sample_copy, tmp_path):
    path = sample_copy / "survey.csv"
    path.write_text(path.read_text().replace("R001,sales,S01,", "R001,sales,S01,9", 1))
    out = tmp_path / "out"
    result = playbook("render", "all", "--data", str(sample_copy), "--out", str(out))
    assert result.returncode == 2
    assert "survey.csv, column 'score'" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_a_failing_cell_exits_1_and_records_the_cell(tmp_path):
    out = tmp_path / "out"
    result = playbook("render", str(FAILING), "--data", str(sample_dir()), "--out", str(out))
    assert result.returncode == 1
    error = (out / "failing.error.txt").read_text()
    assert "ValueError: deliberate failure for the tests" in error
    assert 'raise ValueError("deliberate failure for the tests")' in error
    assert not (out / "failing").exists() and not list(out.glob(".build-*"))
    assert "failed" in (out / "index.html").read_text()


def test_unknown_parameter_is_a_usage_error(tmp_path):
    result = playbook(
        "render", available_playbooks()[0], "--data", str(sample_dir()), "--out", str(tmp_path), "-p", "colour=blue"
    )
    assert result.returncode == 2 and "unknown parameter colour" in result.stderr


def test_rerender_replaces_the_folder_cleanly(tmp_path):
    name = available_playbooks()[0]
    out = tmp_path / "out"
    for _ in range(2):
        assert playbook("render", name, "--data", str(sample_dir()), "--out", str(out)).returncode == 0
    (out / name / "stale.txt").write_text("left from an older render")
    assert playbook("render", name, "--data", str(sample_dir()), "--out", str(out)).returncode == 0
    assert not (out / name / "stale.txt").exists()
    assert sorted(p.name for p in out.iterdir()) == sorted(["index.html", name])


def test_batch_records_a_broken_client_and_renders_the_rest(tmp_path, sample_copy):
    broken = tmp_path / "broken"
    shutil.copytree(sample_copy, broken)
    (broken / "sales.csv").write_text("deal_id,customer_id\nD1,C1\n")
    clients = tmp_path / "clients.toml"
    clients.write_text(f'''
[clients.lakeside]
data = "{sample_copy.name}"

[clients.broken]
name = "Broken Motors"
data = "broken"

[clients.earlier]
name = "Lakeside, a quarter earlier"
data = "{sample_copy.name}"
[clients.earlier.parameters]
as_of = "2025-03-31"
''')
    out = tmp_path / "out"
    result = playbook("batch", str(clients), "--out", str(out), "--jobs", "2")
    assert result.returncode == 1, result.stderr
    import csv

    rows = {r["client"]: r for r in csv.DictReader((out / "portfolio.csv").open())}
    assert rows["lakeside"]["status"] == "ok" and rows["earlier"]["status"] == "ok"
    error = (out / "broken" / "error.txt").read_text()
    assert rows["broken"]["status"] == "bad data" and "sales.csv" in error
    assert str(tmp_path) not in error and error.startswith("broken: 1 problem")  # no path of this machine
    assert rows["earlier"]["as_of"] == "2025-03-31" and rows["lakeside"]["as_of"] == "2025-06-30"
    index = (out / "index.html").read_text()
    assert 'href="lakeside/index.html"' in index and "Broken Motors" in index
    assert 'href="lakeside/sold_follow_up/lists/call_list.csv"' in index  # the portfolio links each client's lists
    assert_offline(out / "index.html")
    for cid in ("lakeside", "earlier"):
        for name in available_playbooks():
            assert (out / cid / name / "results.json").is_file()


def test_batch_with_a_bad_clients_file_exits_2(tmp_path):
    clients = tmp_path / "clients.toml"
    clients.write_text("[clients.x]\nname = 'no data key'\n")
    result = playbook("batch", str(clients), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "needs data" in result.stderr


def test_no_unmasked_email_or_phone_in_reports_rendered_with_defaults(demo):
    from toolkit.analyses.validity import normal_email, normal_phone
    from toolkit.inputs.dealer import load_dealer

    customers = load_dealer(sample_dir())["customers"]
    emails = set(normal_email(customers["email"]).dropna())
    valid = normal_phone(customers["phone"])
    phones = set(customers.loc[valid.notna(), "phone"]) | set(valid.dropna())
    for page in [*demo.glob("*/report.html"), *demo.glob("*/executed.ipynb")]:
        text = page.read_text().lower()
        found = re.findall(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", text)
        assert not emails & set(found), f"{page} shows a customer's e-mail"
        assert not [p for p in phones if p.lower() in text], f"{page} shows a customer's phone"


def test_sold_follow_up_with_custom_parameters(tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text("[steps.call]\nstart = 0\nend = 3\n\n[steps.visit]\nstart = 20\nend = 60\n")
    out = tmp_path / "out"
    result = playbook(
        "render",
        "sold_follow_up",
        "--data",
        str(sample_dir()),
        "--out",
        str(out),
        "-p",
        f"plan_file={plan}",
        "-p",
        "salesperson=S04",
        "-p",
        "sold_from=2023-01-01",
        "--as-of",
        "2025-03-31",
    )
    assert result.returncode == 0, result.stderr
    folder = out / "sold_follow_up--salesperson-S04--sold_from-2023-01-01"  # its own folder, named for its focus
    results = json.loads((folder / "results.json").read_text())
    assert set(results["kpis"]["step_compliance"]) == {"call", "visit"}
    assert results["as_of"] == "2025-03-31" and results["parameters"]["salesperson"] == "S04"
    assert "data as of 2025-03-31 · salesperson S04, sold from 2023-01-01</p>" in (folder / "report.html").read_text()


def test_a_focused_render_never_hides_the_store_wide_report(tmp_path):
    out = tmp_path / "out"
    for extra in ([], ["-p", "salesperson=S04"]):
        result = playbook("render", "sold_follow_up", "--data", str(sample_dir()), "--out", str(out), *extra)
        assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} == {"sold_follow_up", "sold_follow_up--salesperson-S04", "index.html"}
    index = (out / "index.html").read_text()
    assert 'href="sold_follow_up/report.html">Sold follow-up cadence</a>' in index
    assert 'href="sold_follow_up--salesperson-S04/report.html">Sold follow-up cadence — salesperson S04</a>' in index


def test_a_bad_plan_file_stops_the_render_before_any_kernel(tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text("[steps.call]\nstart = 5\nend = 3\n")
    result = playbook(
        "render",
        "sold_follow_up",
        "--data",
        str(sample_dir()),
        "--out",
        str(tmp_path / "out"),
        "-p",
        f"plan_file={plan}",
    )
    assert result.returncode == 2 and "step 'call' needs whole days 0 <= start <= end" in result.stderr
    assert not (tmp_path / "out").exists()
    missing = playbook(
        "render",
        "reciprocity",
        "--data",
        str(sample_dir()),
        "--out",
        str(tmp_path / "out"),
        "-p",
        "taxonomy_file=/no/such.toml",
    )
    assert missing.returncode == 2 and "taxonomy_file: no such file" in missing.stderr


def test_static_reports_say_nothing_about_widgets_and_link_back(demo):
    for report in demo.glob("*/report.html"):
        text = report.read_text()
        assert "JupyterLab," not in text and "(in JupyterLab)" not in text and "the form below" not in text
        assert "channel all, campaign all" not in text and "KPIs recorded" not in text
        assert '<a class="back" href="../index.html">' in text
    assert "Edit the plan below" not in (demo / "sold_follow_up" / "report.html").read_text()
