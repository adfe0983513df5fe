"""The sold follow-up in words: which steps of the plan are kept, the hand-off to service against
the public benchmarks, and what to do next.

Each function builds its sentences from the tables and KPIs an analysis returned; the numbers
it prints are those values, formatted (tests/test_stories.py checks them against the tables).
"""

from __future__ import annotations

import pandas as pd

from toolkit.presentation.words import compare, number, share
from toolkit.rules import FIRST_SERVICE_DAYS


def describe_compliance(kpis: dict, plan: pd.DataFrame) -> str:
    """Which steps of the plan are kept and which are dropped, in numbers."""
    comp = {k: v for k, v in kpis["step_compliance"].items() if v is not None}
    if not comp:
        return "No sale is old enough yet for any step of the plan."
    worst, best = min(comp, key=lambda s: comp[s]), max(comp, key=lambda s: comp[s])
    return (
        f"The weakest step is **{worst}** (met by {share(comp[worst])} of the sales it was due for), the "
        f"strongest **{best}** ({share(comp[best])}). Only {share(kpis['full_cadence_share'])} of the sales old "
        f"enough for the whole plan met every step. Buyers hear from the dealership a median of "
        f"{number(kpis['median_days_to_first_touch'], 0)} days after the sale, and "
        f"{share(kpis['personalised_share'])} of the touches in a buyer's first year were written by a person "
        f"rather than sent from a template."
    )


def describe_hand_off(kpis: dict) -> str:
    """The hand-off to service against the public benchmarks."""
    return (
        f"{share(kpis['first_service_set_share'])} of buyers had a first service appointment set within "
        f"{FIRST_SERVICE_DAYS} days of the sale and {share(kpis['first_service_show_rate'])} of those due showed up; "
        f"{share(kpis['service_retention_12m'])} came back for service within a year.\n\n"
        f"- First appointment set: {compare(kpis['first_service_set_share'], 'first_service_scheduled_at_delivery')} "
        "(the benchmark counts appointments set before the buyer left; the dealer's figure allows 30 days).\n"
        f"- Back for service: {compare(kpis['service_retention_12m'], 'service_retention_2yr')} "
        "(the benchmark covers vehicles up to two years old; this figure covers the first year)."
    )


def actions(kpis: dict, scorecard: pd.DataFrame, calls: pd.DataFrame, staff: pd.DataFrame | None) -> list[str]:
    """What to do next, computed from the data: the weakest step, the salesperson furthest behind,
    and the buyers to call now."""
    todo = []
    comp = {k: v for k, v in kpis["step_compliance"].items() if v is not None}
    if comp:
        worst = min(comp, key=lambda s: comp[s])
        todo.append(
            f"Fix the **{worst}** step first: only {share(comp[worst])} of sales got a touch in its window. "
            "Put it on the salesperson's task list on the day of the sale."
        )
    ranked = scorecard.dropna(subset=["step_compliance"])
    if len(ranked) > 1:
        low, high = ranked.iloc[-1], ranked.iloc[0]
        who = f"{low['salesperson_id']}" + (
            f" ({low['name']})" if "name" in ranked and pd.notna(low.get("name")) else ""
        )
        todo.append(
            f"Coach **{who}**: meets {share(low['step_compliance'])} of due steps "
            f"(best: {high['salesperson_id']} at {share(high['step_compliance'])}), "
            f"{share(low['personalised_share'])} of first-year touches personalised, "
            f"first service set for {share(low['first_service_set'])} of buyers."
        )
    if len(calls):
        no_appt = calls[calls["no_first_appointment"]]
        by_sp = calls.groupby("salesperson_id").size().sort_values(ascending=False)
        top = ", ".join(f"{sp} ({n})" for sp, n in by_sp.head(3).items())
        todo.append(
            f"Call the **{len(calls)} recent buyers** on the call list this week — most are with {top}; "
            f"{len(no_appt)} of them have no first service appointment (first few: "
            f"{', '.join(no_appt['customer_id'].head(5))})."
        )
    if kpis["first_service_set_share"] is not None and kpis["first_service_set_share"] < 0.5:
        todo.append(
            "Book the first service before the buyer leaves the delivery: fewer than half of buyers "
            f"have one set within {FIRST_SERVICE_DAYS} days."
        )
    return todo


def describe_selection(chosen: pd.DataFrame, who: str, condition: str, years: tuple[int, int]) -> str:
    """What the salesperson filter picked (:func:`~toolkit.analyses.cadence.select_sales`)."""
    return f"{len(chosen):,} sales for {who}, condition {condition}, sold {years[0]}-{years[1]}."
