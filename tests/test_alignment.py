"""Alignment KPIs on a hand-worked survey, the answer form, and the template."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from toolkit.analyses import alignment
from toolkit.errors import UsageError
from toolkit.inputs import answers, config
from toolkit.inputs.dealer import load_dealer, load_table_file
from toolkit.presentation.frontend import STATIC_ENV
from toolkit.presentation.stories import alignment as alignment_story
from toolkit.resources import sample_dir

STATEMENTS = pd.DataFrame({"id": ["Q1", "Q2"], "theme": ["strategy", "rewards"], "text": ["one", "two"]})
DEPARTMENTS = ["sales", "service"]


def survey(rows):
    return pd.DataFrame(rows, columns=["respondent_id", "department", "question_id", "score"])


HAND = survey(
    [  # respondent means: A 5.0, B 4.5, C 2.0, D 3.0
        ("A", "sales", "Q1", 5),
        ("A", "sales", "Q2", 5),
        ("B", "sales", "Q1", 4),
        ("B", "sales", "Q2", 5),
        ("C", "service", "Q1", 1),
        ("C", "service", "Q2", 3),
        ("D", "service", "Q1", 3),
        ("D", "service", "Q2", 3),
    ]
)


def test_kpis_by_hand():
    k = alignment.kpis(HAND)
    assert k["alignment_index"] == pytest.approx(29 / 8)
    assert k["strongly_aligned_share"] == 0.5  # A and B (4.5 counts)
    assert k["lack_of_alignment_share"] == 0.25  # C
    assert k["department_means"] == {"sales": 4.75, "service": 2.5}
    assert k["department_gap"] == 2.25 and k["respondents"] == 4


def test_gaps_actions_and_no_strategy_share():
    gaps = alignment.statement_gaps(HAND, STATEMENTS)
    assert gaps.iloc[0]["question_id"] == "Q1" and gaps.iloc[0]["gap"] == 2.5  # sales 4.5 vs service 2.0
    assert gaps.iloc[0]["high_department"] == "sales" and gaps.iloc[0]["low_department"] == "service"
    evidence = alignment.department_evidence(HAND)
    actions = alignment_story.actions(alignment.kpis(HAND), gaps, evidence, gap_chance=0.01, n=1)
    assert actions[0].text.startswith("Work on **Q1**") and "service 2.0 vs sales 4.5" in actions[0].text
    assert actions[1].kind == "bring_together" and "Bring **sales** and **service** together on Q1" in actions[1].text
    # two respondents per department: too few to name one the lowest
    assert actions[2].kind == "within_noise" and "sales, service with fewer than 3 respondents" in actions[2].text
    assert "respondents per department would tell a half-point gap apart" in actions[2].text
    chance = alignment_story.actions(alignment.kpis(HAND), gaps, evidence, gap_chance=0.4, n=1)
    assert chance[1].kind == "within_noise" and "no wider than chance gives with 4 respondents" in chance[1].text
    assert alignment.no_formal_strategy_share(HAND, STATEMENTS) == 0.25  # on Q1 only C (1) is ≤ 2.5


def test_empty_survey_is_not_an_error():
    empty = survey([])
    assert alignment.kpis(empty)["alignment_index"] is None
    assert alignment.statement_gaps(empty, STATEMENTS).empty
    todo = alignment_story.actions(
        alignment.kpis(empty),
        alignment.statement_gaps(empty, STATEMENTS),
        alignment.department_evidence(empty),
        alignment.widest_gap_chance(empty),
    )
    assert [a.kind for a in todo] == ["collect_answers"]


def test_sample_kpis_match_a_hand_check():
    s = load_dealer(sample_dir())["survey"]
    k = alignment.kpis(s)
    per_person = s.groupby("respondent_id")["score"].mean()
    assert k["alignment_index"] == pytest.approx(s["score"].sum() / len(s))
    assert k["strongly_aligned_share"] == pytest.approx((per_person >= 4.5).sum() / per_person.size)
    dept = s.groupby("department")["score"].mean()
    assert k["department_gap"] == pytest.approx(dept.max() - dept.min())


def test_append_answers_writes_valid_rows_once(tmp_path):
    path = tmp_path / "survey.csv"
    n = answers.append_answers(path, "sales", {"Q1": 4, "Q2": 2}, "W1", "2025-06-01", STATEMENTS, DEPARTMENTS)
    assert n == 2
    assert answers.append_answers(path, "sales", {"Q1": 4, "Q2": 2}, "W1", "2025-06-01", STATEMENTS, DEPARTMENTS) == 0
    answers.append_answers(path, "service", {"Q1": 1, "Q2": 5}, "W2", "2025-06-01", STATEMENTS, DEPARTMENTS)
    table = load_table_file(path, "survey")
    assert table["respondent_id"].tolist() == ["W1", "W1", "W2", "W2"]
    assert table["score"].tolist() == [4, 2, 1, 5]


@pytest.mark.parametrize(
    "department, scores, message",
    [
        ("parts", {"Q1": 3, "Q2": 3}, "department must be one of"),
        ("sales", {"Q1": 3}, "missing: Q2"),
        ("sales", {"Q1": 3, "Q2": 6}, "whole numbers from 1 to 5"),
        ("sales", {"Q1": 3, "Q2": True}, "whole numbers from 1 to 5"),
        ("sales", {"Q1": 3, "Q2": 3, "Q9": 1}, "unknown statements: Q9"),
    ],
)
def test_invalid_answers_are_refused_and_nothing_is_written(tmp_path, department, scores, message):
    path = tmp_path / "survey.csv"
    with pytest.raises(UsageError, match=message):
        answers.append_answers(path, department, scores, "W1", "2025-06-01", STATEMENTS, DEPARTMENTS)
    assert not path.exists()


def test_the_form_widget_submits_once(tmp_path, monkeypatch):
    from toolkit.presentation.widgets import SurveyForm

    monkeypatch.delenv(STATIC_ENV, raising=False)
    path = tmp_path / "survey.csv"
    form = SurveyForm(path, STATEMENTS, DEPARTMENTS, "2025-06-01")
    form.department.value = "service"
    form.sliders["Q1"].value, form.sliders["Q2"].value = 2, 5
    form.submit.click()
    form.submit.click()  # a double click: the button is disabled and the id already used
    assert form.submit.disabled and "Saved 2 answers for Service" in form.status.value
    table = load_table_file(path, "survey")
    assert len(table) == 2 and table["score"].tolist() == [2, 5] and set(table["department"]) == {"service"}
    form.next.click()
    assert form.department.value is None  # the next participant chooses their own
    form.department.value = "sales"
    form.submit.click()
    assert len(load_table_file(path, "survey")) == 4


@pytest.mark.parametrize(
    ("encoding", "newline", "delimiter"), [("utf-8", "\n", ","), ("utf-8-sig", "\r\n", ";"), ("utf-16", "\r\n", ",")]
)
def test_answers_are_added_to_the_end_and_the_file_is_kept_as_it_was(tmp_path, encoding, newline, delimiter):
    path = tmp_path / "survey.csv"
    header = ["respondent_id", "department", "question_id", "score", "note", "answered_at"]
    lines = [
        header,
        ["R1", "sales", "Q1", "4", "Zoë's note", "2025-05-01"],
        ["R1", "sales", "Q2", "3", "", "2025-05-01"],
    ]
    before = newline.join(delimiter.join(cells) for cells in lines).encode(encoding)  # no line end at the very end
    path.write_bytes(before)
    assert answers.append_answers(path, "service", {"Q1": 2, "Q2": 5}, "W1", "2025-06-01", STATEMENTS, DEPARTMENTS) == 2
    after = path.read_bytes()
    assert after.startswith(before)
    added = after[len(before) :].decode(encoding.replace("utf-16", "utf-16-le").replace("-sig", ""))
    assert (
        added
        == newline
        + newline.join(delimiter.join(["W1", "service", q, s, "", "2025-06-01"]) for q, s in (("Q1", "2"), ("Q2", "5")))
        + newline
    )
    if delimiter == ",":
        table = load_table_file(path, "survey")
        assert table["respondent_id"].tolist() == ["R1", "R1", "W1", "W1"] and "note" in table


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"respondent_id,department,question_id,score\nR1,ventes,Q1,4\n".replace(
                b"ventes", "Caf\xe9".encode("cp1252")
            ),
            "not UTF-8 text",
        ),
        (b"who,what\nR1,x\n", "has no respondent_id, department, question_id, score column"),
    ],
)
def test_a_survey_file_that_cannot_take_answers_is_named_and_kept(tmp_path, content, message):
    path = tmp_path / "survey.csv"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=message):
        answers.append_answers(path, "sales", {"Q1": 3, "Q2": 3}, "W1", "2025-06-01", STATEMENTS, DEPARTMENTS)
    assert path.read_bytes() == content


def test_the_form_says_what_became_of_the_answers(tmp_path, monkeypatch):
    from toolkit.presentation.widgets import SurveyForm

    monkeypatch.delenv(STATIC_ENV, raising=False)
    folder = tmp_path / "survey.csv"
    folder.mkdir()
    form = SurveyForm(folder, STATEMENTS, DEPARTMENTS, "2025-06-01")
    form.submit.click()
    assert "choose your department first" in form.status.value and form.department.value is None
    form.department.value = "service"
    form.submit.click()
    assert "Not saved:</b> survey.csv is a folder" in form.status.value and not form.submit.disabled
    path = tmp_path / "answers.csv"
    saved = SurveyForm(path, STATEMENTS, DEPARTMENTS, "2025-06-01")
    saved.department.value = "service"
    saved.submit.click()
    again = SurveyForm(path, STATEMENTS, DEPARTMENTS, "2025-06-01")
    again.respondent_id = saved.respondent_id  # the same respondent, in a form opened twice
    again.department.value = "service"
    again.submit.click()
    assert again.status.value.startswith("Already saved") and "Not saved" not in again.status.value


def test_answers_are_dated_the_day_they_are_given(tmp_path, monkeypatch):
    import datetime as dt

    from toolkit.presentation.widgets import SurveyForm

    monkeypatch.delenv(STATIC_ENV, raising=False)
    path = tmp_path / "survey.csv"
    form = SurveyForm(path, STATEMENTS, DEPARTMENTS)
    form.department.value = "sales"
    form.submit.click()
    answered = load_table_file(path, "survey")["answered_at"].dt.date
    assert set(answered) == {dt.date.today()}


def test_template_lists_every_statement(tmp_path):
    statements, _ = config.load_instrument()
    path = answers.write_template(tmp_path / "t.csv", statements)
    text = path.read_text().splitlines()
    assert text[0].startswith("respondent_id,department,question_id,score") and len(text) == len(statements) + 1


def test_department_gaps_are_tested_against_chance():
    rng = np.random.default_rng(5)
    rows = []
    for r in range(40):  # everyone answers alike whatever their department
        dept = DEPARTMENTS[r % 2]
        rows += [(f"R{r}", dept, q, int(rng.integers(2, 5))) for q in ("Q1", "Q2")]
    alike = survey(rows)
    assert alignment.widest_gap_chance(alike, permutations=500) > 0.05
    assert set(alignment.department_evidence(alike)["verdict"]) == {"within noise"}
    split = alike.assign(score=np.where(alike["department"] == "service", 1, 5))  # service disagrees entirely
    assert alignment.widest_gap_chance(split, permutations=500) < 0.01
    assert alignment.department_evidence(split).loc["service", "verdict"] == "below"


def test_a_tie_is_called_a_tie():
    summary = pd.DataFrame(
        {
            "department": ["sales", "marketing", "operations"],
            "mean_score": [4.0, 3.456, 3.4561],
            "respondents": [3, 3, 3],
            "spread": [0.1, 0.2, 0.3],
        }
    )
    text = alignment_story.describe_departments(summary, {"department_gap": 0.54})
    assert "**marketing** and **operations** tie lowest (3.46)" in text
