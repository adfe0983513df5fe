"""Engagement: KPIs by hand; the revenue model against simulated stores with a known truth (a real
effect is found, no effect gives no money advice); allocation and what-if arithmetic."""

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
            "customers": "customer_id,created_at\nC1,2023-01-01\nC2,2024-05-01\nC3,\nC4,2023-06-01\n",
            "events": """
            event_id,customer_id,occurred_at,type
            E1,C1,2023-06-01,email_open
            E2,C1,2024-02-01,clinic
            E3,C3,2022-12-01,web_visit
        """,
            "touches": """
            touch_id,customer_id,occurred_at,channel,direction
            T1,C1,2023-07-01,email,outbound
            T2,C1,2023-08-01,sms,
            T3,C1,2023-09-01,phone,inbound
            T4,C3,2024-02-01,email,outbound
        """,
            "repair_orders": """
            ro_id,customer_id,opened_at,pay_type,total
            R1,C1,2023-12-01,customer,100
            R2,C1,2024-03-01,internal,50
            R3,C3,2024-03-01,warranty,200
            R4,C1,2024-04-01,,300
        """,
        },
        'name = "X"\nas_of = 2024-06-30\n',
    )
    d = load_dealer(folder, cache=False)
    frame = engagement.model_frame(d["customers"], d["events"], d["touches"], d["repair_orders"], d.as_of, 365, 180)
    # the cut is 2024-01-02: C2 became a customer after it; E2 and T4 fall after it, E3 before the look-back
    f = frame.set_index("customer_id")
    assert list(f.index) == ["C1", "C3", "C4"]
    assert f.loc["C1", "email_open"] == 1 and f.loc["C1", "clinic"] == 0 and f.loc["C3", "web_visit"] == 0
    assert f.loc["C1", "tenure_years"] == pytest.approx(366 / 365.25) and f.loc["C3", "tenure_years"] == 0
    assert f.loc["C1", "messages"] == 2 and f.loc["C3", "messages"] == 0  # T3 came in; blank direction is outbound
    assert f.loc["C1", "prior_revenue"] == 100 and f.loc["C1", "revenue"] == 300  # R2 internal; blank pay is customer
    assert f.loc["C3", "revenue"] == 0  # warranty work is paid by the maker
    assert f.loc["C4", "short_history"] == 1 and f.loc["C1", "short_history"] == 0  # C4 joined inside the look-back
    hist = engagement.history(d["customers"], d["events"], d["touches"], d["repair_orders"])
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


def store(n=3000, seed=1, lift=None):
    """A simulated store's model frame: spend is zero for most customers and skewed for the rest,
    driven by past spend and tenure; ``lift`` maps an event type to the factor one more such event
    multiplies expected spend by (none: engagement has no effect)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({t: rng.poisson(0.8, n).astype(float) for t in EVENT_TYPES})
    frame["tenure_years"] = rng.uniform(0, 8, n)
    frame["prior_revenue"] = rng.gamma(0.6, 500, n) * (rng.random(n) < 0.5)
    frame["messages"] = rng.poisson(12, n).astype(float)
    frame["short_history"] = (rng.random(n) < 0.1).astype(float)
    log_mean = np.log(150) + 0.12 * np.log1p(frame["prior_revenue"]) + 0.03 * frame["tenure_years"]
    for t, factor in (lift or {}).items():
        log_mean = log_mean + np.log(factor) * frame[t]
    mean = np.exp(log_mean)
    spends = rng.random(n) < 0.4  # 60% spend nothing in the window
    frame["revenue"] = np.where(spends, rng.gamma(2.0, mean / (2.0 * 0.4)), 0.0)
    frame.insert(0, "customer_id", [f"C{i}" for i in range(n)])
    return frame


def true_per_event(frame, factor):
    """The spend one more event adds on average when it multiplies expected spend by ``factor``:
    the log-linear effect's derivative, log(factor) × mean spend."""
    return np.log(factor) * frame["revenue"].mean()


def test_the_model_finds_a_known_effect_with_an_interval_around_it():
    frame = store(lift={"clinic": 1.5})
    model = engagement.fit_revenue_model(frame)
    coef = model.coefficients.set_index("type")
    truth = true_per_event(frame, 1.5)
    assert coef.loc["clinic", "lower"] < truth < coef.loc["clinic", "upper"]
    assert coef.loc["web_visit", "lower"] < 0 < coef.loc["web_visit", "upper"]  # no effect planted
    assert model.beats_baseline and list(engagement.clear_associations(model)["type"]) == ["clinic"]
    assert engagement.clear_associations(model, -1).empty
    assoc = model.association()
    assert set(assoc) == set(EVENT_TYPES) and assoc["clinic"]["lower"] <= assoc["clinic"]["estimate"]


def test_opens_are_never_valued_even_when_they_go_with_spend():
    model = engagement.fit_revenue_model(store(lift={"email_open": 1.5}))
    assert model.coefficients.set_index("type").loc["email_open", "lower"] > 0  # estimated, as a diagnostic
    assert "email_open" not in set(engagement.clear_associations(model)["type"])
    assert "email_open" not in engagement.valued_types(model)


def test_a_store_where_nothing_works_gets_no_money_advice():
    """Over many simulated stores with no effect at all, "make more of" (an effect surviving the
    out-of-sample check and the Holm correction) appears at most at the nominal 5% rate."""
    alarms = sum(
        not engagement.clear_associations(engagement.fit_revenue_model(store(n=1500, seed=s))).empty for s in range(40)
    )
    assert alarms <= 2


def test_a_folder_without_revenue_gets_no_model_and_says_why():
    frame = store()
    frame["revenue"] = 0.0
    model = engagement.fit_revenue_model(frame)
    assert model.deviance_holdout is None and model.coefficients["estimate"].isna().all()
    assert any("nothing to associate engagement with" in w for w in model.warnings)


