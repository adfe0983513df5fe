"""The keyword classifier on real-looking subject lines, and where tags come from."""

from __future__ import annotations

import pandas as pd
import pytest

from toolkit.analyses import taxonomy
from toolkit.errors import UsageError
from toolkit.inputs import config

RULES = config.load_rules()


@pytest.mark.parametrize(
    "subject, gives, asks",
    [
        ("Save 20% off brake pads this month", "price", None),
        ("Your 30,000-mile maintenance is due — book online", "reminder", "appointment"),
        ("You're invited: EV test drive night", "invite", "appointment"),
        ("Thank you! A complimentary car wash on us", "gift", None),
        ("What is your 2019 RAV4 worth? Get a trade-in value", None, "sale"),
        ("How did we do? Take our 2-minute survey", None, "review"),
        ("Refer a friend, get a $50 gift card", "price;gift", "referral"),
        ("Winter driving tips from our technicians", "info", None),
        ("Please confirm your contact details", None, "contact_info"),
        ("Recall notice: airbag inflator — schedule your free repair", "info;gift;reminder", "appointment"),
        ("Happy holidays from all of us", None, None),
    ],
)
def test_real_looking_subjects(subject, gives, asks):
    g, a = taxonomy.classify_text(pd.Series([subject]), RULES)
    assert (None if pd.isna(g[0]) else g[0]) == gives
    assert (None if pd.isna(a[0]) else a[0]) == asks


def test_tags_in_the_data_win_and_sources_are_counted():
    touches = pd.DataFrame(
        {
            "touch_id": ["T1", "T2", "T3", "T4"],
            "subject": ["Book now", "Book now", "Hello", "Hello"],
            "campaign_id": [None, "K1", None, None],
            "gives": ["gift", None, None, None],
            "asks": [None, None, None, None],
        }
    )
    before = touches.copy()
    out = taxonomy.classify_touches(touches, pd.DataFrame({"campaign_id": ["K1"], "name": ["Spring tips"]}), RULES)
    assert out["tag_source"].tolist() == ["tagged", "rule", "unclassified", "unclassified"]
    assert out.loc[0, "gives"] == "gift" and pd.isna(out.loc[0, "asks"])  # kept, not re-classified
    assert out.loc[1, "gives"] == "info" and out.loc[1, "asks"] == "appointment"  # "tips" from the campaign name
    assert taxonomy.unclassified_subjects(out).to_dict("records") == [{"subject": "Hello", "touches": 2}]
    pd.testing.assert_frame_equal(touches, before)
    retagged = taxonomy.classify_touches(touches, None, RULES, {"Hello": ("", "sale")})
    assert retagged.loc[2, "asks"] == "sale" and retagged.loc[2, "tag_source"] == "override"


def test_touches_that_all_carry_tags_leave_the_rules_nothing_to_read():
    touches = pd.DataFrame(
        {"touch_id": ["T1"], "subject": ["Book now"], "campaign_id": [None], "gives": ["gift"], "asks": [None]}
    )
    out = taxonomy.classify_touches(touches, None, RULES)
    assert out["tag_source"].tolist() == ["tagged"] and out.loc[0, "gives"] == "gift" and pd.isna(out.loc[0, "asks"])


def test_explain_names_pattern_and_words():
    why = taxonomy.explain("Service special: $49.95 oil change", RULES)
    assert set(why["tag"]) == {"price", "reminder", "appointment"} and "$4" in set(why["matched"])  # an implicit ask


def test_bad_rules_are_refused(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text("[gives]\nbribe = ['cash']\n")
    with pytest.raises(UsageError, match="tag 'bribe' is not one of"):
        config.load_rules(path)
    path.write_text("[asks]\nsale = ['(unclosed']\n")
    with pytest.raises(UsageError, match="is not a regular expression"):
        config.load_rules(path)
