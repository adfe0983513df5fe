"""The stories (toolkit/presentation/stories): every number a sentence prints is the table's or the
KPI's value, formatted; a sentence names the row the table ranks first or last."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from toolkit.analyses import cadence, engagement, evidence, knowledge, reciprocity
from toolkit.inputs import config
from toolkit.inputs.dealer import load_dealer
from toolkit.inputs.schema import EVENT_TYPES
from toolkit.presentation.stories import alignment as alignment_story
from toolkit.presentation.stories import cadence as cadence_story
from toolkit.presentation.stories import engagement as engagement_story
from toolkit.presentation.stories import knowledge as knowledge_story
from toolkit.presentation.stories import reciprocity as reciprocity_story
from toolkit.presentation.words import compare, context, dealer_line
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
    tired = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C4"],
            "longest_ask_streak": [5, 3, 4],
            "days_since_last_give": [10.0, 200.0, None],
        }
    )
    campaigns = pd.DataFrame({"campaign_id": ["K1", "K2"], "name": ["Trade-in", "Lease end"]})
    clear = evidence.shares_vs_rest(
        pd.Series({"gives": 200, "asks only": 100}), pd.Series({"gives": 1000, "asks only": 1000})
    )
    todo = reciprocity_story.actions(clear, by_campaign, suppress, tired, campaigns, streak_threshold=3)
    assert [a.kind for a in todo] == ["rework_campaign", "suppress", "give_first", "shift_mix"]
    assert "K2 “Lease end” (90 sent), K1 “Trade-in” (40 sent)" in todo[0].text and "K3" not in todo[0].text
    assert "**2 customers**" in todo[1].text  # distinct customers on the suppression list
    assert "**3 customers**" in todo[2].text and todo[2].text.endswith("C2, C1, C4.")  # longest without a give first
    assert percents(todo[3].text)[0] == "20.0%" and todo[3].evidence.reference == 0.1 and todo[3].evidence.n == 1000
    close = evidence.shares_vs_rest(
        pd.Series({"gives": 21, "asks only": 20}), pd.Series({"gives": 100, "asks only": 100})
    )
    assert [a.kind for a in reciprocity_story.actions(close, by_campaign, suppress, tired, campaigns, 3)][
        -1
    ] != "shift_mix"


def test_reciprocity_section_sentences_count_their_tables(sample):
    result = reciprocity.audit(
        sample["touches"], sample["campaigns"], sample["events"], sample["vehicles"], config.load_rules()
    )
    customers = reciprocity.customer_balance(result.balance, result.streaks, sample.as_of)
    tired = reciprocity.tired_customers(customers, 3)
    assert reciprocity_story.describe_streaks(tired, 3, result.kpis).startswith(f"{len(tired):,} customers have had 3")
    offers = reciprocity_story.describe_offers(result.kpis, result.offers)
    known = int((~result.offers["unknown_ownership"]).sum())
    assert f"{result.kpis['irrelevant_offer_share']:.0%} of the {known:,} offers to customers with a vehicle" in offers
    unknown = int(result.offers["unknown_ownership"].sum())
    assert f"A further {unknown:,} offers ({result.kpis['unknown_ownership_offer_share']:.0%} of all" in offers
    suppress = reciprocity.suppression_list(result.offers)
    assert f"{suppress['customer_id'].nunique():,} customers" in reciprocity_story.describe_suppression(suppress)
    view = reciprocity.selection_balance(
        reciprocity.selected(result.balance, channel="sms", campaign_id="all", staff_id="all")
    )
    picked = reciprocity_story.describe_selection(view, "sms", "all", "all")
    assert picked.startswith(f"{int(view['touches'].sum()):,} outbound touches for channel sms")


def test_knowledge_sentences_name_the_weakest_indicator_and_the_merge_count():
    kpis = {
        "email_coverage": 0.8,
        "phone_coverage": 0.9,
        "postal_code_coverage": 0.95,
        "vehicle_coverage": 0.6,
        "household_linked_share": 0.7,
        "household_known_share": 0.75,
        "duplicate_share": 0.05,
        "shared_contact_share": 0.25,
        "record_quality_mean": 0.79,
    }
    text = knowledge_story.describe_coverage(kpis, (150, 1000))
    assert "**a vehicle on file** (60% of customers)" in text and "79% complete" in text
    assert "5% of records are likely duplicates" in text and "25% share an e-mail or phone" in text
    clusters = pd.DataFrame(
        {
            "cluster_id": [1, 1, 2, 2, 2],
            "customer_id": list("ABCDE"),
            "survivor": [True, False, True, False, False],
            "match_probability": [0.99, 0.99, 0.97, 0.999, 0.98],
            "matched_on": ["first_name, email"] * 3 + ["first_name, phone"] * 2,
        }
    )
    text = knowledge_story.describe_clusters(clusters)
    assert text.startswith("2 clusters hold 5 records; merging them removes 3 records.")
    assert "at least 97.0% (median 98.0%)" in text and "most agree on first_name, email" in text
    reasons = knowledge_story.duplicate_reasons(clusters)
    assert reasons.tolist()[:2] == [
        "same first_name, email (99.0% one person); keep this record",
        "same first_name, email (99.0% one person); merge into A",
    ]


def test_knowledge_actions_coach_only_a_salesperson_the_evidence_separates():
    rng = np.random.default_rng(1)
    records = pd.DataFrame(
        {
            "salesperson_id": ["S1"] * 100 + ["S2"] * 100,
            "record_quality": np.r_[rng.choice([0.8, 1.0], 100), rng.choice([0.4, 0.6], 100)],
            "email_opt_in": pd.array([True] * 3 + [False] * 197, dtype="boolean"),
            "email_valid": [False] + [True] * 199,
        }
    )
    for column in knowledge.INDICATORS:
        records[column] = records.get(column, True)
    records.loc[100:, "phone_valid"] = False
    board = knowledge.salesperson_leaderboard(records)
    people = knowledge.salesperson_evidence(records)
    clusters = pd.DataFrame(
        {"cluster_id": [1, 1], "customer_id": ["A", "B"], "survivor": [True, False], "match_probability": [0.97] * 2}
    )
    invalid = pd.DataFrame({"customer_id": ["C7", "C8"], "field": ["email", "phone"], "problem": ["x", "y"]})
    fix = pd.DataFrame({"customer_id": ["C9"], "missing": ["phone"], "value": [12345.0]})
    todo = knowledge_story.actions(records, people, board, clusters, invalid, fix)
    row = people.loc["S2"]
    assert todo[0].kind == "coach" and todo[0].subject == "S2"
    assert todo[0].text.startswith(f"Coach **S2**: records {row['mean']:.0%} complete (95% interval {row['lower']:.0%}")
    assert "weakest on phone (0%)" in todo[0].text
    assert "**1 duplicate clusters** (1 records into their survivors)" in todo[1].text
    assert "at least 97.0% sure of each" in todo[1].text
    assert "**2 unusable contacts** on file (1 e-mails, 1 phones)" in todo[2].text
    assert "**1 customers**" in todo[3].text  # opted in, no valid e-mail
    assert "**1 poorly-known customers**, most valuable first (worth 12,345 together): C9 (phone)" in todo[4].text
    alike = records.assign(record_quality=rng.choice([0.6, 0.8], 200))
    same = knowledge_story.actions(alike, knowledge.salesperson_evidence(alike), board, clusters, invalid, fix)
    assert same[0].kind == "within_noise" and "No salesperson's records stand out" in same[0].text


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
    steps = evidence.shares_vs_rest(pd.Series({"a": 50, "b": 90}), pd.Series({"a": 100, "b": 100}))
    people = evidence.shares_vs_rest(
        pd.Series({"S1": 270, "S2": 120}), pd.Series({"S1": 300, "S2": 300}), counts=pd.Series({"S1": 100, "S2": 100})
    )
    scorecard = pd.DataFrame(
        {"salesperson_id": ["S1", "S2"], "personalised_share": [0.8, 0.1], "first_service_set": [0.6, 0.2]}
    )
    calls = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "salesperson_id": ["S2", "S2", "S1"],
            "no_first_appointment": [True, False, True],
        }
    )
    todo = cadence_story.actions(kpis, steps, people, scorecard, calls)
    assert [a.kind for a in todo] == ["fix_step", "coach", "call", "book_first_service"]
    assert todo[0].text.startswith("Fix the **a** step first: 50% of the 100 sales") and "against 90%" in todo[0].text
    assert todo[1].text.startswith("Coach **S2**: meets 40% of due steps (95% interval 35%–46%, 100 sales)")
    assert "against 90% for everyone else; 10% of first-year touches personalised" in todo[1].text
    assert (
        "**3 recent buyers**" in todo[2].text
        and "(the most held: S2 2 of them, S1 1)" in todo[2].text
        and "2 of them" in todo[2].text
    )
    alike = evidence.shares_vs_rest(
        pd.Series({"S1": 150, "S2": 146, "S3": 2}),
        pd.Series({"S1": 300, "S2": 300, "S3": 3}),
        counts=pd.Series({"S1": 100, "S2": 100, "S3": 1}),
    )
    within = cadence_story.actions(kpis, steps, alike, scorecard, calls)[1]
    assert within.kind == "within_noise" and "No salesperson stands out" in within.text
    assert "(S3: too few sales to tell)" in within.text


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
    text = engagement_story.describe_email(rates, (200, 20, 1000))
    assert percents(text)[:2] == ["20.0%", "2.0%"]
    assert "20% of 1,000 here (e-mails sent in campaigns that were opened; 95% interval 18%–23%)" in text
    assert engagement.email_rates(funnels[funnels["channel"] == "sms"]) == {"opened": None, "clicked": None}
    shift = {"estimate": 1234.4, "low": -50.0, "high": 2500.6}
    assert "about **1,234** (95% interval -50 to 2,501)" in engagement_story.describe_shift(
        "mail", "email", 1000, shift
    )
    assert "not a forecast" in engagement_story.describe_shift("mail", "email", 1000, shift, model_holds=False)
    in_dollars = engagement_story.describe_shift("mail", "email", 1000, shift, "USD")
    assert (
        "Moving 1,000 USD from **mail**" in in_dollars
        and "about **1,234 USD** (95% interval -50 USD to 2,501 USD)" in in_dollars
    )


def engagement_model(clinic_sd: float = 100.0, deviance: float = 209.0) -> engagement.RevenueModel:
    """A fitted model by hand: clinics go with more spend, web visits with less, opens a diagnostic."""
    coefficients = pd.DataFrame(
        {
            "type": ["email_open", "clinic", "web_visit"],
            "estimate": [5.0, 300.0, -40.0],
            "lower": [-2.0, 120.0, -70.0],
            "upper": [12.0, 480.0, -10.0],
            "p": [0.2, 0.001, 0.004],
            "events": [500, 40, 900],
            "diagnostic": [True, False, False],
        }
    )
    covariance = pd.DataFrame(
        np.diag([12.0, clinic_sd**2, 225.0]), index=coefficients["type"], columns=coefficients["type"]
    )
    return engagement.RevenueModel(coefficients, 1500, deviance, 220.0, [], covariance)


def test_engagement_model_story_says_what_goes_with_more_less_and_nothing():
    model = engagement_model()
    text = engagement_story.describe_model(model, 365, 180)
    assert "Across 1,500 customers" in text
    assert "Clearly more spend went with **clinic** about 300 per event (95% interval 120 to 480)" in text
    assert "Clearly less spend went with **web_visit** about -40 per event (95% interval -70 to -10)" in text
    assert "error is 5.0% smaller than with their history alone" in text
    assert "E-mail opens (**email_open** about 5 per event" in text and "diagnostic only" in text
    worse = engagement_story.describe_model(engagement_model(deviance=231.0), 365, 180)
    assert "error is no smaller than with their history alone (+5.0%)" in worse and "Clearly" not in worse
    assert "The estimates: **clinic** about 300" in worse
    unclear = engagement_model()
    unclear.coefficients.loc[1, "p"] = 0.04  # 0.12 once three types are allowed for (Holm)
    assert "once the 3 event types tested at once are allowed for: **clinic** about 300" in (
        engagement_story.describe_model(unclear, 365, 180)
    )


def test_money_moves_only_when_the_model_and_the_move_both_hold_up():
    alloc = pd.DataFrame(
        {
            "channel": ["email", "mail"],
            "cost": [1000.0, 5000.0],
            "per_cost": [3.0, 0.3],
            "per_cost_low": [1.0, 0.1],
            "per_cost_high": [5.0, 0.5],
            **{
                f"{engagement.CREDITED}{t}": [10 if t == "clinic" else 0, 5 if t == "clinic" else 0]
                for t in EVENT_TYPES
            },
        }
    )
    lapsed = pd.DataFrame({"salesperson_id": ["S1", "S1", "S2"], "reachable": [True, True, False]})
    no_funnels = pd.DataFrame({"channel": []})
    todo = engagement_story.actions(engagement_model(), alloc, no_funnels, lapsed)
    # 10% of mail (500) moved to email: 500 × (10/1000 − 5/5000) = 4.5 more clinics at 300 each = 1,350,
    # give or take 1.96 × 4.5 × 100 = 882
    assert todo[0].kind == "shift_budget" and todo[0].subject == "mail->email"
    assert (
        "10% of **mail** spend (500) to **email**" in todo[0].text
        and "about 1,350 (interval 468 to 2,232)" in todo[0].text
    )
    assert [a.kind for a in todo[1:]] == ["re_engage", "ask_consent", "grow_channel"]
    assert "**2 customers**" in todo[1].text and "**1 lapsed customers**" in todo[2].text
    assert "most of them (100%) with S1" in todo[1].text
    assert todo[3].subject == "clinic" and todo[3].evidence.lower == 120.0
    unsure = engagement_story.actions(engagement_model(clinic_sd=300.0), alloc, no_funnels, lapsed)[0]
    assert unsure.kind == "run_holdout" and "could change associated service spend by anything from -" in unsure.text
    faint = engagement_model()
    faint.coefficients["p"] = 0.3  # beats its baseline, but nothing survives the correction
    assert "no kind of engagement goes with spend beyond chance" in (
        engagement_story.actions(faint, alloc, no_funnels, lapsed)[0].text
    )
    worse = engagement_story.actions(
        engagement_model(deviance=231.0), alloc, no_funnels, lapsed
    )  # loses to the baseline
    assert worse[0].kind == "run_holdout" and "no better than their history alone" in worse[0].text
    assert "grow_channel" not in [a.kind for a in worse]


def test_alignment_sentences_name_the_departments():
    summary = pd.DataFrame({"department": ["sales", "service"], "mean_score": [4.75, 2.5], "spread": [0.35, 0.71]})
    text = alignment_story.describe_departments(summary, {"department_gap": 2.25})
    assert text.startswith("**sales** scores highest (4.75) and **service** lowest (2.50): a gap of 2.25 points.")
    assert "**service** disagrees most with itself (spread 0.71" in text
    noise = pd.DataFrame({"verdict": ["within noise", "too few"]}, index=["sales", "service"])
    hedged = alignment_story.describe_departments(summary, {"department_gap": 2.25, "respondents": 9}, noise)
    assert "With 9 respondents, no department's mean is apart from the others' beyond chance" in hedged


def test_the_line_under_the_title(sample):
    assert dealer_line(sample, {"customers": 2000, "events": 12345}, "S04") == (
        f"**{sample.name}** · 2,000 customers · 12,345 events · data as of {sample.as_of_text} · salesperson S04"
    )


def test_benchmarks_are_compared_like_for_like_or_shown_as_context():
    # 33 of 100 buyers had their first service set at delivery; the benchmark is 36%: the interval
    # 25%-43% holds it, so no verdict
    near = compare(33, 100, "first_service_scheduled_at_delivery")
    assert near.startswith("33% of 100 here (first service appointment set on the day of the sale; 95% interval")
    assert near.endswith("within noise of it.")
    assert compare(640, 1000, "first_service_scheduled_at_delivery").endswith(": better.")
    assert compare(300, 1000, "crm_email_missing_low", better="lower").endswith(": worse.")
    assert context("service_retention_2yr").startswith("for context, not a like-for-like comparison: 54%")
    with pytest.raises(ValueError, match="no measure of the same definition"):
        compare(1, 2, "service_retention_2yr")
    text = cadence_story.describe_hand_off(
        {"first_service_set_share": 0.64, "first_service_show_rate": 0.85, "service_retention_12m": 0.75}, (33, 100)
    )
    assert "before the buyer left: 33% of 100" in text and "within noise of it" in text and "for context" in text


def test_only_emails_opened_clearly_less_are_sent_back_for_rework():
    funnels = pd.DataFrame(
        {
            "campaign_id": ["K1", "K2", "K3", "K4"],
            "channel": ["email"] * 3 + ["sms"],
            "sent": [200, 200, 200, 50],
            "opened": [0.025, 0.30, 0.29, 0.0],
        }
    )
    weak = engagement.weak_emails(funnels)
    assert list(weak.index) == ["K1"]  # K2 and K3 are alike; the SMS campaign is not an e-mail
    lapsed = pd.DataFrame({"salesperson_id": [], "reachable": pd.Series([], dtype=bool)})
    model = engagement.RevenueModel(
        pd.DataFrame(columns=["type", "estimate", "lower", "upper", "p", "events"]), 0, None, None, []
    )
    todo = engagement_story.actions(model, pd.DataFrame(), funnels, lapsed)
    assert todo[0].kind == "rework_campaign" and todo[0].subject == "K1"
    assert todo[0].text.startswith("Rework the e-mails opened clearly less than the others: K1 (2.5% of 200 opened")
    alike = funnels.assign(opened=[0.28, 0.30, 0.29, 0.0])
    assert engagement_story.actions(model, pd.DataFrame(), alike, lapsed) == []


def test_the_value_of_knowing_a_customer_is_hedged_when_the_bands_overlap():
    bands = pd.DataFrame(
        {
            "quality_band": ["poor (<40%)", "good (80%+)"],
            "customers": [30, 400],
            "service_revenue": [900.0, 1200.0],
            "revenue_low": [600.0, 1100.0],
            "revenue_high": [1250.0, 1300.0],
            "repurchase_share": [0.1, 0.2],
        }
    )
    text = knowledge_story.describe_value(bands)
    assert text.startswith("Among customers who bought here, those with **good (80%+)** records")
    assert "1,200 of service revenue on average (95% interval 1,100 to 1,300)" in text
    assert "within noise of each other" in text
    apart = bands.assign(revenue_high=[1000.0, 1300.0])
    assert "within noise" not in knowledge_story.describe_value(apart)
    assert "1,200 EUR of service revenue on average (95% interval 1,100 EUR to 1,300 EUR)" in (
        knowledge_story.describe_value(bands, "EUR")
    )


def test_markup_in_a_name_reaches_the_report_as_text():
    from toolkit.presentation.report import build_report

    output = {"output_type": "display_data", "data": {"text/markdown": "Coach **S04 (<img src=x onerror=alert(1)>)**"}}
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# T"},
            {"cell_type": "code", "metadata": {}, "source": "", "outputs": [output]},
        ]
    }
    page = build_report(nb, "Dealer", "2025-06-30")
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<strong>S04 (" in page  # the sentence's own emphasis still renders


def test_a_list_summary_says_what_the_list_shows():
    assert engagement_story.whose(pd.Series(["S4", "S4", "S4", "S1"])) == ", most of them (75%) with S4"
    spread = pd.Series(["S4"] * 24 + ["S1"] * 20 + ["S2"] * 20 + ["S3"] * 20 + ["S5"] * 16)
    assert engagement_story.whose(spread) == ", spread over 5 salespeople (the largest share, 24%, with S4)"
    assert engagement_story.whose(pd.Series([pd.NA, pd.NA], dtype="str")) == ""


def test_the_record_inspector_names_what_is_known_as_a_dealer_says_it():
    record = {
        "customer_id": "C1",
        "found": True,
        "email": "a***@e***.com",
        "phone": None,
        "known": ["email_valid", "household_known"],
        "missing": ["phone_valid", "postal_valid", "has_vehicle"],
        "record_quality": 0.4,
        "vehicles": 0,
        "likely_duplicates": ["C9"],
    }
    text = knowledge_story.describe_record(record)
    assert "- Known: e-mail, household\n- Missing: phone, postal code, vehicle\n" in text
    assert "phone none on file" in text and text.endswith("Likely duplicates: C9")
