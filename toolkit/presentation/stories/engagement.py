"""Engagement in words: what the revenue model found, with its caveats, and what to do next.

Each function builds its sentences from the tables and KPIs an analysis returned; the numbers
it prints are those values, formatted (tests/test_stories.py checks them against the tables).
"""

from __future__ import annotations

import pandas as pd

from toolkit.analyses.engagement import (
    DIAGNOSTIC_TYPES,
    RevenueModel,
    budget_shift,
    clear_associations,
    shift_is_clear,
    top_event_type,
    weak_emails,
)
from toolkit.presentation.actions import Action, Evidence, evidence_of
from toolkit.presentation.words import compare, interval, money, number, share


def describe_model(model: RevenueModel, lookback_days: int, outcome_days: int, currency: str = "") -> str:
    """The model's result in words: what goes with more spend, what with less, what cannot be told
    apart from nothing, and whether the model beats the customers' history alone on held-out
    customers; money in ``currency`` (dealer.toml's)."""
    est = model.coefficients.dropna(subset=["estimate"])
    text = (
        f"Across {model.customers:,} customers, engagement in a {lookback_days}-day look-back window was set against "
        f"customer-pay service spend in the following {outcome_days} days, allowing for tenure, past spend, the "
        "messages each customer was sent and a shortened look-back. "
    )
    if est.empty:
        return text + "No type of engagement could be estimated." + _warnings(model)

    def each(rows) -> str:
        return "; ".join(
            f"**{r.type}** about {money(r.estimate, currency)} per event (95% interval {money(r.lower, currency)} to "
            f"{money(r.upper, currency)})"
            for r in rows.itertuples()
        )

    up, down = clear_associations(model, 1), clear_associations(model, -1)
    unclear = est[~est["type"].isin([*up["type"], *down["type"], *DIAGNOSTIC_TYPES])]
    if not model.beats_baseline:
        if len(unclear):
            text += f"The estimates: {each(unclear)}. "
    else:
        if len(up):
            text += f"Clearly more spend went with {each(up)}. "
        if len(down):
            text += f"Clearly less spend went with {each(down)}. "
        if len(unclear):
            tested = int(est["p"].notna().sum())
            text += (
                f"Not told apart from no association once the {tested} event types tested at once are allowed for: "
                f"{each(unclear)}. "
            )
    change = model.error_change
    if change is None:
        text += "There were too few customers to check the model on held-out ones. "
    elif model.beats_baseline:
        text += (
            f"On customers it was not fitted on (five-fold cross-validation) the model's error is {-change:.1%} "
            "smaller than with their history alone: engagement adds to the prediction. "
        )
    else:
        text += (
            "On customers it was not fitted on (five-fold cross-validation) the model's error is no smaller than "
            f"with their history alone ({change:+.1%}), so no estimate here is a reason to move money. "
        )
    opens = est[est["type"].isin(DIAGNOSTIC_TYPES)]
    if len(opens):
        text += (
            f"E-mail opens ({each(opens)}) are shown as a diagnostic only: mail-privacy features open messages "
            "themselves, so opens are never valued in money here. "
        )
    text += (
        "**This is association, not proof of cause**: customers who already intend to spend also open, click and "
        "visit more; a randomised holdout test settles what a model cannot."
    )
    return text + _warnings(model)


def _warnings(model: RevenueModel) -> str:
    return "\n\n" + "\n".join(f"- ⚠ {w}" for w in model.warnings) if model.warnings else ""


def actions(
    model: RevenueModel, alloc: pd.DataFrame, funnels: pd.DataFrame, lapsed: pd.DataFrame, currency: str = ""
) -> list[Action]:
    """What to do next: move money only where the channels' returns separate, else test it with a
    randomised holdout; grow only what goes with revenue beyond doubt
    (:func:`~toolkit.analyses.engagement.clear_associations`); rework the weakest e-mails; re-engage
    the lapsed customers who opted in (``lapsed`` from :func:`~toolkit.analyses.engagement.lapsed`)
    and ask the others for consent. Money is written in ``currency``."""
    todo = [shift_budget(model, alloc, currency)] if len(alloc) > 1 and alloc["per_cost"].notna().sum() > 1 else []
    weak = weak_emails(funnels).head(3)
    if len(weak):
        listed = ", ".join(
            f"{cid} ({share(r.share, 1)} of {int(r.n):,} opened, 95% interval {interval(r, 1)})"
            for cid, r in weak.iterrows()
        )
        todo.append(
            Action(
                "rework_campaign",
                ", ".join(weak.index),
                (
                    f"Rework the e-mails opened clearly less than the others: {listed}, against "
                    f"{share(weak['rest'].iloc[0], 1)} for the other e-mails."
                ),
                evidence_of(weak.iloc[0]),
            )
        )
    todo += reach_lapsed(lapsed)
    for row in clear_associations(model).itertuples():
        todo.append(
            Action(
                "grow_channel",
                row.type,
                (
                    f"Make more of **{row.type}**: each one goes with about {money(row.estimate, currency)} more "
                    f"service spend (95% interval {money(row.lower, currency)} to {money(row.upper, currency)}), "
                    "beyond chance after testing every "
                    "event type, in a model that predicts held-out customers better than their history alone."
                ),
                Evidence(float(row.estimate), float(row.lower), float(row.upper), int(row.events)),
            )
        )
    return todo


