"""The stories (toolkit/presentation/stories): every number a sentence prints is the table's or the
KPI's value, formatted; a sentence names the row the table ranks first or last."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from toolkit.analyses import cadence, engagement, reciprocity
from toolkit.inputs import config
from toolkit.inputs.dealer import load_dealer
from toolkit.presentation.stories import alignment as alignment_story
from toolkit.presentation.stories import cadence as cadence_story
from toolkit.presentation.stories import engagement as engagement_story
from toolkit.presentation.stories import knowledge as knowledge_story
from toolkit.presentation.stories import reciprocity as reciprocity_story
from toolkit.presentation.words import dealer_line
from toolkit.resources import sample_dir


def percents(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?%", text)


@pytest.fixture(scope="module")
def sample():
    return load_dealer(sample_dir())


def test_reciprocity_sentences_carry_the_kpis():
    kpis = {
        "give_ask_ratio": 1.875,
        "ask_only_share": 0.25,
        "give_only_share": 0.4,
        "median_longest_ask_streak": 2.0,
        "engagement_after_give_rate": 0.3,
        "engagement_after_ask_only_rate": 0.12,
    }
    text = reciprocity_story.describe_balance(kpis)
    assert "**1.88** that give" in text and percents(text) == ["25%", "40%"] and "is 2." in text
    response = reciprocity_story.describe_response(kpis)
    assert percents(response) == ["30.0%", "12.0%"] and "2.5 times the response" in response
    assert reciprocity_story.describe_balance(dict.fromkeys(kpis)) == "There are no outbound touches in this period."


def test_reciprocity_actions_name_the_campaigns_customers_and_counts():
    by_campaign = pd.DataFrame(
        {"campaign_id": ["K1", "K2", "K3"], "touches": [40, 90, 10], "ask_only_share": [1.0, 1.0, 0.5]}
    )
    suppress = pd.DataFrame({"customer_id": ["C1", "C1", "C2"], "stop_offers_for": ["Ford", "Kia", "Ford"]})
    customers = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "longest_ask_streak": [5, 3, 1, 4],
            "days_since_last_give": [10.0, 200.0, 5.0, None],
        }
    )
    campaigns = pd.DataFrame({"campaign_id": ["K1", "K2"], "name": ["Trade-in", "Lease end"]})
    kpis = {"engagement_after_give_rate": 0.2, "engagement_after_ask_only_rate": 0.1}
    todo = reciprocity_story.actions(kpis, by_campaign, suppress, customers, campaigns, streak_threshold=3)
    assert "K2 “Lease end” (90 sent), K1 “Trade-in” (40 sent)" in todo[0]  # ask-only campaigns, most sent first
    assert "K3" not in todo[0]
    assert "**2 customers**" in todo[1]  # distinct customers on the suppression list
    assert "**3 customers**" in todo[2] and todo[2].endswith("C2, C1, C4.")  # streak ≥ 3, longest without a give first
    assert percents(todo[3]) == ["20.0%", "10.0%"]


def test_reciprocity_section_sentences_count_their_tables(sample):
    result = reciprocity.audit(
        sample["touches"], sample["campaigns"], sample["events"], sample["vehicles"], config.load_rules()
    )
    customers = reciprocity.customer_balance(result.balance, result.streaks, sample.as_of)
    tired = reciprocity.tired_customers(customers, 3)
    assert reciprocity_story.describe_streaks(tired, 3, result.kpis).startswith(f"{len(tired):,} customers have had 3")
    offers = reciprocity_story.describe_offers(result.kpis, result.offers)
    assert f"{result.kpis['irrelevant_offer_share']:.0%} of {len(result.offers):,} offers" in offers
    suppress = reciprocity.suppression_list(result.offers)
    assert f"{suppress['customer_id'].nunique():,} customers" in reciprocity_story.describe_suppression(suppress)
    view = reciprocity.selection_balance(result.balance, channel="sms", campaign_id="all", staff_id="all")
    picked = reciprocity_story.describe_selection(view, "sms", "all", "all")
    assert picked.startswith(f"{int(view['touches'].sum()):,} outbound touches for channel sms")


def test_knowledge_sentences_name_the_weakest_indicator_and_the_merge_count():
    kpis = {
        "email_coverage": 0.8,
        "phone_coverage": 0.9,
        "postal_code_coverage": 0.95,
        "vehicle_coverage": 0.6,
        "household_linked_share": 0.7,
        "duplicate_share": 0.05,
        "record_quality_mean": 0.79,
    }
    text = knowledge_story.describe_coverage(kpis)
    assert "**a vehicle on file** (60% of customers)" in text and "79% complete" in text and "5% of records" in text
    clusters = pd.DataFrame(
        {"cluster": [1, 1, 2, 2, 2], "customer_id": list("ABCDE"), "survivor": [True, False, True, False, False]}
    )
    assert knowledge_story.describe_clusters(clusters) == "2 clusters hold 5 records; merging them removes 3 records."


def test_knowledge_actions_coach_the_last_of_the_board_and_count_records():
    board = pd.DataFrame(
        {
            "salesperson_id": ["S1", "S2"],
            "record_quality": [0.9, 0.55],
            "email_valid": [0.9, 0.7],
            "phone_valid": [0.9, 0.3],
            "postal_valid": [1.0, 0.9],
            "has_vehicle": [0.8, 0.5],
            "household_linked": [0.9, 0.35],
        }
    )
    records = pd.DataFrame(
        {
            "email_opt_in": pd.array([True, True, False, None], dtype="boolean"),
            "email_valid": [False, True, False, False],
        }
    )
    clusters = pd.DataFrame({"cluster": [1, 1], "customer_id": ["A", "B"], "survivor": [True, False]})
    fix = pd.DataFrame({"customer_id": ["C9"], "missing": ["phone"], "value": [12345.0]})
    todo = knowledge_story.actions({}, records, board, clusters, fix)
    assert todo[0].startswith("Coach **S2**: records 55% complete against 90% for S1; weakest on phone valid (30%)")
    assert "**1 duplicate records** into 1 surviving ones (first survivors: A)" in todo[1]
    assert "**1 customers**" in todo[2]  # opted in, no valid e-mail
    assert "worth 12,345 together: C9 (phone)" in todo[3]


def test_cadence_sentences_name_the_weakest_and_strongest_step():
    plan = config.plan_from_steps({"a": (0, 2), "b": (5, 10)})
    kpis = {
        "step_compliance": {"a": 0.5, "b": 0.9},
        "full_cadence_share": 0.45,
        "median_days_to_first_touch": 1.0,
        "personalised_share": 0.3,
        "first_service_set_share": 0.4,
    }
    text = cadence_story.describe_compliance(kpis, plan)
    assert "**a** (met by 50%" in text and "**b** (90%)" in text and percents(text)[2:] == ["45%", "30%"]
    assert "median of 1 days" in text
    scorecard = pd.DataFrame(
        {
            "salesperson_id": ["S1", "S2"],
            "step_compliance": [0.9, 0.4],
            "personalised_share": [0.8, 0.1],
            "first_service_set": [0.6, 0.2],
        }
    )
    calls = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "salesperson_id": ["S2", "S2", "S1"],
            "no_first_appointment": [True, False, True],
        }
    )
    todo = cadence_story.actions(kpis, scorecard, calls, None)
    assert todo[0].startswith("Fix the **a** step first: only 50%")
    assert todo[1].startswith("Coach **S2**: meets 40% of due steps (best: S1 at 90%)")
    assert "**3 recent buyers**" in todo[2] and "S2 (2), S1 (1)" in todo[2] and "2 of them" in todo[2]
    assert todo[3].startswith("Book the first service")  # 40% set is under half


def test_cadence_selection_counts_the_chosen_sales(sample):
    plan = config.load_plan()
    pairs = cadence.touches_after_sales(sample["sales"], sample["touches"], cadence.horizon(plan))
    per_sale = cadence.sale_follow_up(
        sample["sales"], pairs, sample["appointments"], sample["repair_orders"], plan, sample.as_of
    )
    chosen = cadence.select_sales(per_sale, "S04", "new", (2023, 2024))
    assert (
        len(chosen)
        == (
            (per_sale["salesperson_id"] == "S04")
            & (per_sale["condition"] == "new")
            & per_sale["sold_at"].dt.year.between(2023, 2024)
        ).sum()
    )
    assert cadence_story.describe_selection(chosen, "S04", "new", (2023, 2024)) == (
        f"{len(chosen):,} sales for S04, condition new, sold 2023-2024."
    )


def test_engagement_sentences_carry_the_counts_and_rates(sample):
    activity = engagement.activity_kpis(sample["customers"], sample["events"], sample.as_of)
    top = max(activity["events_by_type"], key=activity["events_by_type"].get)
    text = engagement_story.describe_activity(activity)
    assert f"**{top}** ({activity['events_by_type'][top]:,} events)" in text
    assert text.startswith(f"{activity['engaged_share_90d']:.0%} of customers")
    funnels = pd.DataFrame(
        {"channel": ["email", "email", "sms"], "opened": [0.1, 0.3, 0.9], "clicked": [0.01, 0.03, 0]}
    )
    rates = engagement.email_rates(funnels)
    assert rates == {"opened": pytest.approx(0.2), "clicked": pytest.approx(0.02)}
    assert percents(engagement_story.describe_email(rates))[:2] == ["20.0%", "2.0%"]
    assert engagement.email_rates(funnels[funnels["channel"] == "sms"]) == {"opened": None, "clicked": None}
    shift = {"estimate": 1234.4, "low": -50.0, "high": 2500.6}
    assert "about **1,234** (interval -50 to 2,501)" in engagement_story.describe_shift("mail", "email", 1000, shift)


def test_engagement_model_story_names_the_clear_association():
    coefficients = pd.DataFrame(
        {
            "type": ["email_open", "clinic"],
            "estimate": [5.0, 300.0],
            "lower": [-2.0, 120.0],
            "upper": [12.0, 480.0],
            "events": [500, 40],
        }
    )
    model = engagement.RevenueModel(coefficients, 1500, 0.05, 210.0, 220.0, [])
    text = engagement_story.describe_model(model, 365, 180)
    assert "Across 1,500 customers" in text and "**clinic**: each one goes with about 300" in text
    assert "(95% interval 120 to 480)" in text and "210 per customer against 220" in text
    alloc = pd.DataFrame(
        {
            "channel": ["email", "mail"],
            "cost": [1000.0, 5000.0],
            "per_cost": [2.0, 0.5],
            "per_cost_low": [1.0, 0.1],
            "per_cost_high": [3.0, 0.9],
        }
    )
    todo = engagement_story.actions(
        {},
        model,
        alloc,
        pd.DataFrame({"channel": []}),
        pd.DataFrame({"score": [], "days_since_last_event": [], "salesperson_id": []}),
    )
    # 10% of mail (500) moved to email: 500 * (2.0 - 0.5) = 750, interval 500 * (1.0 - 0.9) to 500 * (3.0 - 0.1)
    assert "10% of **mail** spend (500) to **email**" in todo[0] and "about 750 (interval 50 to 1,450)" in todo[0]
    assert todo[-1] == "Make more of what goes with revenue: clinic."


def test_alignment_sentences_name_the_departments():
    summary = pd.DataFrame({"department": ["sales", "service"], "mean_score": [4.75, 2.5], "spread": [0.35, 0.71]})
    text = alignment_story.describe_departments(summary, {"department_gap": 2.25})
    assert text.startswith("**sales** scores highest (4.75) and **service** lowest (2.50): a gap of 2.25 points.")
    assert "**service** disagrees most with itself (spread 0.71" in text


def test_the_line_under_the_title(sample):
    assert dealer_line(sample, {"customers": 2000, "events": 12345}, "S04") == (
        f"**{sample.name}** · 2,000 customers · 12,345 events · data as of {sample.as_of_text} · salesperson S04"
    )
