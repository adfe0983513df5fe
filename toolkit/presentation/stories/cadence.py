"""The sold follow-up in words: which steps of the plan are kept, the hand-off to service against
the public benchmarks, and what to do next.

Each function builds its sentences from the tables and KPIs an analysis returned; the numbers
it prints are those values, formatted (tests/test_stories.py checks them against the tables).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.analyses.evidence import observations_to_settle
from toolkit.presentation.actions import Action, Evidence, evidence_of
from toolkit.presentation.words import compare, context, interval, number, share
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


def describe_hand_off(kpis: dict, at_delivery: tuple[int, int]) -> str:
    """The hand-off to service against the public benchmarks, each like for like or as context:
    ``at_delivery`` is (sales with the first appointment set on the day of the sale, sales)."""
    return (
        f"{share(kpis['first_service_set_share'])} of buyers had a first service appointment set within "
        f"{FIRST_SERVICE_DAYS} days of the sale and {share(kpis['first_service_show_rate'])} of those due showed up; "
        f"{share(kpis['service_retention_12m'])} came back for service within a year.\n\n"
        f"- First appointment set before the buyer left: {compare(*at_delivery, 'first_service_scheduled_at_delivery')}\n"
        f"- Back for service: {context('service_retention_2yr')} The playbook's figure covers the first year."
    )


def actions(
    kpis: dict, steps: pd.DataFrame, people: pd.DataFrame, scorecard: pd.DataFrame, calls: pd.DataFrame
) -> list[Action]:
    """What to do next: the step to fix and the salesperson to coach only where the evidence
    separates them from the rest (``steps`` is :func:`~toolkit.analyses.cadence.step_evidence`,
    ``people`` :func:`~toolkit.analyses.cadence.salesperson_evidence`), else what would settle
    it; the buyers to call now; the first service when fewer than half have one set."""
    todo = [fix_step(steps), *coach(people, scorecard)]
    if len(calls):
        no_appt = calls[calls["no_first_appointment"]]
        by_sp = calls.groupby("salesperson_id").size().sort_values(ascending=False)
        named = [f"{sp} {n}" for sp, n in by_sp.head(3).items()]
        top = f"{named[0]} of them" + "".join(f", {t}" for t in named[1:]) if named else "no salesperson named"
        todo.append(
            Action(
                "call",
                "call_list",
                (
                    f"Call the **{len(calls)} recent buyers** on the call list this week (the most held: {top}); "
                    f"{len(no_appt)} of them have no first service appointment (first few: "
                    f"{', '.join(no_appt['customer_id'].head(5))})."
                ),
                Evidence(n=len(calls)),
            )
        )
    if kpis["first_service_set_share"] is not None and kpis["first_service_set_share"] < 0.5:
        todo.append(
            Action(
                "book_first_service",
                "first_service_set_share",
                (
                    "Book the first service before the buyer leaves the delivery: fewer than half of buyers "
                    f"have one set within {FIRST_SERVICE_DAYS} days."
                ),
                Evidence(estimate=kpis["first_service_set_share"]),
            )
        )
    return todo


def fix_step(steps: pd.DataFrame) -> Action:
    """The step to fix first, when one is met clearly less often than the others; else a note that
    the steps are within noise of each other and how many sales would tell them apart."""
    below = steps[steps["verdict"] == "below"].sort_values("share")
    if len(below):
        step, row = below.index[0], below.iloc[0]
        return Action(
            "fix_step",
            step,
            (
                f"Fix the **{step}** step first: {share(row['share'])} of the {int(row['n']):,} sales it was due for "
                f"got a follow-up touch in its window (95% interval {interval(row)}), against {share(row['rest'])} "
                "for the other steps. Put it on the salesperson's task list on the day it falls due."
            ),
            evidence_of(row),
        )
    compared = steps[steps["verdict"] != "too few"]
    if compared.empty:
        return Action("within_noise", "steps", "No step has been due for enough sales yet to compare the steps.")
    low = compared.sort_values("share").iloc[0]
    need = observations_to_settle(low["share"], low["rest"], len(compared))
    return Action(
        "within_noise",
        "steps",
        (
            f"No step stands out: each step's compliance is within noise of the others "
            f"({share(compared['share'].min())} to {share(compared['share'].max())}). Telling the weakest, "
            f"{compared.sort_values('share').index[0]}, from the rest would take about {need:,} eligible sales "
            f"per step (it has {int(low['n']):,})."
        ),
        evidence_of(low),
    )


def coach(people: pd.DataFrame, scorecard: pd.DataFrame) -> list[Action]:
    """The salespeople to coach: those whose follow-up is clearly below everyone else's; else a
    note that the differences are within noise and how many sales would settle them."""
    below = people[people["verdict"] == "below"].sort_values("share")
    card = scorecard.set_index("salesperson_id")
    todo = []
    for who, row in below.iterrows():
        person = card.loc[who] if who in card.index else pd.Series(dtype=object)
        name = f" ({person['name']})" if "name" in person and pd.notna(person.get("name")) else ""
        todo.append(
            Action(
                "coach",
                str(who),
                (
                    f"Coach **{who}{name}**: meets {share(row['share'])} of due steps (95% interval {interval(row)}, "
                    f"{int(row['n']):,} sales) against {share(row['rest'])} for everyone else; "
                    f"{share(person.get('personalised_share'))} of first-year touches personalised, "
                    f"first service set for {share(person.get('first_service_set'))} of buyers."
                ),
                evidence_of(row),
            )
        )
    if todo:
        return todo
    compared = people[people["verdict"] != "too few"]
    few = people.index[people["verdict"] == "too few"]
    small = f" ({', '.join(map(str, few))}: too few sales to tell)" if len(few) else ""
    if len(compared) < 2:
        return [Action("within_noise", "salespeople", f"Too few salespeople with enough sales to compare{small}.")]
    low = compared.sort_values("share").iloc[0]
    steps_per_sale = compared["trials"].sum() / compared["n"].sum()
    need = int(np.ceil(observations_to_settle(low["share"], low["rest"], len(compared)) / steps_per_sale))
    ten = int(np.ceil(observations_to_settle(low["rest"] - 0.10, low["rest"], len(compared)) / steps_per_sale))
    have = int(compared["n"].min())
    gap = abs(low["share"] - low["rest"]) * 100
    shows = (
        f"with {have:,} or more each now, a 10-point gap would already show"
        if have >= ten
        else f"a 10-point gap would show with about {ten:,} sales each ({have:,} now)"
    )
    return [
        Action(
            "within_noise",
            "salespeople",
            (
                f"No salesperson stands out: their follow-up is within noise of one another "
                f"({share(compared['share'].min())} to {share(compared['share'].max())} of due steps){small}. "
                f"A gap as small as the widest one seen ({gap:.0f} points) would take about {need:,} sales each to "
                f"confirm; {shows}."
            ),
            evidence_of(low),
        )
    ]


def describe_selection(chosen: pd.DataFrame, who: str, condition: str, years: tuple[int, int]) -> str:
    """What the salesperson filter picked (:func:`~toolkit.analyses.cadence.select_sales`)."""
    return f"{len(chosen):,} sales for {who}, condition {condition}, sold {years[0]}-{years[1]}."


def call_reasons(calls: pd.DataFrame) -> pd.Series:
    """Why each buyer is on the call list (:func:`~toolkit.analyses.cadence.call_list`): when they
    bought, the steps missed so far and a missing first service appointment."""
    return pd.Series(
        [
            f"bought {r.sold_on} ({number(r.days_since_sale, 0)} days ago)"
            + (f"; missed {r.missed_steps}" if r.missed_steps else "")
            + ("; no first service appointment" if r.no_first_appointment else "")
            for r in calls.itertuples()
        ],
        index=calls.index,
        dtype=object,
    )