def test_small_samples_rare_events_and_short_histories_are_flagged():
    frame = store(n=150)
    frame["review"] = 0.0
    model = engagement.fit_revenue_model(frame)
    assert any("too few for a reliable model" in w for w in model.warnings)
    assert any("No estimate for review" in w for w in model.warnings)
    assert any("inside the look-back window" in w for w in model.warnings)
    assert model.association()["review"] == {"estimate": None, "lower": None, "upper": None}


def test_allocation_and_budget_shift_use_the_covariance():
    coef = pd.DataFrame(
        {
            "type": ["email_click", "clinic", "email_open"],
            "estimate": [10.0, 100.0, 50.0],
            "lower": [5.0, 50.0, 40.0],
            "upper": [15.0, 150.0, 60.0],
            "p": [0.01, 0.01, 0.01],
            "events": [100, 100, 100],
            "diagnostic": [False, False, True],
        }
    )
    covariance = pd.DataFrame(
        [[4.0, 1.0, 0.0], [1.0, 100.0, 0.0], [0.0, 0.0, 9.0]], index=coef["type"], columns=coef["type"]
    )
    model = engagement.RevenueModel(coef, 1000, 100.0, 120.0, [], covariance)
    touches = pd.DataFrame(
        {"touch_id": ["T1", "T2", "T3"], "channel": ["email", "mail", "email"], "campaign_id": ["K1", "K2", None]}
    )
    events = pd.DataFrame(
        {
            "touch_id": ["T1", "T1", "T1", "T2", "T3"],
            "type": ["email_click", "clinic", "email_open", "clinic", "clinic"],
        }
    )
    campaigns = pd.DataFrame({"campaign_id": ["K1", "K2"], "channel": ["email", "mail"], "cost": [11.0, 200.0]})
    credited = engagement.credited_events(touches, events, engagement.named_touches(events, touches))
    alloc = engagement.allocation(model, credited, campaigns).set_index("channel")
    # email: a click and a clinic (T3 is no campaign touch; the open is not valued) = 110, sd sqrt(4 + 2 + 100)
    assert alloc.loc["email", "associated"] == 110 and alloc.loc["email", "per_cost"] == 10
    assert alloc.loc["email", "high"] == pytest.approx(110 + 1.959964 * np.sqrt(106))
    assert alloc.loc["mail", "per_cost"] == 0.5 and alloc.loc["email", "events"] == 2
    shift = engagement.budget_shift(model, alloc.reset_index(), "mail", "email", 20)
    # per unit of cost: email 1/11 click + 1/11 clinic, mail 1/200 clinic; moving 20 of it
    w = np.array([20 / 11, 20 / 11 - 20 / 200])
    assert shift["estimate"] == pytest.approx(w @ [10, 100])
    spread = 1.959964 * np.sqrt(w @ np.array([[4.0, 1.0], [1.0, 100.0]]) @ w)
    assert shift["low"] == pytest.approx(w @ [10, 100] - spread) and shift["high"] == pytest.approx(
        w @ [10, 100] + spread
    )
    assert engagement.shift_is_clear(model, shift)
    assert not engagement.shift_is_clear(engagement.RevenueModel(coef, 1000, 130.0, 120.0, [], covariance), shift)
    unclear = engagement.RevenueModel(coef.assign(p=0.2), 1000, 100.0, 120.0, [], covariance)
    assert not engagement.shift_is_clear(unclear, shift)  # beats the baseline, but no effect survives the correction
    overridden = engagement.allocation(model, credited, campaigns, {"mail": 100.0}).set_index("channel")
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


def test_a_group_is_checked_out_of_sample_on_a_random_draw_of_its_customers(monkeypatch):
    frame = store(n=3000, lift={"clinic": 1.5})
    model = engagement.fit_revenue_model(frame)
    monkeypatch.setattr(engagement, "CV_CUSTOMERS", 1000)  # as if this store were a 200,000-customer group
    drawn = engagement.fit_revenue_model(frame)
    again = engagement.fit_revenue_model(frame)
    assert drawn.deviance_holdout != model.deviance_holdout  # a third of the customers, so not the same figure
    assert (drawn.deviance_holdout, drawn.deviance_baseline) == (again.deviance_holdout, again.deviance_baseline)
    assert drawn.beats_baseline  # the planted effect still shows on the draw
    assert drawn.coefficients.equals(model.coefficients)  # estimates still use every customer


def test_newton_fits_reach_the_irls_estimates_and_irls_takes_over_where_newton_fails(monkeypatch):
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    frame = store(n=3000, seed=4, lift={"clinic": 1.5, "web_visit": 1.1})
    newton = engagement.fit_revenue_model(frame)
    monkeypatch.setattr(engagement, "FIT_METHODS", ("irls",))
    irls = engagement.fit_revenue_model(frame)
    columns = ["estimate", "lower", "upper", "p"]
    assert np.allclose(newton.coefficients[columns], irls.coefficients[columns], rtol=1e-8, equal_nan=True)
    assert np.isclose(newton.deviance_holdout, irls.deviance_holdout, rtol=1e-10)
    monkeypatch.undo()
    fit, methods = GLM.fit, []

    def newton_fails(self, *args, method="irls", **kwargs):
        methods.append(method)
        if method == "newton":
            raise ConvergenceWarning("no convergence")
        return fit(self, *args, method=method, **kwargs)

    monkeypatch.setattr(GLM, "fit", newton_fails)
    fallen_back = engagement.fit_revenue_model(frame)
    assert methods[:2] == ["newton", "irls"]
    assert np.allclose(fallen_back.coefficients[columns], irls.coefficients[columns], equal_nan=True)
