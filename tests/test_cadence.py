"""Sold follow-up KPIs on hand-worked sales, touches, appointments and repair orders."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import write_folder
from toolkit.analyses import cadence
from toolkit.errors import UsageError
from toolkit.inputs import config
from toolkit.inputs.dealer import load_dealer
from toolkit.resources import sample_dir

PLAN = config.plan_from_steps({"a": (0, 2), "b": (5, 10)})


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    folder = write_folder(
        tmp_path_factory.mktemp("hand") / "d",
        {
            "sales": """
            deal_id,customer_id,sold_at,salesperson_id,condition
            D1,C1,2024-01-01T10:00:00,S1,new
            D2,C2,2024-03-25,S2,used
            D3,C3,2023-01-10,S1,new
            D4,C4,2023-02-01,S2,new
        """,
            "touches": """
            touch_id,customer_id,occurred_at,channel,direction,template,staff_id,campaign_id
            T1,C1,2024-01-02T23:00:00,phone,outbound,false,S1,
            T2,C1,2024-01-12,email,outbound,true,S1,
            T3,C2,2024-03-27,phone,inbound,,S2,
            T4,C2,2024-03-26,sms,,true,S2,
            T5,C3,2023-01-15,phone,outbound,false,S1,
            T6,C3,2022-12-31,email,outbound,true,S1,
            T7,C3,2024-02-01,email,outbound,true,S1,
            T8,C4,2023-02-02,email,outbound,true,S2,K1
            T9,C1,2024-01-01T08:00:00,phone,outbound,false,S1,
        """,
            "appointments": """
            appointment_id,customer_id,set_at,scheduled_for,status
            A1,C1,2024-01-01,2024-02-15,shown
            A2,C1,2024-01-20,2024-02-20,no_show
            A3,C3,2023-03-01,2023-03-10,shown
            A4,C2,2024-03-26,2024-05-01,scheduled
        """,
            "repair_orders": """
            ro_id,customer_id,opened_at,pay_type
            R1,C3,2023-01-09,internal
            R2,C3,2023-01-10,customer
            R3,C3,2023-06-01,customer
            R4,C4,2023-03-01,internal
        """,
        },
        'name = "Hand Motors"\nas_of = 2024-03-31\n',
    )
    dealer = load_dealer(folder, cache=False)
    pairs = cadence.touches_after_sales(dealer["sales"], dealer["touches"], cadence.horizon(PLAN))
    per_sale = cadence.sale_follow_up(
        dealer["sales"], pairs, dealer["appointments"], dealer["repair_orders"], PLAN, dealer.as_of
    )
    return dealer, per_sale, cadence.kpis(per_sale, pairs, PLAN)


def test_step_compliance_counts_only_closed_windows(hand):
    _, per_sale, kpis = hand
    # a: D1, D2 of 4 (D4's T8 is a campaign broadcast, D1's T9 came before the sale on its day);
    # b: D3 of D1, D3, D4
    assert kpis["step_compliance"] == {"a": 0.5, "b": pytest.approx(1 / 3)}
    assert pd.isna(per_sale.set_index("deal_id").loc["D2", "b"])  # 6 days old: window b still open
    assert kpis["full_cadence_share"] == 0.0


def test_personalised_share_and_first_touch(hand):
    _, per_sale, kpis = hand
    # T1, T5, T9 of T1, T2, T4, T5, T8, T9 (T3 inbound, T6 before, T7 after a year): every outbound touch
    assert kpis["personalised_share"] == 0.5
    assert kpis["median_days_to_first_touch"] == 1.0  # follow-ups: D1 1 (not T9), D2 1, D3 5; D4 none (T8)
    assert per_sale.set_index("deal_id").loc["D1", "longest_silence"] == 79  # touches on days 0, 1, 11; as_of day 90


def test_hand_off_to_service(hand):
    _, per_sale, kpis = hand
    assert kpis["first_service_set_share"] == pytest.approx(1 / 3)  # of D1, D3, D4 only D1 (A3 is day 50)
    assert kpis["first_service_show_rate"] == 1.0  # D1's earliest (A1) shown; D2's A4 not yet due
    assert kpis["service_retention_12m"] == 0.5  # D3 back on day 142; D4 only internal; R2 same day
    by_deal = per_sale.set_index("deal_id")
    assert by_deal.loc["D3", "days_to_first_service"] == 142


def test_call_list_and_scorecard(hand):
    dealer, per_sale, _ = hand
    calls = cadence.call_list(per_sale, PLAN)
    assert calls["deal_id"].tolist() == ["D1"]  # D2 (6 days) has a step met and an appointment
    assert calls.loc[0, "missed_steps"] == "b" and not calls.loc[0, "no_first_appointment"]
    card = cadence.summarise_salespeople(per_sale, PLAN).set_index("salesperson_id")
    assert card.loc["S1", "step_compliance"] == 0.5  # D1 a, D3 b of 4 due
    assert card.loc["S2", "step_compliance"] == pytest.approx(1 / 3)  # D2 a of D2 a, D4 a, D4 b


def test_inputs_are_not_mutated(hand):
    dealer, _, _ = hand
    before = {n: df.copy() for n, df in dealer.tables.items()}
    pairs = cadence.touches_after_sales(dealer["sales"], dealer["touches"], cadence.horizon(PLAN))
    cadence.sale_follow_up(dealer["sales"], pairs, dealer["appointments"], dealer["repair_orders"], PLAN, dealer.as_of)
    for name, df in before.items():
        pd.testing.assert_frame_equal(dealer[name], df)


def test_plan_windows_are_validated(tmp_path):
    assert list(config.load_plan()["step"])[:2] == ["thank_you", "check_in"]
    with pytest.raises(UsageError, match="step 'x' needs whole days"):
        config.plan_from_steps({"x": (10, 5)})
    bad = tmp_path / "plan.toml"
    bad.write_text("[steps.late]\nstart = -1\nend = 3\n")
    with pytest.raises(UsageError, match="plan.toml: step 'late'"):
        config.load_plan(bad)


def test_sample_kpis_match_a_hand_check():
    dealer = load_dealer(sample_dir())
    plan = config.load_plan()
    pairs = cadence.touches_after_sales(dealer["sales"], dealer["touches"], cadence.horizon(plan))
    per_sale = cadence.sale_follow_up(
        dealer["sales"], pairs, dealer["appointments"], dealer["repair_orders"], plan, dealer.as_of
    )
    kpis = cadence.kpis(per_sale, pairs, plan)
    # thank_you by hand: a sale 2+ days old with a person's follow-up touch of its customer (staff set,
    # no campaign) 0-2 days after it, not earlier than the sale itself
    s, t = dealer["sales"], dealer["touches"]
    t = t[(t["direction"].fillna("outbound") == "outbound") & t["staff_id"].notna() & t["campaign_id"].isna()]
    eligible = s[(dealer.as_of - s["sold_at"].dt.normalize()).dt.days >= 2]
    met = 0
    for sale in eligible.itertuples():
        at = t.loc[t["customer_id"] == sale.customer_id, "occurred_at"]
        days = (at.dt.normalize() - sale.sold_at.normalize()).dt.days
        met += bool(((days >= 0) & (days <= 2) & (at >= sale.sold_at)).any())
    assert kpis["step_compliance"]["thank_you"] == pytest.approx(met / len(eligible))
    # the transactional salesperson lags everyone else
    card = cadence.summarise_salespeople(per_sale, plan).set_index("salesperson_id")
    assert card["step_compliance"].idxmin() == "S04"
    assert card["first_service_set"].idxmin() == "S04"


def test_retention_curve_is_monotone_and_bounded():
    dealer = load_dealer(sample_dir())
    plan = config.load_plan()
    pairs = cadence.touches_after_sales(dealer["sales"], dealer["touches"], cadence.horizon(plan))
    per_sale = cadence.sale_follow_up(
        dealer["sales"], pairs, dealer["appointments"], dealer["repair_orders"], plan, dealer.as_of
    )
    curves = cadence.retention_curves(per_sale, "salesperson_id")
    for _, c in curves.groupby("group"):
        assert c["share_returned"].is_monotonic_increasing and c["share_returned"].between(0, 1).all()
    weekly = cadence.retention_curves(per_sale, "salesperson_id", every=7)
    assert len(weekly) < len(curves) / 2  # a step a week per salesperson at most, plus day 0
    assert weekly.groupby("group").size().max() <= 730 // 7 + 2
    exact = curves.set_index(["group", "day"])["share_returned"]  # each kept step is the exact curve's
    assert (
        weekly.set_index(["group", "day"])["share_returned"] == exact.reindex(weekly.set_index(["group", "day"]).index)
    ).all()
    assert cadence.compared_by(per_sale) == "salesperson_id"  # one store: its salespeople
    assert (
        cadence.compared_by(
            per_sale.assign(store_id=["ST01", "ST02"] * (len(per_sale) // 2) + ["ST01"] * (len(per_sale) % 2))
        )
        == "store_id"
    )


def test_a_plan_edit_recomputes_only_the_steps(hand):
    dealer, per_sale, _ = hand
    pairs = cadence.touches_after_sales(dealer["sales"], dealer["touches"], cadence.horizon(PLAN))
    wider = config.plan_from_steps({"a": (0, 2), "b": (5, 12), "c": (11, 11)})
    edited = cadence.plan_steps(per_sale, pairs, wider).set_index("deal_id")
    assert edited.loc["D1", "c"]  # T2 on day 11
    assert pd.isna(edited.loc["D2", "c"])  # 6 days old
    assert not edited.loc["D3", "c"]
    assert edited.loc["D1", "steps_met"] == 3 and edited.loc["D1", "steps_due"] == 3
    full = cadence.sale_follow_up(
        dealer["sales"], pairs, dealer["appointments"], dealer["repair_orders"], wider, dealer.as_of
    ).set_index("deal_id")
    pd.testing.assert_frame_equal(edited, full[edited.columns])


def test_pairs_must_reach_the_last_window(hand):
    dealer, per_sale, _ = hand
    short = cadence.touches_after_sales(dealer["sales"], dealer["touches"], 10)
    # T9, T1 (D1), T4 (D2), T5 (D3), T8 (D4); T2 is day 11, past the reach
    assert sorted(short["day"]) == [0, 1, 1, 1, 5]
    with pytest.raises(UsageError, match="ends on day 12; .* up to day 10"):
        cadence.plan_steps(per_sale, short, config.plan_from_steps({"b": (5, 12)}))


def test_touch_heatmap_counts_touches_per_sale(hand):
    dealer, per_sale, _ = hand
    pairs = cadence.touches_after_sales(dealer["sales"], dealer["touches"], cadence.horizon(PLAN))
    heat = cadence.touch_heatmap(pairs, per_sale).set_index(["salesperson_id", "week"])
    # S1 sold D1 (touches on days 0, 1 and 11) and D3 (day 5; T7 is a year later, past 53 weeks)
    assert heat.loc[("S1", 0), "touches"] == 3 and heat.loc[("S1", 1), "touches"] == 1
    assert heat.loc[("S1", 0), "touches_per_sale"] == 1.5
    assert heat.loc[("S2", 0), "touches"] == 2  # T4 for D2 (T3 is inbound), the campaign's T8 for D4


def test_touch_heatmap_without_salespeople_is_empty_not_an_error(hand):
    dealer, per_sale, _ = hand
    pairs = cadence.touches_after_sales(dealer["sales"], dealer["touches"], cadence.horizon(PLAN))
    heat = cadence.touch_heatmap(pairs, per_sale.assign(salesperson_id=pd.NA))
    assert heat.empty and heat["touches_per_sale"].dtype == "float64"


def test_campaign_broadcasts_are_their_own_series_and_count_only_if_the_plan_says_so(hand):
    dealer, per_sale, _ = hand
    pairs = cadence.touches_after_sales(dealer["sales"], dealer["touches"], cadence.horizon(PLAN))
    touch_ids = dealer["touches"]["touch_id"].to_numpy()[pairs["touch"]]
    follow_up = dict(zip(touch_ids, pairs["follow_up"]))
    assert follow_up == {"T1": True, "T2": True, "T4": True, "T5": True, "T7": True, "T8": False, "T9": False}
    by_source = cadence.compliance_by_source(per_sale, pairs, PLAN).set_index(["step", "source"])
    assert by_source.loc[("a", "a person's follow-up"), "compliance"] == 0.5
    assert by_source.loc[("a", "campaign broadcasts"), "compliance"] == 0.25  # D4's T8, of 4 eligible sales
    assert by_source.loc[("a", "campaign broadcasts"), "eligible_sales"] == 4
    every = config.plan_from_steps({"a": (0, 2), "b": (5, 10)}, counts="all")
    assert cadence.plan_steps(per_sale, pairs, every).set_index("deal_id")["a"].tolist() == [True, True, False, True]
    with pytest.raises(UsageError, match="counts must be one of 'follow_up', 'all', not 'some'"):
        config.plan_from_steps({"a": (0, 2)}, counts="some")


def test_follow_ups_compute_each_plan_once_and_match_a_direct_computation():
    from toolkit.inputs.config import load_plan, plan_from_steps
    from toolkit.inputs.dealer import load_dealer
    from toolkit.resources import sample_dir

    dealer = load_dealer(sample_dir())
    plan = load_plan(None)
    pairs = cadence.touches_after_sales(dealer["sales"], dealer["touches"], cadence.horizon(plan))
    follow_up = cadence.FollowUps(dealer["sales"], pairs, dealer["appointments"], dealer["repair_orders"], dealer.as_of)
    direct = cadence.sale_follow_up(
        dealer["sales"], pairs, dealer["appointments"], dealer["repair_orders"], plan, dealer.as_of
    )
    pd.testing.assert_frame_equal(follow_up.of(plan), direct)
    assert follow_up.of(plan.copy()) is follow_up.of(plan)  # the same plan again: computed once
    shorter = plan_from_steps({"thank_you": (0, 2)}, counts=plan.attrs["counts"])
    assert list(follow_up.of(shorter).columns).count("thank_you") == 1 and "quarter" not in follow_up.of(shorter)
