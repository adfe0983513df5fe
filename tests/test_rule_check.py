"""The keyword rules measured against the dealer's own tags: hand-worked counts, suggestions,
and the shipped rules on the sample dealership."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from toolkit.analyses import reciprocity, rule_check
from toolkit.inputs.config import Rules, load_rules
from toolkit.inputs.dealer import load_dealer
from toolkit.resources import sample_dir
from toolkit.sample import THEMES

RULES = Rules(gives={"price": [r"\$"]}, asks={"appointment": [r"\bbook\b"]})


@pytest.fixture
def texts():
    rows = [
        ("Save $20: book now", "price", "appointment", 3),
        ("Oil change due", "reminder", "appointment", 2),
        ("$10 off", "price", None, 1),
        ("Book a test drive", None, "sale", 1),
    ]
    classified = pd.DataFrame(
        [
            {"subject": s, "campaign_id": None, "gives": g, "asks": a, "tag_source": "tagged"}
            for s, g, a, n in rows
            for _ in range(n)
        ]
        + [{"subject": "Book now", "campaign_id": None, "gives": None, "asks": "appointment", "tag_source": "rule"}]
    ).astype("str")
    return rule_check.tagged_texts(classified, None, RULES)


def test_precision_and_recall_are_counted_over_tagged_touches(texts):
    accuracy = rule_check.rule_accuracy(texts, RULES).set_index("tag")
    assert accuracy.loc["price", ["tagged", "found", "precision", "recall"]].tolist() == [4, 4, 1.0, 1.0]
    # the rules tag "book" in four touches (three of them tagged so) and miss the two oil changes
    appointment = accuracy.loc["appointment"]
    assert appointment[["tagged", "found"]].tolist() == [5, 4]
    assert appointment["precision"] == pytest.approx(3 / 4) and appointment["recall"] == pytest.approx(3 / 5)
    assert appointment["precision_low"] < 0.75 < appointment["precision_high"]
    assert rule_check.exact_share(texts) == (4, 7)  # the three "Save $20" and the "$10 off"


def test_the_missed_subjects_and_the_words_that_would_catch_them(texts):
    missed = rule_check.missed_subjects(texts, RULES)
    assert missed[["tag", "subject", "touches"]].values.tolist() == [["appointment", "Oil change due", 2]]
    suggested = rule_check.suggested_rules(texts, RULES)
    assert suggested["pattern"].tolist() == [r"\bchange\b", r"\bdue\b"]
    assert suggested["catches"].tolist() == [2, 2] and suggested["precision"].tolist() == [1.0, 1.0]


def test_no_tags_in_the_data_means_nothing_to_measure():
    untagged = pd.DataFrame(
        {"subject": ["Book now"], "campaign_id": [None], "gives": [None], "asks": ["appointment"], "tag_source": "rule"}
    ).astype("str")
    texts = rule_check.tagged_texts(untagged, None, RULES)
    assert texts.empty and rule_check.exact_share(texts) == (0, 0)
    assert rule_check.rule_accuracy(texts, RULES)["precision"].isna().all()
    assert rule_check.suggested_rules(texts, RULES).empty


def test_the_shipped_rules_read_the_sample_tags_and_its_give_ask_ratio():
    d = load_dealer(sample_dir())
    rules = load_rules()
    audit = reciprocity.audit(d["touches"], d["campaigns"], d["events"], d["vehicles"], rules)
    texts = rule_check.tagged_texts(audit.balance, d["campaigns"], rules)
    accuracy = rule_check.rule_accuracy(texts, rules).set_index("tag")
    common = accuracy[accuracy["tagged"] >= 500]
    assert (common["precision"] >= 0.95).all()
    # implicit asks (a priced service special, a recall, maintenance due) and check-ins are read
    assert accuracy.loc["appointment", "recall"] >= 0.95 and accuracy.loc["info", "recall"] >= 0.95
    same, tagged = rule_check.exact_share(texts)
    assert same / tagged >= 0.9
    # the untagged campaign touches' true tags are those of the generator's campaign theme
    balance = audit.balance
    read = balance["tag_source"] == "rule"
    truth = {}
    for template, gives, asks, *_ in THEMES:
        pattern = re.escape(template).replace(re.escape("{make}"), ".+").replace(re.escape("{model}"), ".+")
        for subject in balance.loc[read, "subject"].unique():
            if re.fullmatch(pattern, subject):
                truth[subject] = (gives or pd.NA, asks or pd.NA)
    assert set(truth) == set(balance.loc[read, "subject"])
    known = balance.assign(
        gives=balance["gives"].where(~read, balance["subject"].map({k: g for k, (g, _) in truth.items()})),
        asks=balance["asks"].where(~read, balance["subject"].map({k: a for k, (_, a) in truth.items()})),
    )
    true_ratio = reciprocity.kpis(reciprocity.touch_balance(known), audit.offers, audit.streaks)["give_ask_ratio"]
    assert audit.kpis["give_ask_ratio"] == pytest.approx(true_ratio, abs=0.03)


def test_the_rule_check_in_words_when_the_rules_miss_nothing_and_when_they_miss(texts):
    from toolkit.presentation.stories import reciprocity as story

    accuracy = rule_check.rule_accuracy(texts, RULES)
    suggestions = rule_check.suggested_rules(texts, RULES)
    text = story.describe_rule_check(accuracy, rule_check.exact_share(texts), suggestions)
    assert text.startswith("On the 7 outbound touches the dealer tagged itself")
    assert "exactly as tagged on **57%** of them" in text and "**asks: appointment** least often: 60%" in text
    assert r"Adding `\bchange\b` to asks: appointment in the taxonomy file would catch 2" in text
    perfect = accuracy.assign(recall=1.0, recall_low=0.9, recall_high=1.0)
    assert story.describe_rule_check(perfect, (7, 7), suggestions.iloc[:0]).endswith(
        "They find every tag the dealer used wherever the dealer used it."
    )
    assert "cannot be checked" in story.describe_rule_check(accuracy.iloc[:0], (0, 0), suggestions.iloc[:0])
