"""Engagement in words: what the revenue model found, with its caveats, and what to do next.

Each function builds its sentences from the tables and KPIs an analysis returned; the numbers
it prints are those values, formatted (tests/test_stories.py checks them against the tables).
"""

from __future__ import annotations

import pandas as pd

from toolkit.analyses.engagement import RevenueModel, budget_shift, top_event_type
from toolkit.presentation.words import compare, number, share


def describe_model(model: RevenueModel, lookback_days: int, outcome_days: int) -> str:
    """The model's result in words, with its caveats."""
    est = model.coefficients.dropna(subset=["estimate"])
    text = (
        f"Across {model.customers:,} customers, engagement in a {lookback_days}-day look-back window was set against "
        f"revenue in the following {outcome_days} days, controlling for tenure and prior revenue. "
    )
    clear = est[(est["lower"] > 0)].sort_values("estimate", ascending=False)
    if len(clear):
        top = clear.iloc[0]
        text += (
            f"The clearest association is **{top['type']}**: each one goes with about {number(top['estimate'], 0)} "
            f"more revenue (95% interval {number(top['lower'], 0)} to {number(top['upper'], 0)}). "
        )
    else:
        text += "No type of engagement has an interval clear of zero. "
    if model.r2_holdout is not None:
        text += (
            f"On held-out customers the model's error is {number(model.mae_holdout, 0)} per customer against "
            f"{number(model.mae_baseline, 0)} for tenure and prior revenue alone (R² {model.r2_holdout:.2f}). "
        )
    text += (
        "**This is association, not proof of cause**: customers who already intend to spend also open, click and "
        "visit more."
    )
    if model.warnings:
        text += "\n\n" + "\n".join(f"- ⚠ {w}" for w in model.warnings)
    return text


def actions(
    kpis: dict, model: RevenueModel, alloc: pd.DataFrame, funnels: pd.DataFrame, scores: pd.DataFrame
) -> list[str]:
    """What to do next: where to spend, which campaigns to rework, whom to re-engage."""
    todo = []
    if len(alloc) > 1 and alloc["per_cost"].notna().sum() > 1:
        best, worst = alloc.iloc[0], alloc.dropna(subset=["per_cost"]).iloc[-1]
        shift = budget_shift(alloc, worst["channel"], best["channel"], 0.1 * worst["cost"])
        todo.append(
            f"Test moving 10% of **{worst['channel']}** spend ({number(0.1 * worst['cost'], 0)}) to "
            f"**{best['channel']}**: associated revenue changes by about {number(shift['estimate'], 0)} "
            f"(interval {number(shift['low'], 0)} to {number(shift['high'], 0)}). Run it as a test with a holdout."
        )
    email = funnels[funnels["channel"] == "email"]
    if len(email):
        weak = email.sort_values("opened").head(3)
        todo.append(
            "Rework the e-mails with the lowest open rates: "
            + ", ".join(f"{r.campaign_id} ({share(r.opened, 1)} opened)" for r in weak.itertuples())
            + "."
        )
    lapsed = scores[(scores["score"] == 0) & scores["days_since_last_event"].gt(365)]
    if len(lapsed):
        todo.append(
            f"Re-engage the **{len(lapsed):,} customers** with no engagement in over a year, "
            f"most of them with {lapsed['salesperson_id'].value_counts().index[0]}: "
            "an invitation or a useful reminder, not an offer."
        )
    clear = model.coefficients[(model.coefficients["lower"] > 0)]
    if len(clear):
        todo.append(
            f"Make more of what goes with revenue: {', '.join(clear.sort_values('estimate', ascending=False)['type'])}."
        )
    return todo


def describe_activity(activity: dict) -> str:
    """The share of customers engaged lately, and the most common kind of engagement."""
    top = top_event_type(activity)
    return (
        f"{share(activity['engaged_share_90d'])} of customers engaged in the last 90 days. "
        f"The most common engagement is **{top}** ({activity['events_by_type'][top]:,} events)."
    )


def describe_email(rates: dict) -> str:
    """E-mail open and click rates against the public benchmarks."""
    return (
        f"E-mail campaigns averaged {share(rates['opened'], 1)} opened and {share(rates['clicked'], 1)} clicked.\n\n"
        f"- Opens: {compare(rates['opened'], 'auto_email_open_rate')}\n"
        f"- Clicks: {compare(rates['clicked'], 'auto_email_click_rate')}"
    )


def describe_shift(source: str, target: str, amount: float, shift: dict) -> str:
    """The budget what-if (:func:`~toolkit.analyses.engagement.budget_shift`) in words."""
    return (
        f"Moving {amount:,} from **{source}** to **{target}** changes associated revenue by about "
        f"**{shift['estimate']:,.0f}** (interval {shift['low']:,.0f} to {shift['high']:,.0f}), if each "
        "channel's return per unit of cost held at the margin."
    )
