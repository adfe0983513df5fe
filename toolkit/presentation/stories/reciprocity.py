"""The reciprocity audit in words: the give/ask balance, the response to giving, and what to do next.

Each function builds its sentences from the tables and KPIs an analysis returned; the numbers
it prints are those values, formatted (tests/test_stories.py checks them against the tables).
"""

from __future__ import annotations

import pandas as pd

from toolkit.presentation.words import number, share
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
    kpis: dict,
    by_campaign: pd.DataFrame,
    suppress: pd.DataFrame,
    customers: pd.DataFrame,
    campaigns: pd.DataFrame | None,
    streak_threshold: int,
) -> list[str]:
    """What to do next, naming campaigns and customers."""
    todo = []
    names = campaigns.set_index("campaign_id")["name"] if campaigns is not None else pd.Series(dtype=str)
    asking = by_campaign[(by_campaign["ask_only_share"] >= 0.99) & (by_campaign["touches"] > 0)]
    if len(asking):
        worst = asking.sort_values("touches", ascending=False).head(3)
        listed = ", ".join(
            f"{r.campaign_id} “{names.get(r.campaign_id, '')}” ({r.touches} sent)" for r in worst.itertuples()
        )
        todo.append(f"Add something of value to the ask-only campaigns that reach most customers: {listed}.")
    if len(suppress):
        todo.append(
            f"Suppress **{suppress['customer_id'].nunique()} customers** from offers for makes they do not own "
            f"(first: {', '.join(suppress['customer_id'].head(5))})."
        )
    tired = customers[customers["longest_ask_streak"] >= streak_threshold]
    if len(tired):
        recent = tired.sort_values("days_since_last_give", ascending=False).head(5)
        todo.append(
            f"Send a give-first touch (a reminder, a tip, an invitation) to the **{len(tired)} customers** with "
            f"{streak_threshold}+ ask-only touches in a row, starting with those longest without a give: "
            f"{', '.join(recent['customer_id'])}."
        )
    give, ask = kpis["engagement_after_give_rate"], kpis["engagement_after_ask_only_rate"]
    if give is not None and ask is not None and give > ask:
        todo.append(
            f"Shift the mix toward giving: giving touches drew {share(give, 1)} response against {share(ask, 1)} "
            "for ask-only touches."
        )
    return todo


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
    return (
        f"{share(kpis['irrelevant_offer_share'])} of {len(offers):,} offers went to customers "
        "who own no vehicle of the offered make."
    )


def describe_suppression(suppress: pd.DataFrame) -> str:
    """The size of the suppression list."""
    return f"**Suppression list:** {suppress['customer_id'].nunique():,} customers."