def whose(salespeople: pd.Series) -> str:
    """Which salesperson a list's customers belong to, as the list shows it: "most of them" only
    for more than half, else the largest share with its percentage; nothing when none is known."""
    counts = salespeople.value_counts()
    if counts.empty:
        return ""
    top, part = counts.index[0], counts.iloc[0] / len(salespeople)
    if part > 0.5:
        return f", most of them ({share(part)}) with {top}"
    return f", spread over {len(counts)} salespeople (the largest share, {share(part)}, with {top})"


def reach_lapsed(lapsed: pd.DataFrame) -> list[Action]:
    """Re-engage the lapsed customers who opted in; ask the others for consent first."""
    todo = []
    reachable, unreachable = lapsed[lapsed["reachable"]], int((~lapsed["reachable"]).sum())
    if len(reachable):
        todo.append(
            Action(
                "re_engage",
                "re_engage",
                (
                    f"Re-engage the **{len(reachable):,} customers** with no engagement in over a year (or none ever) "
                    f"who opted in to e-mail or text messages{whose(reachable['salesperson_id'])}: an invitation or a "
                    "useful reminder, not an offer."
                ),
                Evidence(n=len(reachable)),
            )
        )
    if unreachable:
        todo.append(
            Action(
                "ask_consent",
                "ask_consent",
                (
                    f"Ask the **{unreachable:,} lapsed customers** who opted in to neither e-mail nor text messages for "
                    "their consent, in person or at their next visit, before sending them anything."
                ),
                Evidence(n=unreachable),
            )
        )
    return todo


def shift_budget(model: RevenueModel, alloc: pd.DataFrame, currency: str = "") -> Action:
    """Move a tenth of the weakest channel's spend to the strongest when the model beats its
    baseline out of sample and the move's whole interval is a gain; else propose the randomised
    holdout that would tell."""
    best, worst = alloc.iloc[0], alloc.dropna(subset=["per_cost"]).iloc[-1]
    subject = f"{worst['channel']}->{best['channel']}"
    shift = budget_shift(model, alloc, worst["channel"], best["channel"], 0.1 * worst["cost"])
    evidence = Evidence(shift["estimate"], shift["low"], shift["high"], None, float(worst["per_cost"]))
    if shift_is_clear(model, shift):
        return Action(
            "shift_budget",
            subject,
            (
                f"Move 10% of **{worst['channel']}** spend ({money(0.1 * worst['cost'], currency)}) to "
                f"**{best['channel']}**: associated service spend changes by about {money(shift['estimate'], currency)} "
                f"(interval {money(shift['low'], currency)} to {money(shift['high'], currency)}); keep a holdout to "
                "confirm it."
            ),
            evidence,
        )
    if not model.beats_baseline:
        why = "the model predicts held-out customers' spend no better than their history alone"
    elif clear_associations(model, 1).empty and clear_associations(model, -1).empty:
        why = "no kind of engagement goes with spend beyond chance once every type tested is allowed for"
    else:
        why = (
            f"moving 10% of {worst['channel']} spend to {best['channel']} could change associated service spend by "
            f"anything from {money(shift['low'], currency)} to {money(shift['high'], currency)}"
        )
    return Action(
        "run_holdout",
        subject,
        (
            f"Do not move money between channels on this evidence: {why}. Test it instead: send the next "
            f"{worst['channel']} campaign to a random nine in ten of its audience, keep the tenth back "
            "(`playbook holdout design` draws them and says what the test can see), and compare the two groups' "
            "later service spend."
        ),
        evidence,
    )


def describe_activity(activity: dict) -> str:
    """The share of customers engaged lately, and the most common kind of engagement."""
    top = top_event_type(activity)
    return (
        f"{share(activity['engaged_share_90d'])} of customers engaged in the last 90 days. "
        f"The most common engagement is **{top}** ({activity['events_by_type'][top]:,} events)."
    )


