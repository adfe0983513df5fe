"""Legal folders that are unlike the sample still render every playbook (issue 22, "Legal input
that crashes today"): every touch tagged, none tagged, no optional column at all, one
salesperson, one channel, one department, no sales at all. All go through one real
`playbook batch`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.test_cli import playbook
from toolkit.inputs import schema
from toolkit.resources import sample_dir


def _all_tagged(table, df):
    if table == "touches":
        df.loc[(df["gives"] == "") & (df["asks"] == ""), "gives"] = "info"
    return df


def _none_tagged(table, df):
    if table == "touches":
        df["gives"], df["asks"] = "", ""
    return df


def _no_optional(table, df):
    return df[list(schema.TABLES[table].required)]


def _one_salesperson(table, df):
    if "salesperson_id" in df:
        df["salesperson_id"] = df["salesperson_id"].where(df["salesperson_id"] == "", "S01")
    return df


def _one_channel(table, df):
    if table in ("touches", "campaigns"):
        df["channel"] = "email"
    return df


def _one_department(table, df):
    if table in ("survey", "staff"):
        df["department"] = "sales"
    return df


def _no_sales(table, df):
    return df.head(0) if table == "sales" else df  # a header-only sales.csv: a legal, empty selection


VARIANTS = {
    "all-tagged": _all_tagged,
    "none-tagged": _none_tagged,
    "no-optional-columns": _no_optional,
    "one-salesperson": _one_salesperson,
    "one-channel": _one_channel,
    "one-department": _one_department,
    "no-sales": _no_sales,
}


def variant(folder: Path, change) -> Path:
    shutil.copytree(sample_dir(), folder)
    for table in schema.TABLES:
        path = folder / f"{table}.csv"
        if path.is_file():
            change(table, pd.read_csv(path, dtype=str, keep_default_na=False)).to_csv(path, index=False)
    return folder


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("legal")
    lines = []
    for name, change in VARIANTS.items():
        variant(root / name, change)
        lines.append(f'[clients.{name}]\ndata = "{name}"\n')
    (root / "clients.toml").write_text("\n".join(lines))
    result = playbook("batch", str(root / "clients.toml"), "--out", str(root / "out"), "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "out"


@pytest.mark.parametrize("name", list(VARIANTS))
def test_every_playbook_renders(batch, name):
    reports = sorted(p.parent.name for p in (batch / name).glob("*/report.html"))
    assert reports == sorted(["reciprocity", "customer_knowledge", "sold_follow_up", "engagement", "cx_alignment"]), (
        list((batch / name).iterdir())
    )
    for report in (batch / name).glob("*/report.html"):
        text = report.read_text(encoding="utf-8").split("<script>")[0]
        shown = re.sub(r"<[^>]+>", " ", text)
        slip = re.search(r"\b(nan|None|NaT|<NA>)\b", shown)
        assert not slip, f"{report}: ...{shown[max(0, slip.start() - 200) : slip.end() + 40]}"


def test_a_playbook_whose_tables_are_missing_is_skipped_and_said_so(tmp_path):
    folder = tmp_path / "survey-only"
    folder.mkdir()
    for name in ("survey.csv", "dealer.toml"):
        shutil.copy(sample_dir() / name, folder / name)
    result = playbook("render", "all", "--data", str(folder), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "skipped reciprocity" in " ".join(result.stdout.split()) and "needs touches.csv" in result.stdout
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["cx_alignment", "index.html"]
    assert "not run" in (tmp_path / "out" / "index.html").read_text()
    alone = playbook("render", "sold_follow_up", "--data", str(folder), "--out", str(tmp_path / "out2"))
    assert alone.returncode == 2 and "sold_follow_up needs sales.csv" in alone.stderr
    assert "This folder can run: cx_alignment" in alone.stderr and not (tmp_path / "out2").exists()
