"""Every parameter checked before any kernel starts (issue 22, "Mistaken parameters"), through the
real `playbook` command: exit 2, a message naming the parameter, no traceback, nothing written."""

from __future__ import annotations

import pytest

from tests.test_cli import playbook
from toolkit.resources import sample_dir

MISTAKES = [
    (["--as-of", "2025-13-01"], "as_of must be a date written YYYY-MM-DD, not '2025-13-01'"),
    (["-p", "as_of=notadate"], "as_of must be a date written YYYY-MM-DD, not 'notadate'"),
    (["-p", "lookback_days=abc"], "lookback_days must be a whole number, not 'abc'"),
    (["-p", "lookback_days=0"], "lookback_days must be at least 1, not 0"),
    (["-p", "show_personal_data=maybe"], "show_personal_data must be true or false, not 'maybe'"),
    (["-p", "salesperson=S99"], "salesperson 'S99' is not in the data; the salespeople are: S01, S02"),
    (["-p", "sold_from=2025-06-01", "-p", "sold_to=2025-01-01"], "sold_from (2025-06-01) is after sold_to"),
    (["--as-of", "1990-01-01"], "as_of 1990-01-01 is before the data's first activity"),
    (["--as-of", "2030-01-01"], "as_of 2030-01-01 is after the data's last activity (2025-06-30)"),
    (["-p", 'cost_overrides={"mail": -5}'], "cost_overrides: the cost of 'mail' must be a number of at least 0"),
    (["-p", "data_dir=/elsewhere"], "data_dir is set by --data, not by -p data_dir=…"),
    (["-p", "salesprson=S04"], "unknown parameter salesprson; these playbooks take:"),
]


@pytest.mark.parametrize(("args", "said"), MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_a_mistaken_parameter_stops_the_render_naming_it(tmp_path, args, said):
    result = playbook("render", "all", "--data", str(sample_dir()), "--out", str(tmp_path / "out"), *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert said in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        ("taxonomy_file", "[gives]\n[asks]\n", "a taxonomy needs at least one rule"),
        ("taxonomy_file", '[gives]\nprice = "\\\\$"\n', "must be a list of patterns"),
        ("plan_file", "steps = 3\n", "a cadence plan"),
        ("instrument_file", "departments = 3\n", "a survey instrument in TOML"),
    ],
)
def test_a_parameter_file_of_the_wrong_shape_is_named(tmp_path, name, text, said):
    (tmp_path / "file.toml").write_text(text)
    result = playbook(
        "render",
        "all",
        "--data",
        str(sample_dir()),
        "--out",
        str(tmp_path / "out"),
        "-p",
        f"{name}={tmp_path / 'file.toml'}",
    )
    assert result.returncode == 2 and said in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_one_clients_mistaken_parameter_is_that_clients_bad_input(tmp_path):
    (tmp_path / "clients.toml").write_text(
        f'[clients.good]\ndata = "{sample_dir()}"\n'
        f'[clients.typo]\ndata = "{sample_dir()}"\n[clients.typo.parameters]\nsalesprson = "S04"\n'
        f'[clients.late]\ndata = "{sample_dir()}"\n[clients.late.parameters]\nas_of = "2025-02-30"\n'
    )
    result = playbook("batch", str(tmp_path / "clients.toml"), "--out", str(tmp_path / "out"), "--jobs", "2")
    assert result.returncode == 1, result.stderr
    portfolio = (tmp_path / "out" / "portfolio.csv").read_text()
    assert "good,Lakeside Toyota,ok," in portfolio
    assert 'typo,typo,bad parameters,"parameters: unknown parameter salesprson;' in portfolio
    assert 'late,late,bad parameters,"parameters: as_of must be a date' in portfolio
    assert (tmp_path / "out" / "index.html").is_file() and (tmp_path / "out" / "good" / "sold_follow_up").is_dir()
    assert not (tmp_path / "out" / "typo" / "sold_follow_up").exists()
