"""Randomised holdout tests: the draw by hand, the power arithmetic, a finished test with a known
lift read back, and `playbook holdout design` with its mistakes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import write_folder
from tests.test_cli import playbook
from toolkit.analyses import holdouts
from toolkit.inputs.dealer import load_dealer
from toolkit.presentation.stories import engagement as story
from toolkit.resources import sample_dir

AS_OF = pd.Timestamp("2025-06-30")


def people(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(n)],
            "email": [f"c{i}@example.com" if i % 10 else None for i in range(n)],
            "email_opt_in": [i % 5 != 0 for i in range(n)],
            "phone": ["555-0100"] * n,
            "sms_opt_in": [False] * n,
        }
    )


def orders(ids, amounts, opened) -> pd.DataFrame:
    return pd.DataFrame(
        {"customer_id": ids, "total": amounts, "opened_at": pd.to_datetime(opened), "pay_type": "customer"}
    )


def test_a_draw_keeps_back_a_share_of_every_stratum_and_repeats_with_its_seed():
    customers = people(200)
    spenders = customers["customer_id"].iloc[:100]
    ro = orders(spenders, np.arange(100.0) + 1, ["2025-03-01"] * 100)
    rows = holdouts.design(customers, ro, AS_OF, "K900", "email", 0.2, 3, pd.Timestamp("2025-07-01"))
    # e-mail: opted in (i % 5 != 0) and an address (i % 10 != 0): 160 of 200
    assert len(rows) == 160 and list(rows.columns) == holdouts.HOLDOUT_COLUMNS
    assert set(rows["assigned_at"]) == {"2025-07-01"} and set(rows["campaign_id"]) == {"K900"}
    strata = holdouts.strata(rows, ro, AS_OF)
    held = rows["group"].eq("holdout")
    for band in ("none", "below median", "above median"):
        assert held[strata == band].sum() == round(0.2 * (strata == band).sum())
    again = holdouts.design(customers, ro, AS_OF, "K900", "email", 0.2, 3, pd.Timestamp("2025-07-01"))
    pd.testing.assert_frame_equal(rows, again)
    other = holdouts.design(customers, ro, AS_OF, "K900", "email", 0.2, 4, pd.Timestamp("2025-07-01"))
    assert not rows["group"].equals(other["group"])
    assert len(holdouts.audience(customers, "mail")) == 200 and len(holdouts.audience(customers, "sms")) == 0


def test_the_detectable_lift_by_hand():
    # (1.95996 + 0.84162) × 100 × √(1/900 + 1/100) = 2.80158 × 100 × 0.105409 = 29.53
    assert holdouts.detectable_lift(100.0, 900, 100) == pytest.approx(29.53, abs=0.01)
    assert np.isnan(holdouts.detectable_lift(0.0, 900, 100)) and np.isnan(holdouts.detectable_lift(100.0, 900, 1))
    needed = holdouts.holdout_needed(100.0, 29.53, 1000)
    assert needed in (100, 101) and holdouts.detectable_lift(100.0, 1000 - needed, needed) <= 29.53
    assert holdouts.holdout_needed(100.0, 1.0, 1000) is None  # no split of 1,000 sees 1 per customer


@pytest.mark.parametrize("lift", [0.0, 60.0])
def test_a_finished_test_reads_back_its_lift(lift):
    rng = np.random.default_rng(11)
    n = 4000
    ids = [f"C{i:04d}" for i in range(n)]
    group = np.where(rng.random(n) < 0.2, "holdout", "treatment")
    table = pd.DataFrame(
        {"campaign_id": "K1", "customer_id": ids, "group": group, "assigned_at": pd.Timestamp("2024-12-01")}
    )
    spend = rng.gamma(1.0, 200.0, n) * (rng.random(n) < 0.5) + np.where(group == "treatment", lift, 0.0)
    ro = orders(ids, spend, ["2025-02-01"] * n)
    before = orders(ids[:10], [5000.0] * 10, ["2024-11-01"] * 10)  # before the test: not counted
    test = holdouts.readout(table, pd.concat([ro, before]), AS_OF).iloc[0]
    assert test["treated"] == (group == "treatment").sum() and test["days_run"] == 180
    assert test["spend_low"] < lift < test["spend_high"]
    text = story.describe_tests(holdouts.readout(table, ro, AS_OF), "USD")
    assert ("the campaign raised customer-pay service spend" in text) == (lift > 0)
    assert ("no difference beyond chance" in text) == (lift == 0)


def test_a_test_still_running_says_so_and_no_test_says_how_to_start_one():
    table = pd.DataFrame(
        {
            "campaign_id": ["K1"] * 4,
            "customer_id": ["C1", "C2", "C3", "C4"],
            "group": ["treatment", "treatment", "holdout", "holdout"],
            "assigned_at": pd.Timestamp("2025-06-01"),
        }
    )
    tests = holdouts.readout(table, orders(["C1", "C3"], [100.0, 50.0], ["2025-06-10"] * 2), AS_OF)
    assert tests.iloc[0]["days_run"] == 29 and "it has run 29 of 180 days" in story.describe_tests(tests)
    assert "playbook holdout design" in story.describe_tests(holdouts.readout(None, orders([], [], []), AS_OF))


def test_holdout_design_from_the_command_line(tmp_path):
    out = tmp_path / "holdouts.csv"
    result = playbook(
        "holdout", "design", "--data", str(sample_dir()), "--campaign", "K070", "--share", "0.1", "--seed", "5",
        "--out", str(out), "--assigned-at", "2025-07-01",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Holdout test for K070 (email)" in result.stdout and "the test can see a difference of" in result.stdout
    rows = pd.read_csv(out)
    assert list(rows.columns) == holdouts.HOLDOUT_COLUMNS and set(rows["group"]) == {"treatment", "holdout"}
    assert rows["group"].eq("holdout").mean() == pytest.approx(0.1, abs=0.01)
    again = playbook(
        "holdout", "design", "--data", str(sample_dir()), "--campaign", "K070", "--seed", "5", "--out", str(out)
    )
    assert again.returncode == 2 and "already exists" in again.stderr
    for args, said in (
        (["--campaign", "K070", "--share", "1.5"], "--share must be between 0 and 1"),
        (["--campaign", "NEXT1"], "has no channel in campaigns.csv; give --channel"),
        (["--campaign", "NEXT1", "--channel", "fax"], "--channel must be one of"),
    ):
        bad = playbook(
            "holdout", "design", "--data", str(sample_dir()), "--seed", "1", "--out", str(tmp_path / "x.csv"), *args
        )
        assert bad.returncode == 2 and said in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "x.csv").exists()


def test_a_holdouts_table_is_validated_like_the_others(tmp_path):
    folder = write_folder(
        tmp_path / "d",
        {
            "customers": "customer_id\nC1\nC2\n",
            "holdouts": "campaign_id,customer_id,group,assigned_at\nK1,C1,treatment,2025-01-01\nK1,C2,control,2025-01-01\n",
        },
    )
    result = playbook("validate", str(folder))
    assert result.returncode == 2 and "holdouts.csv" in result.stderr and "group" in result.stderr
    good = folder / "holdouts.csv"
    good.write_text("campaign_id,customer_id,group,assigned_at\nK1,C1,treatment,2025-01-01\nK1,C2,holdout,2025-01-01\n")
    assert len(load_dealer(folder, cache=False)["holdouts"]) == 2