def describe_email(rates: dict, totals: tuple[int, int, int]) -> str:
    """E-mail open and click rates against the public benchmarks, like for like: ``totals`` is
    (campaign e-mails opened, clicked, sent)."""
    return (
        f"E-mail campaigns averaged {share(rates['opened'], 1)} opened and {share(rates['clicked'], 1)} clicked.\n\n"
        f"- Opens: {compare(totals[0], totals[2], 'auto_email_open_rate')}\n"
        f"- Clicks: {compare(totals[1], totals[2], 'auto_email_click_rate')}"
    )


def describe_shift(
    source: str, target: str, amount: float, shift: dict, currency: str = "", model_holds: bool = True
) -> str:
    """The budget what-if (:func:`~toolkit.analyses.engagement.budget_shift`) in words; when the
    model does not beat its baseline out of sample (``model_holds`` false) it says the figure is
    arithmetic on estimates, not a forecast."""
    text = (
        f"Moving {money(amount, currency)} from **{source}** to **{target}** changes associated service spend by "
        f"about **{money(shift['estimate'], currency)}** (95% interval {money(shift['low'], currency)} to "
        f"{money(shift['high'], currency)}), if each channel's events per unit of cost held at the margin."
    )
    if not model_holds:
        text += (
            " The model does no better than customers' history alone on held-out customers, so this is arithmetic "
            "on its estimates, not a forecast."
        )
    return text


def lapsed_reasons(lapsed: pd.DataFrame) -> pd.Series:
    """Why each lapsed customer (:func:`~toolkit.analyses.engagement.lapsed`) is on the re-engage
    or the ask-for-consent list."""
    return pd.Series(
        [
            (
                "no engagement on record"
                if pd.isna(r.days_since_last_event)
                else f"last engaged {number(r.days_since_last_event, 0)} days ago"
            )
            + ("" if r.reachable else "; opted in to neither e-mail nor text messages")
            for r in lapsed.itertuples()
        ],
        index=lapsed.index,
        dtype=object,
    )


def describe_design(campaign: str, channel: str, power: dict, currency: str = "") -> str:
    """What a designed holdout test (:func:`~toolkit.analyses.holdouts.power`) can see, in words."""
    from toolkit.analyses.holdouts import OUTCOME_DAYS

    text = (
        f"Holdout test for {campaign} ({channel}): {power['held_out']:,} customers kept back, {power['treated']:,} "
        f"sent it. Over the last {OUTCOME_DAYS} days a customer spent {money(power['mean_spend'], currency)} on "
        f"customer-pay service on average (standard deviation {money(power['spread'], currency)}). "
    )
    if pd.isna(power["detectable_lift"]):
        return text + "Their spend does not vary, so no test of this size can measure a difference."
    text += (
        f"Read {OUTCOME_DAYS} days after it starts, the test can see a difference of "
        f"{money(power['detectable_lift'], currency)} per customer or more (95% confidence, 80% power); a smaller "
        "effect would go unseen. "
    )
    half = power["held_out_for_half"]
    text += (
        f"To see half that, keep back about {half:,} customers."
        if half
        else "Not even an even split of this audience could see half that."
    )
    return text


def describe_tests(tests: pd.DataFrame, currency: str = "") -> str:
    """What each finished holdout test (:func:`~toolkit.analyses.holdouts.readout`) shows, plainly:
    a difference beyond chance only when its whole 95% interval is on one side of zero."""
    from toolkit.analyses.holdouts import OUTCOME_DAYS

    if tests.empty:
        return (
            "No holdout test is on file. Design one with `playbook holdout design` before the next campaign: it "
            "keeps a random share of the audience back, and this section then reads what the campaign changed."
        )
    lines = []
    for t in tests.itertuples():
        running = (
            f" (it has run {t.days_run} of {OUTCOME_DAYS} days; read it again later)"
            if t.days_run < OUTCOME_DAYS
            else ""
        )
        spend = (
            f"{money(t.spend_difference, currency)} per customer (95% interval {money(t.spend_low, currency)} to "
            f"{money(t.spend_high, currency)})"
        )
        if t.spend_low > 0:
            verdict = "the campaign raised customer-pay service spend"
        elif t.spend_high < 0:
            verdict = "those sent the campaign spent less than those kept back"
        else:
            verdict = "no difference beyond chance"
        lines.append(
            f"- **{t.campaign_id}**: {t.treated:,} sent, {t.held_out:,} kept back{running}. Customer-pay service "
            f"spend, sent minus kept back: {spend}; visits per customer: {number(t.visits_difference, 2)} "
            f"({number(t.visits_low, 2)} to {number(t.visits_high, 2)}): {verdict}."
        )
    return "\n".join(lines)
