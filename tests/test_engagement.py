"""Engagement: KPIs by hand, the model recovers a planted effect, allocation arithmetic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import write_folder
from toolkit.analyses import engagement
from toolkit.inputs.dealer import load_dealer
from toolkit.inputs.schema import EVENT_TYPES
from toolkit.resources import sample_dir


def test_engaged_share_and_events_by_type_by_hand(tmp_path):
    folder = write_folder(
        tmp_path / "d",
        {
            "customers": "customer_id\nC1\nC2\nC3\nC4\n",
            "events": """
            event_id,customer_id,occurred_at,type
            E1,C1,2024-04-01,email_open
            E2,C2,2024-03-31,web_visit
            E3,C3,2024-06-29,clinic
            E4,C3,2024-06-30,email_click
            E5,C4,2024-07-02,web_visit
        """,
        },
        'name = "X"\nas_of = 2024-06-29\n',
    )
    d = load_dealer(folder, cache=False)
    k = engagement.activity_kpis(d["customers"], d["events"], d.as_of)
    # window 2024-04-01 .. 2024-06-29: C1 (first day) and C3; C2 one day early; E4, E5 after as_of
    assert k["engaged_share_90d"] == 0.5
    assert k["events_by_type"]["web_visit"] == 1 and k["events_by_type"]["email_click"] == 0


def test_model_frame_windows_by_hand(tmp_path):
    folder = write_folder(
        tmp_path / "d",
        {
            "customers": "customer_id,created_at\nC1,2023-01-01\nC2,2024-05-01\nC3,\n",
            "events": """
            event_id,customer_id,occurred_at,type
            E1,C1,2023-06-01,email_open
            E2,C1,2024-02-01,clinic
            E3,C3,2022-12-01,web_visit
        """,
            "repair_orders": """
            ro_id,customer_id,opened_at,pay_type,total
            R1,C1,2023-12-01,customer,100
            R2,C1,2024-03-01,internal,50
            R3,C3,2024-03-01,warranty,200
        """,
            "sales": "deal_id,customer_id,sold_at,front_gross,back_gross\nD1,C1,2024-04-01,1000,500\n",
        },
        'name = "X"\nas_of = 2024-06-30\n',
    )
    d = load_dealer(folder, cache=False)
    frame = engagement.model_frame(d["customers"], d["events"], d["sales"], d["repair_orders"], d.as_of, 365, 180)
    # the cut is 2024-01-02: C2 became a customer after it; E2 falls after it, E3 before the look-back
    f = frame.set_index("customer_id")
    assert list(f.index) == ["C1", "C3"]
    assert f.loc["C1", "email_open"] == 1 and f.loc["C1", "clinic"] == 0 and f.loc["C3", "web_visit"] == 0
    assert f.loc["C1", "tenure_years"] == pytest.approx(366 / 365.25) and f.loc["C3", "tenure_years"] == 0
    assert f.loc["C1", "prior_revenue"] == 100 and f.loc["C1", "revenue"] == 1500  # R2 is internal
    assert f.loc["C3", "revenue"] == 200
    hist = engagement.history(d["customers"], d["events"], d["sales"], d["repair_orders"])
    pd.testing.assert_frame_equal(engagement.frame_from(hist, d.as_of, 365, 180), frame)


def test_engagement_score_halves_every_180_days():
    as_of = pd.Timestamp("2024-12-31")
    customers = pd.DataFrame({"customer_id": ["C1", "C2"], "salesperson_id": ["S1", "S1"]})
    events = pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C2"],
            "type": ["clinic", "email_open", "referral"],
            "occurred_at": [as_of, as_of - pd.Timedelta(days=180), as_of - pd.Timedelta(days=400)],
        }
    )
    s = engagement.engagement_scores(customers, events, as_of).set_index("customer_id")
    assert s.loc["C1", "score"] == pytest.approx(5 + 0.5)
    assert s.loc["C2", "score"] == 0 and s.loc["C2", "days_since_last_event"] == 400


def planted(n=4000, seed=1, clinic_effect=150.0, click_effect=40.0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({t: rng.poisson(0.8, n).astype(float) for t in EVENT_TYPES})
    frame["tenure_years"] = rng.uniform(0, 8, n)
    frame["prior_revenue"] = rng.gamma(2, 300, n)
    frame["revenue"] = (
        100
        + clinic_effect * frame["clinic"]
        + click_effect * frame["email_click"]
        + 0.4 * frame["prior_revenue"]
        + 20 * frame["tenure_years"]
        + rng.normal(0, 150, n)
    )
    frame.insert(0, "customer_id", [f"C{i}" for i in range(n)])
    return frame


def test_model_recovers_a_planted_effect():
    model = engagement.fit_revenue_model(planted())
    coef = model.coefficients.set_index("type")
    assert coef.loc["clinic", "lower"] < 150 < coef.loc["clinic", "upper"]
    assert coef.loc["email_click", "lower"] < 40 < coef.loc["email_click", "upper"]
    assert coef.loc["clinic", "estimate"] == pytest.approx(150, abs=15)
    assert coef.loc["web_visit", "lower"] < 0 < coef.loc["web_visit", "upper"]  # no effect planted
    assert model.r2_holdout > 0.5 and model.mae_holdout < model.mae_baseline
    assert model.warnings == []
    assoc = model.association()
    assert (
        set(assoc) == set(EVENT_TYPES)
        and assoc["clinic"]["lower"] <= assoc["clinic"]["estimate"] <= assoc["clinic"]["upper"]
    )


def test_a_folder_without_revenue_gets_no_model_and_says_why():
    frame = planted()
    frame["revenue"] = 0.0
    model = engagement.fit_revenue_model(frame)
    assert model.r2_holdout is None and model.coefficients["estimate"].isna().all()
    assert any("nothing to associate engagement with" in w for w in model.warnings)


def test_small_samples_and_rare_events_are_flagged():
    frame = planted(n=150)
    frame["review"] = 0.0
    model = engagement.fit_revenue_model(frame)
    assert any("too few for a reliable model" in w for w in model.warnings)
    assert any("No estimate for review" in w for w in model.warnings)
    assert model.association()["review"] == {"estimate": None, "lower": None, "upper": None}


def test_allocation_and_budget_shift_arithmetic():
    coef = pd.DataFrame(
        {
            "type": ["email_click", "clinic"],
            "estimate": [10.0, 100.0],
            "lower": [5.0, 50.0],
            "upper": [15.0, 150.0],
            "events": [100, 100],
        }
    )
    model = engagement.RevenueModel(coef, 1000, None, None, None, [])
    touches = pd.DataFrame(
        {"touch_id": ["T1", "T2", "T3"], "channel": ["email", "mail", "email"], "campaign_id": ["K1", "K2", None]}
    )
    events = pd.DataFrame({"touch_id": ["T1", "T1", "T2", "T3"], "type": ["email_click", "clinic", "clinic", "clinic"]})
    campaigns = pd.DataFrame({"campaign_id": ["K1", "K2"], "channel": ["email", "mail"], "cost": [11.0, 200.0]})
    alloc = engagement.allocation(model, touches, events, campaigns).set_index("channel")
    assert alloc.loc["email", "associated"] == 110 and alloc.loc["email", "per_cost"] == 10  # T3 is no campaign touch
    assert alloc.loc["mail", "per_cost"] == 0.5 and alloc.loc["mail", "per_cost_high"] == 0.75
    shift = engagement.budget_shift(alloc.reset_index(), "mail", "email", 20)
    assert shift["estimate"] == pytest.approx(20 * 9.5)
    assert shift["low"] == pytest.approx(20 * (5 - 0.75)) and shift["high"] == pytest.approx(20 * (15 - 0.25))
    overridden = engagement.allocation(model, touches, events, campaigns, {"mail": 100.0}).set_index("channel")
    assert overridden.loc["mail", "per_cost"] == 1.0


def test_sample_kpis_match_a_hand_check():
    d = load_dealer(sample_dir())
    k = engagement.activity_kpis(d["customers"], d["events"], d.as_of)
    start = d.as_of - pd.Timedelta(days=89)
    recent = d["events"][d["events"]["occurred_at"].dt.normalize().between(start, d.as_of)]
    assert k["engaged_share_90d"] == pytest.approx(d["customers"]["customer_id"].isin(recent["customer_id"]).mean())
    assert sum(k["events_by_type"].values()) == len(d["events"])


def test_the_re_engage_list_holds_customers_who_never_engaged():
    scores = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "score": [0.0, 0.0, 0.0, 2.0],
            "days_since_last_event": [400.0, None, 30.0, 5.0],  # C2 never engaged; C3 lately
        }
    )
    customers = pd.DataFrame(
        {"customer_id": ["C1", "C2", "C3", "C4"], "email_opt_in": [True, None, True, True], "sms_opt_in": [None] * 4}
    )
    out = engagement.lapsed(scores, customers)
    assert out["customer_id"].tolist() == ["C1", "C2"] and out["reachable"].tolist() == [True, False]
