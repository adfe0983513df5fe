"""The reciprocity audit in words: the give/ask balance, the response to giving, and what to do next.

Each function builds its sentences from the tables and KPIs an analysis returned; the numbers
it prints are those values, formatted (tests/test_stories.py checks them against the tables).
"""

from __future__ import annotations

import pandas as pd

from toolkit.presentation.actions import Action, Evidence, evidence_of
from toolkit.presentation.words import interval, number, share
from toolkit.rules import RESPONSE_DAYS


def describe_balance(kpis: dict) -> str:
    """The balance of giving and asking, in numbers."""
    if kpis["give_ask_ratio"] is None and kpis["ask_only_share"] is None:
        return "There are no outbound touches in this period."
    return (
        f"For every touch that asks, the dealership sent **{number(kpis['give_ask_ratio'], 2)}** that give. "
        f"{share(kpis['ask_only_share'])} of outbound touches only ask and {share(kpis['give_only_share'])} only give. "
        f"The typical customer's longest run of ask-only touches is {number(kpis['median_longest_ask_streak'], 0)}."
    )


def describe_response(kpis: dict) -> str:
    """Whether giving earns more engagement than asking."""
    give, ask = kpis["engagement_after_give_rate"], kpis["engagement_after_ask_only_rate"]
    if give is None or ask is None:
        return "Not enough giving and ask-only touches to compare responses."
    ratio = f"{give / ask:.1f} times" if ask else "infinitely"
    return (
        f"{share(give, 1)} of touches that give were followed by an open, click, visit or other event within "
        f"{RESPONSE_DAYS} days, against {share(ask, 1)} of ask-only touches: giving earns {ratio} the response. "
        "Customers choose what they respond to, so this is an association; it is the pattern a relationship predicts."
    )


def actions(
    response: pd.DataFrame,
    by_campaign: pd.DataFrame,
    suppress: pd.DataFrame,
    tired: pd.DataFrame,
    campaigns: pd.DataFrame | None,
    streak_threshold: int,
) -> list[Action]:
    """What to do next, naming campaigns and customers; shifting the mix toward giving only when
    giving touches draw more response beyond chance (``response`` is
    :func:`~toolkit.analyses.reciprocity.response_evidence`)."""
    todo = []
    names = campaigns.set_index("campaign_id")["name"] if campaigns is not None else pd.Series(dtype=str)
    asking = by_campaign[(by_campaign["ask_only_share"] >= 0.99) & (by_campaign["touches"] > 0)]
    if len(asking):
        worst = asking.sort_values("touches", ascending=False).head(3)
        listed = ", ".join(
            f"{r.campaign_id} “{names.get(r.campaign_id, '')}” ({r.touches} sent)" for r in worst.itertuples()
        )
        todo.append(
            Action(
                "rework_campaign",
                ", ".join(worst["campaign_id"]),
                f"Add something of value to the ask-only campaigns that reach most customers: {listed}.",
                Evidence(n=int(worst["touches"].sum())),
            )
        )
    if len(suppress):
        todo.append(
            Action(
                "suppress",
                "suppression_list",
                (
                    f"Suppress **{suppress['customer_id'].nunique()} customers** from offers for makes they do not own "
                    f"(first: {', '.join(suppress['customer_id'].head(5))})."
                ),
                Evidence(n=int(suppress["customer_id"].nunique())),
            )
        )
    if len(tired):
        recent = tired.sort_values("days_since_last_give", ascending=False).head(5)
        todo.append(
            Action(
                "give_first",
                "tired_customers",
                (
                    f"Send a give-first touch (a reminder, a tip, an invitation) to the **{len(tired)} customers** with "
                    f"{streak_threshold}+ ask-only touches in a row, starting with those longest without a give: "
                    f"{', '.join(recent['customer_id'])}."
                ),
                Evidence(n=len(tired)),
            )
        )
    todo.extend(shift_mix(response))
    return todo


def shift_mix(response: pd.DataFrame) -> list[Action]:
    """Toward giving, when giving touches draw more response than ask-only ones beyond chance."""
    if "gives" not in response.index or response.loc["gives", "verdict"] != "above":
        return []
    row = response.loc["gives"]
    return [
        Action(
            "shift_mix",
            "gives",
            (
                f"Shift the mix toward giving: giving touches drew {share(row['share'], 1)} response (95% interval "
                f"{interval(row, 1)}) against {share(row['rest'], 1)} for ask-only touches."
            ),
            evidence_of(row),
        )
    ]


def describe_selection(view: pd.DataFrame, channel: str, campaign: str, sender: str) -> str:
    """What the filter picked (:func:`~toolkit.analyses.reciprocity.selection_balance`)."""
    return f"{view['touches'].sum():,} outbound touches for channel {channel}, campaign {campaign}, sender {sender}."


