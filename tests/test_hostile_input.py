"""Hostile input through the real `playbook` command: markup typed into a CRM reaches every page
as text, and no page runs a script its builder did not write (issue 22, "Security")."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.test_cli import playbook
from toolkit.resources import sample_dir

SCRIPT = "<script>document.title='pwned'</script>"
IMAGE = "<img src=x onerror=document.title='pwned'>"
LINK = "[details](javascript:document.title='pwned')"
STORE = "South<b onmouseover=alert(1)>"


def hostile_folder(folder: Path) -> Path:
    """The sample dealership with markup in the dealer's name, a salesperson's id and name, a
    department and a store id: the fields a CRM lets anyone type into that reach the reports."""
    shutil.copytree(sample_dir(), folder)
    toml = folder / "dealer.toml"
    toml.write_text(toml.read_text().replace("Lakeside Toyota", f"Lakeside {SCRIPT} {LINK}"))
    seller = f"S04{IMAGE}"
    for table, columns in {
        "staff": ["staff_id"],
        "sales": ["salesperson_id"],
        "customers": ["salesperson_id"],
        "touches": ["staff_id"],
    }.items():
        df = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
        for column in columns:
            df[column] = df[column].replace("S04", seller)
        if table == "staff":
            df.loc[df["staff_id"] == seller, "name"] = f"Dana {IMAGE} {LINK}"
            df["department"] = df["department"].replace("bdc", "bdc<!--<script>")
        df.to_csv(folder / f"{table}.csv", index=False)
    survey = pd.read_csv(folder / "survey.csv", dtype=str, keep_default_na=False)
    survey["department"] = survey["department"].replace("service", f"service<!--{SCRIPT}")
    survey.to_csv(folder / "survey.csv", index=False)
    customers = pd.read_csv(folder / "customers.csv", dtype=str, keep_default_na=False)
    customers["store_id"] = np.where(np.arange(len(customers)) % 2, "North", STORE)  # a group of two stores
    customers.to_csv(folder / "customers.csv", index=False)
    return folder


class _Page(HTMLParser):
    """What a browser would run on a page: its scripts, event-handler attributes and addresses."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.addresses: list[str] = []
        self.policy = ""
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [f"{tag} {name}" for name in attrs if name.startswith("on")]
        self.addresses += [attrs[a] or "" for a in ("href", "src") if a in attrs]
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "content-security-policy":
            self.policy = attrs.get("content") or ""
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def parsed(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def pages(out: Path) -> list[Path]:
    return sorted(out.glob("*/report.html")) + [out / "index.html"]


def test_every_page_runs_only_the_scripts_its_policy_names(hostile_reports):
    for path in pages(hostile_reports):
        page = parsed(path)
        allowed = set(re.findall(r"'sha256-([^']+)'", page.policy))
        assert "default-src 'none'" in page.policy, path
        ran = {base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in page.scripts}
        assert ran <= allowed, f"{path}: a script that the policy does not name"
        assert not page.handlers, f"{path}: event handlers {page.handlers}"
        bad = [a for a in page.addresses if re.match(r"\s*(javascript|vbscript|data:text)", a, re.I)]
        assert not bad, f"{path}: script addresses {bad}"


def test_the_markup_is_shown_as_text(hostile_reports):
    knowledge = (hostile_reports / "customer_knowledge" / "report.html").read_text()
    assert "Lakeside &lt;script&gt;" in knowledge
    follow_up = (hostile_reports / "sold_follow_up" / "report.html").read_text()
    assert "S04&lt;img src=x onerror=" in follow_up
    assert "South&lt;b onmouseover=alert(1)&gt;" in knowledge  # the store breakdown
    assert "<td>South&lt;b onmouseover=alert(1)&gt;</td>" in (hostile_reports / "index.html").read_text()
    alignment = parsed(hostile_reports / "cx_alignment" / "report.html")
    specs = alignment.scripts[-1]  # the charts' data, where the departments are
    assert "service\\u003c!--\\u003cscript>" in specs and "<!--" not in specs


def test_reports_hold_no_path_of_the_machine(hostile_reports):
    from tests.conftest import ROOT

    data = str(hostile_reports.parent / "data")
    for path in hostile_reports.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert data not in text and str(Path.home()) + "/" not in text, path
            assert str(hostile_reports) not in text and str(ROOT) + "/" not in text, path  # papermill's metadata too


def test_report_files_are_as_readable_as_the_umask_allows(hostile_reports):
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    for path in [hostile_reports, *hostile_reports.rglob("*")]:
        expected = (0o777 if path.is_dir() else 0o666) & ~mask
        assert path.stat().st_mode & 0o777 == expected, f"{path}: {oct(path.stat().st_mode & 0o777)}"


@pytest.mark.parametrize("cid", ["../escaped", "/tmp/absolute", ".hidden", "a b", "x/y", ""])
def test_a_client_id_that_could_leave_out_is_refused(tmp_path, cid):
    (tmp_path / "clients.toml").write_text(f'[clients."{cid}"]\ndata = "{sample_dir()}"\n')
    result = playbook("batch", str(tmp_path / "clients.toml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    assert f"client id {cid!r} is not allowed" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clients.toml"]


def test_client_ids_that_differ_only_in_case_are_refused(tmp_path):
    (tmp_path / "clients.toml").write_text(f'[clients.Lake]\ndata = "{sample_dir()}"\n[clients.lake]\ndata = "x"\n')
    result = playbook("batch", str(tmp_path / "clients.toml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "'Lake' and 'lake' differ only in case" in result.stderr


def test_spreadsheet_formulas_in_the_portfolio_are_written_as_text(tmp_path):
    from toolkit.running.batch import ClientOutcome, write_portfolio

    outcome = ClientOutcome("c1", '=HYPERLINK("http://x","y")', "ok", "@SUM(A1)", "2025-06-30", {"score": -0.5})
    text = write_portfolio(tmp_path / "portfolio.csv", [outcome]).read_text()
    row = text.splitlines()[1]
    assert row.startswith("c1,\"'=HYPERLINK(") and ",'@SUM(A1)," in row and row.endswith(",-0.5")
