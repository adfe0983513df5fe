"""History across renders (toolkit.running.history): the archive a report keeps of its earlier
results, and the change since the previous render on the index and the batch portfolio."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import write_folder
from tests.test_cli import playbook
from toolkit.running import history


def results(as_of: str, dealer: str = "Lakeside Toyota", share: float = 0.8, n: int = 2000) -> dict:
    hits = round(share * n)
    counts = {"kind": "share", "units": n, "num": hits, "den": n, "num2": hits, "den2": n, "numden": hits}
    return {
        "playbook": "customer_knowledge",
        "dealer": dealer,
        "as_of": as_of,
        "kpis": {"email_coverage": share},
        "headline_counts": {"email_coverage": counts},
    }


def rendered(folder: Path, recorded: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(recorded))
    return folder


def test_a_render_archives_the_one_it_replaces_and_says_what_changed(tmp_path):
    previous = rendered(tmp_path / "old", results("2025-05-31", share=0.70))
    out = history.carry_history(previous, tmp_path / "new", results("2025-06-30", share=0.80))
    assert sorted(p.name for p in (tmp_path / "new" / "history").iterdir()) == ["2025-05-31.json", "2025-06-30.json"]
    assert out["since"]["as_of"] == "2025-05-31"
    change = out["since"]["changes"]["email_coverage"]
    assert change["verdict"] == "up" and change["previous"] == 0.70 and change["value"] == 0.80
    assert json.loads((tmp_path / "new" / "history" / "2025-06-30.json").read_text())["since"] == out["since"]


def test_the_previous_render_is_the_latest_one_dated_before(tmp_path):
    previous = rendered(tmp_path / "old", results("2025-06-30", share=0.81))
    for day, share in (("2025-04-30", 0.5), ("2025-05-31", 0.80)):
        rendered(previous / "history", {})
        (previous / "history" / f"{day}.json").write_text(json.dumps(results(day, share=share)))
    again = history.carry_history(previous, tmp_path / "new", results("2025-06-30", share=0.80))
    assert again["since"]["as_of"] == "2025-05-31"  # the same date rendered again replaces its copy
    assert again["since"]["changes"]["email_coverage"]["verdict"] == "within noise"
    kept = sorted(p.name for p in (tmp_path / "new" / "history").iterdir())
    assert kept == ["2025-04-30.json", "2025-05-31.json", "2025-06-30.json"]


def test_another_dealer_starts_a_new_history_and_strange_files_are_passed_over(tmp_path):
    previous = rendered(tmp_path / "old", results("2025-05-31", dealer="Other Motors"))
    archive = previous / "history"
    archive.mkdir()
    (archive / "2025-04-30.json").write_text("{not json")
    (archive / "notes.json").write_text(json.dumps(results("2025-01-31")))
    (archive / "2025-03-31.json").write_text(json.dumps(results("2024-03-31")))  # name and content disagree
    (archive / "2025-02-28.json").write_text("[1, 2]")
    out = history.carry_history(previous, tmp_path / "new", results("2025-06-30"))
    assert "since" not in out
    assert [p.name for p in (tmp_path / "new" / "history").iterdir()] == ["2025-06-30.json"]


@pytest.mark.parametrize(
    "forged",
    [
        {"as_of": 5},
        {"as_of": None},
        {**results("2025-04-30"), "headline_counts": None},
        {**results("2025-04-30"), "headline_counts": {"email_coverage": "x"}},
        {**results("2025-04-30"), "headline_counts": {"email_coverage": {"kind": "share"}}},
        {
            **results("2025-04-30"),
            "headline_counts": {"email_coverage": {**results("x")["headline_counts"]["email_coverage"], "num": "abc"}},
        },
        {**results("2025-04-30"), "dealer": None},
    ],
)
def test_a_history_file_of_the_wrong_shape_is_passed_over(tmp_path, forged):
    previous = rendered(tmp_path / "old", results("2025-03-31"))
    (previous / "history").mkdir()
    (previous / "history" / "2025-04-30.json").write_text(json.dumps(forged))
    out = history.carry_history(previous, tmp_path / "new", results("2025-06-30"))
    assert out["since"]["as_of"] == "2025-03-31"  # the forged file is not a render to compare with
    assert sorted(p.name for p in (tmp_path / "new" / "history").iterdir()) == ["2025-03-31.json", "2025-06-30.json"]


def test_symlinked_and_oversized_history_is_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "2025-02-28.json").write_text(json.dumps(results("2025-02-28")))
    previous = rendered(tmp_path / "old", results("2025-03-31"))
    (previous / "history").symlink_to(elsewhere, target_is_directory=True)
    out = history.carry_history(previous, tmp_path / "new", results("2025-06-30"))
    assert sorted(p.name for p in (tmp_path / "new" / "history").iterdir()) == ["2025-03-31.json", "2025-06-30.json"]
    assert [p.name for p in elsewhere.iterdir()] == ["2025-02-28.json"]

    again = rendered(tmp_path / "old2", results("2025-03-31"))
    (again / "history").mkdir()
    (again / "history" / "2025-01-31.json").symlink_to(elsewhere / "2025-02-28.json")
    padded = {**results("2025-02-28"), "pad": "x" * (history.LARGEST + 1)}
    (again / "history" / "2025-02-28.json").write_text(json.dumps(padded))
    history.carry_history(again, tmp_path / "new2", results("2025-06-30"))
    assert sorted(p.name for p in (tmp_path / "new2" / "history").iterdir()) == ["2025-03-31.json", "2025-06-30.json"]
    assert out["since"]["as_of"] == "2025-03-31"


def test_change_text_reads_which_way_is_better():
    since = {
        "as_of": "2025-05-31",
        "changes": {
            "give_ask_ratio": {"difference": 0.25, "verdict": "up"},
            "ask_only_share": {"difference": 0.04, "verdict": "up"},  # more ask-only touches: worse
        },
    }
    text = history.change_text("reciprocity", since)
    assert text == "since 2025-05-31: give ask ratio +0.25 (improved); ask only share +4 points (slipped)"
    assert history.movement("reciprocity", since) == {"give_ask_ratio": "improved", "ask_only_share": "slipped"}
    assert history.change_text("reciprocity", None) == ""


def survey_client(folder: Path, name: str, march: float, june: float) -> Path:
    """A client whose folder holds only a self-assessment: 30 respondents in March 2025 and 30 in
    June, each answering four statements around the given mean score."""
    rng = np.random.default_rng(len(name))
    rows = ["respondent_id,department,question_id,score,answered_at"]
    for month, mean in (("2025-03-20", march), ("2025-06-20", june)):
        for r in range(30):
            for q in range(1, 5):
                score = int(np.clip(round(mean + rng.normal(0, 0.6)), 1, 5))
                rows.append(f"{month[:7]}-R{r},{('sales', 'service')[r % 2]},Q{q},{score},{month}")
    return write_folder(folder, {"survey": "\n".join(rows) + "\n"}, f'name = "{name}"\n')


def test_a_monthly_batch_shows_which_clients_improved(tmp_path):
    survey_client(tmp_path / "rising", "Rising Motors", 2.6, 4.2)
    survey_client(tmp_path / "steady", "Steady Motors", 3.5, 3.5)
    out = tmp_path / "out"
    for as_of in ("2025-03-31", "2025-06-30"):
        clients = tmp_path / "CLIENTS.toml"
        clients.write_text(
            "".join(
                f'[clients.{c}]\ndata = "{c}"\n[clients.{c}.parameters]\nas_of = "{as_of}"\n'
                for c in ("rising", "steady")
            )
        )
        result = playbook("batch", str(clients), "--out", str(out), "--jobs", "2")
        assert result.returncode == 0, result.stderr
    rows = {r["client"]: r for r in csv.DictReader((out / "portfolio.csv").open())}
    assert rows["rising"]["since"] == rows["steady"]["since"] == "2025-03-31"
    assert rows["rising"]["improved"] == "alignment_index" and rows["rising"]["moved.alignment_index"] == "improved"
    assert rows["steady"]["improved"] == "" and rows["steady"]["moved.alignment_index"] == "within noise"
    assert float(rows["rising"]["change.alignment_index"]) > 0.5  # every answer up to June against March alone
    page = (out / "index.html").read_text()
    assert "Since the previous render" in page and "(improved)" in page and "(within noise)" in page
    client_index = (out / "rising" / "index.html").read_text()
    assert "since 2025-03-31: alignment index +" in client_index
    archive = sorted(p.name for p in (out / "rising" / "cx_alignment" / "history").iterdir())
    assert archive == ["2025-03-31.json", "2025-06-30.json"]