def describe_streaks(tired: pd.DataFrame, threshold: int, kpis: dict) -> str:
    """How many customers have had ``threshold`` ask-only touches in a row, and the typical streak."""
    return (
        f"{len(tired):,} customers have had {threshold} or more ask-only touches in a row; "
        f"the median customer's longest streak is {number(kpis['median_longest_ask_streak'], 0)}."
    )


def describe_offers(kpis: dict, offers: pd.DataFrame) -> str:
    """How many offers went to customers who own none of the offered make."""
    known = int((~offers["unknown_ownership"]).sum())
    return (
        f"{share(kpis['irrelevant_offer_share'])} of the {known:,} offers to customers with a vehicle on file were "
        f"for a make they own no vehicle of. A further {int(offers['unknown_ownership'].sum()):,} offers "
        f"({share(kpis['unknown_ownership_offer_share'])} of all {len(offers):,}) went to customers with no vehicle "
        "on file at all: whether those fit is unknown, so collect what they drive before judging them."
    )


def describe_suppression(suppress: pd.DataFrame) -> str:
    """The size of the suppression list."""
    return f"**Suppression list:** {suppress['customer_id'].nunique():,} customers."


def tired_reasons(tired: pd.DataFrame) -> pd.Series:
    """Why each customer should get a give-first touch (:func:`~toolkit.analyses.reciprocity.tired_customers`)."""
    return pd.Series(
        [
            f"{number(r.longest_ask_streak, 0)} ask-only touches in a row; "
            + (
                "never given anything"
                if pd.isna(r.days_since_last_give)
                else f"last given something {number(r.days_since_last_give, 0)} days ago"
            )
            for r in tired.itertuples()
        ],
        index=tired.index,
        dtype=object,
    )


def describe_rule_check(accuracy: pd.DataFrame, exact: tuple[int, int], suggestions: pd.DataFrame) -> str:
    """How well the keyword rules read the dealer's own tags (``accuracy`` is
    :func:`~toolkit.analyses.rule_check.rule_accuracy`, ``exact`` its
    :func:`~toolkit.analyses.rule_check.exact_share`), the tag they read worst and what to add."""
    same, tagged = exact
    if not tagged:
        return (
            "No outbound touch carries the dealer's own give/ask tags, so the keyword rules cannot be checked on "
            "this data. Tagging a few campaigns in the CRM would show how far to trust them."
        )
    text = (
        f"On the {tagged:,} outbound touches the dealer tagged itself, the keyword rules read what each gives and "
        f"asks exactly as tagged on **{share(same / tagged)}** of them."
    )
    measured = accuracy[accuracy["tagged"] > 0].sort_values("recall", kind="stable")
    if measured.empty:
        return text
    worst = measured.iloc[0]
    if worst["recall"] == 1:
        return text + " They find every tag the dealer used wherever the dealer used it."
    text += (
        f" They find **{worst['kind']}: {worst['tag']}** least often: {share(worst['recall'])} of the touches tagged "
        f"so (95% interval {share(worst['recall_low'])}–{share(worst['recall_high'])}, {int(worst['tagged']):,} touches)."
    )
    if suggestions.empty:
        return text + (
            " No word of the subjects they miss reliably signals the tag: those touches ask or give something "
            "their subject does not say (a review request added to a check-in, say), which only a tag can record."
        )
    best = suggestions.sort_values("catches", ascending=False, kind="stable").iloc[0]
    return text + (
        f" Adding `{best['pattern']}` to {best['kind']}: {best['tag']} in the taxonomy file would catch "
        f"{int(best['catches']):,} of the touches they miss (the word comes with that tag on "
        f'{share(best["precision"])} of tagged touches; for example "{best["example"]}").'
    )


def rule_accuracy_table(accuracy: pd.DataFrame) -> pd.DataFrame:
    """:func:`~toolkit.analyses.rule_check.rule_accuracy` as the report shows it: the tags with
    anything to count, precision and recall each beside its 95% interval in words."""
    shown = accuracy[accuracy["tagged"] + accuracy["found"] > 0]

    def between(kind: str) -> list[str]:
        return [
            "n/a" if pd.isna(lo) else f"{share(lo, 1)}–{share(hi, 1)}"
            for lo, hi in zip(shown[f"{kind}_low"], shown[f"{kind}_high"], strict=True)
        ]

    return pd.DataFrame(
        {
            "kind": shown["kind"],
            "tag": shown["tag"],
            "tagged": shown["tagged"],
            "found": shown["found"],
            "precision": shown["precision"],
            "precision_interval": between("precision"),
            "recall": shown["recall"],
            "recall_interval": between("recall"),
        }
    ).reset_index(drop=True)
