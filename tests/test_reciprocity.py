"""Reciprocity KPIs on hand-worked touches, events and vehicles."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import write_folder
from toolkit.analyses import reciprocity
from toolkit.inputs import config
from toolkit.inputs.dealer import load_dealer
from toolkit.resources import sample_dir


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    folder = write_folder(
        tmp_path_factory.mktemp("r") / "d",
        {
            "touches": """
            touch_id,customer_id,occurred_at,channel,direction,gives,asks,offer_make,offer_segment,subject
            T1,C1,2024-01-01T10:00:00,email,outbound,,sale,Toyota,,x
            T2,C1,2024-01-05,email,outbound,,review,,,x
            T3,C1,2024-01-09,email,,info,,,,x
            T4,C1,2024-01-20,email,outbound,,sale,Honda,,x
            T5,C2,2024-01-02,sms,outbound,price,appointment,Toyota,suv,x
            T6,C2,2024-01-03,phone,inbound,,,,,x
            T7,C2,2024-01-10,email,outbound,gift,,,,x
            T8,C3,2024-01-04,mail,outbound,,,,,x
        """,
            "events": """
            event_id,customer_id,occurred_at,type
            E1,C1,2024-01-01T09:00:00,web_visit
            E2,C1,2024-01-08,email_open
            E3,C2,2024-01-09,web_visit
            E4,C1,2024-01-28,web_visit
        """,
            "vehicles": """
            vin,customer_id,make,segment
            V1,C1,Toyota,sedan
            V2,C2,Toyota,sedan
        """,
        },
    )
    d = load_dealer(folder, cache=False)
    return reciprocity.audit(d["touches"], None, d["events"], d["vehicles"], config.load_rules())


def test_balance_kpis_by_hand(hand):
    k = hand.kpis
    # outbound: T1..T5, T7, T8 (T6 inbound). gives: T3, T5, T7; asks: T1, T2, T4, T5
    assert k["give_ask_ratio"] == pytest.approx(3 / 4)
    assert k["ask_only_share"] == pytest.approx(3 / 7) and k["give_only_share"] == pytest.approx(2 / 7)


def test_an_offer_to_a_customer_with_no_vehicle_is_unknown_not_irrelevant():
    balance = pd.DataFrame(
        {
            "touch_id": ["T1", "T2", "T3"],
            "customer_id": ["C1", "C1", "C9"],
            "offer_make": ["Ford", "Kia", "Kia"],
            "offer_segment": pd.Series([None] * 3, dtype="str"),
        }
    )
    vehicles = pd.DataFrame({"customer_id": ["C1"], "make": ["Ford"], "segment": ["suv"]})
    offers = reciprocity.offer_relevance(balance, vehicles)
    assert offers["irrelevant"].tolist() == [False, True, False]  # C9 has no vehicle on file
    assert offers["unknown_ownership"].tolist() == [False, False, True]


def test_irrelevant_offers_by_make_and_segment(hand):
    # T1 Toyota to a Toyota owner: relevant; T4 Honda: irrelevant; T5 Toyota suv to a Toyota sedan owner: irrelevant
    assert hand.kpis["irrelevant_offer_share"] == pytest.approx(2 / 3)
    assert reciprocity.suppression_list(hand.offers, 1)["customer_id"].tolist() == ["C1", "C2"]
    assert reciprocity.suppression_list(hand.offers, 2).empty


def test_the_suppression_list_names_each_campaign_once_in_order():
    offers = pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C1", "C1", "C2", "C2", "C3"],
            "offer_make": ["Kia"] * 4 + ["Ford"] * 2 + ["Kia"],
            "campaign_id": pd.Series(["K9", "K1", "K9", None, None, None, "K1"], dtype="str"),
            "irrelevant": [True, True, True, True, True, True, True],
        }
    )
    out = reciprocity.suppression_list(offers, 2).set_index("customer_id")
    assert out.loc["C1", "campaigns"] == "K1, K9" and out.loc["C1", "offers"] == 4
    assert out.loc["C2", "campaigns"] == "" and out.loc["C2", "stop_offers_for"] == "Ford"  # offers with no campaign
    assert "C3" not in out.index  # one offer is not enough
    assert out.loc["C1", "why"] == "4 offers for Kia, and no Kia on file"


def test_engagement_within_seven_days_after_the_touch(hand):
    k = hand.kpis
    # gives: T3 (E4 is 19 days later: no), T5 (E3 7 days later: yes), T7 (nothing after: no)
    assert k["engagement_after_give_rate"] == pytest.approx(1 / 3)
    # ask-only: T1 (E1 is before it; E2 on day 7: yes), T2 (E2 3 days later: yes), T4 (E4 8 days later: no)
    assert k["engagement_after_ask_only_rate"] == pytest.approx(2 / 3)


def test_longest_ask_streaks(hand):
    streaks = hand.streaks
    assert streaks.to_dict() == {"C1": 2, "C2": 0, "C3": 0}  # C1: T1, T2 ask-only, then T3 gives, then T4
    assert hand.kpis["median_longest_ask_streak"] == 0.0


def test_sample_kpis_match_a_hand_check():
    d = load_dealer(sample_dir())
    result = reciprocity.audit(d["touches"], d["campaigns"], d["events"], d["vehicles"], config.load_rules())
    b = result.balance
    assert result.kpis["give_ask_ratio"] == pytest.approx(b["gives"].notna().sum() / b["asks"].notna().sum())
    offers = b[b["offer_make"].notna()]
    owned = set(zip(d["vehicles"]["customer_id"], d["vehicles"]["make"]))
    owners = set(d["vehicles"]["customer_id"])
    known = offers[offers["customer_id"].isin(owners)]
    irrelevant = sum((c, m) not in owned for c, m in zip(known["customer_id"], known["offer_make"]))
    assert result.kpis["irrelevant_offer_share"] == pytest.approx(irrelevant / len(known))
    assert result.kpis["unknown_ownership_offer_share"] == pytest.approx(1 - len(known) / len(offers))
    assert result.kpis["engagement_after_give_rate"] > result.kpis["engagement_after_ask_only_rate"]


def test_balance_of_a_selection_and_per_customer(hand):
    picked = reciprocity.selected(hand.balance, channel="email", staff_id="all")
    assert sorted(hand.balance.loc[picked.index, "touch_id"]) == ["T1", "T2", "T3", "T4", "T7"]
    assert list(picked.columns) == reciprocity.SELECTION_COLUMNS  # what the views read, no more
    email = reciprocity.selection_balance(picked).iloc[0]
    # T1, T2, T3, T4, T7: gives T3, T7; asks T1, T2, T4 (all ask-only); responses after T1 and T2
    assert (email["touches"], email["gives"], email["asks"]) == (5, 2, 3)
    assert email["ask_only_share"] == pytest.approx(3 / 5) and email["response_rate"] == pytest.approx(2 / 5)
    c1 = (
        reciprocity.customer_balance(hand.balance, hand.streaks, pd.Timestamp("2024-01-28"))
        .set_index("customer_id")
        .loc["C1"]
    )
    assert (c1["touches"], c1["gives"], c1["asks"], c1["longest_ask_streak"]) == (4, 1, 3, 2)
    assert c1["days_since_last_give"] == 19  # T3 on 2024-01-09
    by_kind = reciprocity.response_by_kind(hand.balance).set_index(["channel", "kind"])
    assert by_kind.loc[("email", "asks only"), "response_rate"] == pytest.approx(2 / 3)
    assert by_kind.loc[("email", "gives"), "touches"] == 2 and by_kind.loc[("sms", "gives"), "response_rate"] == 1.0


def test_retagging_a_subject_recomputes_the_kpis(hand):
    # only T8 is untagged in the data, so re-tagging "x" as a gift makes it a give: 4 gives, 4 asks
    kpis = reciprocity.retagged_kpis(hand, {"x": ("gift", "")})
    assert kpis["give_ask_ratio"] == 1.0 and kpis["give_only_share"] == pytest.approx(3 / 7)
    assert reciprocity.retagged_kpis(hand, {}) is hand.kpis
