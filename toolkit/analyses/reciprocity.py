"""Reciprocity: what the dealership gives its customers against what it asks of them.

Each outbound touch (direction outbound or blank) *gives* when its gives has a
tag (a real price, useful information, an invitation, a gift, a reminder) and
*asks* when its asks has one (an appointment, contact details, a sale, a
review, a referral). A touch is *ask-only* when it asks and gives nothing,
*give-only* when it gives and asks nothing. A relationship that only asks
wears out; offers for a make the customer has never owned are the "wrong
team's tickets".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toolkit import joins, rules
from toolkit.analyses import trends
from toolkit.analyses.evidence import share_interval
from toolkit.inputs.config import Rules
from toolkit.rules import RESPONSE_DAYS, outbound_touches, ratio, ratios


@dataclass
class Audit:
    """Everything the reciprocity playbook reads: classified outbound touches with flags and
    responses, the offers with their relevance, each customer's longest ask streak, the KPIs."""

    balance: pd.DataFrame
    offers: pd.DataFrame
    streaks: pd.Series
    kpis: dict


def audit(
    touches: pd.DataFrame,
    campaigns: pd.DataFrame | None,
    events: pd.DataFrame,
    vehicles: pd.DataFrame,
    keyword_rules: Rules,
    overrides: dict | None = None,
) -> Audit:
    """Classify, flag, link responses and offers, and compute the KPIs in one call."""
    balance = with_response(classified_balance(touches, campaigns, keyword_rules, overrides), events)
    offers = offer_relevance(balance, vehicles)
    streaks = longest_ask_streaks(balance)
    return Audit(balance, offers, streaks, kpis(balance, offers, streaks))


def classified_balance(
    touches: pd.DataFrame, campaigns: pd.DataFrame | None, keyword_rules: Rules, overrides: dict | None = None
) -> pd.DataFrame:
    """The outbound touches of ``touches``, classified (:mod:`toolkit.analyses.taxonomy`) and
    flagged (:func:`touch_balance`)."""
    from toolkit.analyses.taxonomy import classify_touches

    return touch_balance(classify_touches(outbound_touches(touches), campaigns, keyword_rules, overrides))


def touch_balance(classified: pd.DataFrame) -> pd.DataFrame:
    """Outbound touches with flags: gives, asks, ask_only, give_only, both, neither."""
    out = outbound_touches(classified).copy()
    out["gives_any"] = out["gives"].notna() & out["gives"].ne("")
    out["asks_any"] = out["asks"].notna() & out["asks"].ne("")
    out["ask_only"] = out["asks_any"] & ~out["gives_any"]
    out["give_only"] = out["gives_any"] & ~out["asks_any"]
    out["both"] = out["gives_any"] & out["asks_any"]
    out["neither"] = ~out["gives_any"] & ~out["asks_any"]
    out["kind"] = joins.labels(
        np.select([out["ask_only"], out["give_only"], out["both"]], [0, 1, 2], 3),
        ["ask only", "give only", "gives and asks", "neither"],
        out.index,
    )
    return out


def with_response(balance: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Adds ``responded``: the customer had an event after the touch, within 7 calendar days."""
    event_who, who = joins.codes(events["customer_id"], balance["customer_id"])
    return balance.assign(
        responded=joins.followed_within(
            who, balance["occurred_at"], event_who, events["occurred_at"], RESPONSE_DAYS, exact=False
        )
    )


def offer_relevance(balance: pd.DataFrame, vehicles: pd.DataFrame) -> pd.DataFrame:
    """Touches with an ``offer_make``: ``unknown_ownership`` when the customer has no vehicle on
    file at all (whether the offer fits cannot be told), else ``irrelevant`` when they own no
    vehicle of that make (and, where ``offer_segment`` is given, none of that segment either)."""
    offers = balance[balance["offer_make"].notna().to_numpy()].copy()
    owner = vehicles["customer_id"]
    offers["owns_make"] = _owns(offers["customer_id"], offers["offer_make"], owner, vehicles["make"])
    offers["owns_segment"] = offers["offer_segment"].isna().to_numpy() | _owns(
        offers["customer_id"], offers["offer_segment"], owner, vehicles["segment"]
    )
    offers["unknown_ownership"] = ~joins.isin(offers["customer_id"], owner)
    offers["irrelevant"] = ~offers["unknown_ownership"] & (~offers["owns_make"] | ~offers["owns_segment"])
    return offers


def _owns(customer: pd.Series, value: pd.Series, owner: pd.Series, owned: pd.Series) -> np.ndarray:
    """Whether each customer owns a vehicle whose ``owned`` text equals ``value`` (ignoring case)."""
    who, owner = joins.codes(customer, owner)
    what, owned = joins.codes(value.str.lower(), owned.str.lower())
    return joins.isin_pairs((who, what), (owner, owned))


def longest_ask_streaks(balance: pd.DataFrame) -> pd.Series:
    """Per customer with an outbound touch: the longest run of consecutive ask-only touches in time order."""
    codes, names = pd.factorize(balance["customer_id"])
    order = np.lexsort((np.arange(len(balance)), balance["occurred_at"].to_numpy("datetime64[ns]"), codes))
    customer = codes[order]  # same time: the order of the file breaks the tie
    ask = balance["ask_only"].to_numpy(bool)[order]
    new_customer = np.r_[True, customer[1:] != customer[:-1]]
    run = np.cumsum(np.r_[True, ask[1:] != ask[:-1]] | new_customer)
    longest = pd.Series(run[ask]).value_counts()  # run → its length
    per_customer = pd.Series(longest.to_numpy(), index=customer[np.searchsorted(run, longest.index.to_numpy())])
    best = per_customer.groupby(level=0).max()
    firsts = customer[new_customer]
    out = pd.Series(best.reindex(firsts, fill_value=0).to_numpy(), index=pd.Index(names.take(firsts), name=None))
    return out.rename("longest_ask_streak")


def retagged_kpis(result: Audit, overrides: dict[str, tuple[str, str]]) -> dict:
    """The KPIs once subjects are re-tagged by hand (the taxonomy explorer). Responses and offer
    relevance do not depend on tags, so only the flags, the streaks and the KPIs are recomputed."""
    from toolkit.analyses.taxonomy import apply_overrides

    if not overrides:
        return result.kpis
    balance = touch_balance(apply_overrides(result.balance, overrides))
    streaks = longest_ask_streaks(balance)
    return kpis(balance, result.offers, streaks)


def kpis(balance: pd.DataFrame, offers: pd.DataFrame, streaks: pd.Series) -> dict:
    """The reciprocity KPIs.

    - ``give_ask_ratio``: outbound touches that give ÷ outbound touches that ask;
    - ``ask_only_share`` / ``give_only_share``: shares of outbound touches;
    - ``irrelevant_offer_share``: of touches with an offer make sent to a customer with a vehicle on
      file, the share for a make that customer owns no vehicle of;
    - ``unknown_ownership_offer_share``: of touches with an offer make, the share sent to a customer
      with no vehicle on file (unknown, not irrelevant);
    - ``engagement_after_give_rate`` / ``engagement_after_ask_only_rate``: share of giving (resp.
      ask-only) touches followed by an event of the customer within 7 calendar days;
    - ``median_longest_ask_streak``: the median, over customers with an outbound touch, of their
      longest run of consecutive ask-only touches.
    """
    n = len(balance)
    gives, asks_any, ask_only = (balance[c].to_numpy(bool) for c in ("gives_any", "asks_any", "ask_only"))
    responded = balance["responded"].to_numpy(bool)
    asks = int(asks_any.sum())
    return {
        "give_ask_ratio": ratio(gives.sum(), asks),
        "ask_only_share": float(ask_only.mean()) if n else None,
        "give_only_share": float(balance["give_only"].to_numpy(bool).mean()) if n else None,
        "irrelevant_offer_share": rules.share(offers.loc[~offers["unknown_ownership"], "irrelevant"]),
        "unknown_ownership_offer_share": rules.share(offers["unknown_ownership"]),
        "engagement_after_give_rate": float(responded[gives].mean()) if gives.any() else None,
        "engagement_after_ask_only_rate": float(responded[ask_only].mean()) if ask_only.any() else None,
        "median_longest_ask_streak": float(streaks.median()) if len(streaks) else None,
    }


def trend_measure(balance: pd.DataFrame) -> trends.Measure:
    """``give_ask_ratio`` by month of outbound touch (``balance``: :func:`touch_balance`): touches
    that give over touches that ask; n counts the touches that ask. The touches of one campaign in
    one month are one decision of the dealership, so the interval counts each campaign once (a
    touch without a campaign counts alone)."""
    store, decision = _units(balance)
    return trends.measure(
        "give_ask_ratio",
        "ratio",
        balance["occurred_at"],
        balance["gives_any"],
        balance["asks_any"],
        store=store,
        cluster=decision,
        what="outbound touches that ask",
    )


def _units(balance: pd.DataFrame) -> tuple[pd.Series | None, np.ndarray]:
    """What the measures count by: each touch's store, and what it was sent as part of, as a
    code: its campaign's, else one of its own."""
    store = balance.get("store_id")
    decision = pd.factorize(balance["campaign_id"])[0]
    alone = decision < 0
    decision[alone] = decision.max(initial=-1) + 1 + np.arange(int(alone.sum()))
    return store, decision


def headline_measures(balance: pd.DataFrame, as_of: pd.Timestamp) -> list[trends.Measure]:
    """The headline KPIs of the audited touches, for :func:`toolkit.analyses.trends.by_store`."""
    store, decision = _units(balance)
    return [
        trends.snapshot(
            "give_ask_ratio",
            "ratio",
            as_of,
            balance["gives_any"],
            balance["asks_any"],
            store=store,
            cluster=decision,
            what="outbound touches that ask",
        ),
        trends.snapshot(
            "ask_only_share",
            "ratio",  # a share of touches counted by campaign: the interval counts each campaign once
            as_of,
            balance["ask_only"],
            np.ones(len(balance)),
            store=store,
            cluster=decision,
            what="outbound touches",
        ),
    ]


def balance_by(balance: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per group (campaign_id, channel, staff_id, month …): touches, gives, asks, give/ask ratio,
    ask-only share and response rate with its 95% interval (``response_low``/``response_high``)."""
    flags = [c for c in ("gives_any", "asks_any", "ask_only", "responded") if c in balance]
    key = month_of(balance["occurred_at"]) if by == "month" else balance[by]
    g = balance[flags].groupby(key.rename(by))
    out = pd.DataFrame(
        {
            "touches": g.size(),
            "gives": g["gives_any"].sum(),
            "asks": g["asks_any"].sum(),
            "ask_only_share": g["ask_only"].mean().astype(float),
        }
    )
    if "responded" in balance:
        out["response_rate"] = g["responded"].mean().astype(float)
        out["response_low"], out["response_high"] = share_interval(g["responded"].sum(), out["touches"])
    out["give_ask_ratio"] = ratios(out["gives"], out["asks"])
    return out.reset_index()


SELECTION_COLUMNS = ["occurred_at", "channel", "kind", "gives_any", "asks_any", "ask_only", "responded"]


def selected(balance: pd.DataFrame, **chosen: str) -> pd.DataFrame:
    """The touches of one selection: ``column=value`` pairs ("all" keeps every value), e.g.
    ``selected(balance, channel="sms", staff_id="all")``, with the columns the selection's views
    read (:data:`SELECTION_COLUMNS`; taking every column of millions of touches is most of a
    filter's time)."""
    keep = np.ones(len(balance), bool)
    for column, value in chosen.items():
        if value != "all":
            keep &= balance[column].eq(value).fillna(False).to_numpy(bool)
    return balance.loc[keep, [c for c in SELECTION_COLUMNS if c in balance]]


def selection_balance(picked: pd.DataFrame) -> pd.DataFrame:
    """:func:`balance_by` over the touches of one selection (:func:`selected`), as a single row."""
    flags = [c for c in ("gives_any", "asks_any", "ask_only", "responded") if c in picked]
    return balance_by(picked[flags].assign(selection="selection"), "selection")


def month_of(timestamps: pd.Series) -> pd.Series:
    """The first day of each timestamp's month."""
    return rules.period_start(timestamps).rename("month")


def kind_by_month(balance: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Touches per month by kind (ask only, give only, gives and asks, neither) — for a stacked
    chart; ``partial`` marks the month as_of cuts short."""
    out = balance.groupby([month_of(balance["occurred_at"]), balance["kind"]]).size().rename("touches").reset_index()
    return out.assign(partial=rules.is_partial(out["month"], as_of))


def customer_balance(balance: pd.DataFrame, streaks: pd.Series, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per customer: touches, gives, asks, give/ask ratio, longest ask streak, days since the last give."""
    code, ids = pd.factorize(balance["customer_id"], sort=True)
    gives, asks = balance["gives_any"].to_numpy(bool), balance["asks_any"].to_numpy(bool)
    n = len(ids)
    out = pd.DataFrame(
        {
            "touches": np.bincount(code, minlength=n),
            "gives": np.bincount(code[gives], minlength=n),
            "asks": np.bincount(code[asks], minlength=n),
        },
        index=pd.Index(ids, name="customer_id"),
    )
    out["give_ask_ratio"] = ratios(out["gives"], out["asks"])
    out["longest_ask_streak"] = streaks
    last_give = pd.Series(rules.days(balance["occurred_at"])[gives]).groupby(code[gives]).max()
    out["days_since_last_give"] = (rules.day(as_of) - last_give.reindex(range(n))).to_numpy(float)
    return out.reset_index()


def streak_distribution(streaks: pd.Series, cap: int = 10) -> pd.DataFrame:
    """Customers by their longest ask-only streak (streaks of ``cap`` or more pooled)."""
    capped = streaks.clip(upper=cap)
    out = capped.value_counts().sort_index().rename_axis("longest_ask_streak").reset_index(name="customers")
    out["label"] = out["longest_ask_streak"].astype(str).where(out["longest_ask_streak"] < cap, f"{cap}+")
    return out


def suppression_list(offers: pd.DataFrame, min_irrelevant: int = 2) -> pd.DataFrame:
    """Customers who received ``min_irrelevant`` or more offers for a make they do not own: which
    offers to stop sending them, and why."""
    who = ["customer_id", "offer_make"]
    bad = offers.loc[offers["irrelevant"], [*who, "campaign_id"]]
    counts = bad.groupby(who).size()
    counts = counts[counts >= min_irrelevant]
    g = pd.DataFrame({"offers": counts, "campaigns": _campaigns_named(bad, counts.index)}).reset_index()
    g["why"] = g["offers"].astype(str) + " offers for " + g["offer_make"] + ", and no " + g["offer_make"] + " on file"
    return g.rename(columns={"offer_make": "stop_offers_for"}).sort_values("offers", ascending=False, ignore_index=True)


def _campaigns_named(offers: pd.DataFrame, pairs: pd.MultiIndex) -> pd.Series:
    """For each (customer_id, offer_make) of ``pairs``: the campaigns its ``offers`` came in, each
    once, in order, joined by ", " (blank when none named one); joined by Arrow, not per pair."""
    who = list(pairs.names)
    named = offers.dropna(subset=["campaign_id"]).drop_duplicates()
    named = named[named.set_index(who).index.isin(pairs)].sort_values([*who, "campaign_id"], ignore_index=True)
    first = named[who].ne(named[who].shift()).any(axis=1).to_numpy()  # a pair's first campaign
    offsets = pa.array(np.r_[np.flatnonzero(first), len(named)], pa.int32())
    campaigns = pa.array(named["campaign_id"].array, pa.large_string())
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, campaigns), pa.scalar(", ", pa.large_string()))
    found = pd.Series(pd.array(joined, dtype="str"), index=pd.MultiIndex.from_frame(named.loc[first, who]))
    return found.reindex(pairs, fill_value="")


def response_by_kind(balance: pd.DataFrame) -> pd.DataFrame:
    """Response rate per channel for giving touches and for ask-only touches, with counts and 95%
    intervals (``lower``/``upper``)."""
    gives, ask_only = balance["gives_any"].to_numpy(bool), balance["ask_only"].to_numpy(bool)
    chosen = gives | ask_only
    channel, channels = pd.factorize(balance["channel"], sort=True)
    b = pd.DataFrame(
        {
            "channel": channel[chosen],
            "kind": gives[chosen].astype(int),
            "responded": balance["responded"].to_numpy(bool)[chosen],
        }
    )
    out = (
        b[b["channel"] >= 0]
        .groupby(["channel", "kind"])
        .agg(touches=("responded", "size"), response_rate=("responded", "mean"), responded=("responded", "sum"))
        .reset_index()
    )
    out["lower"], out["upper"] = share_interval(out.pop("responded"), out["touches"])
    out["channel"] = channels[out["channel"].to_numpy()]
    out["kind"] = np.array(["asks only", "gives"])[out["kind"].to_numpy()]  # in this order, as text sorts
    return out


def balance_by_campaign(balance: pd.DataFrame, campaigns: pd.DataFrame | None) -> pd.DataFrame:
    """:func:`balance_by` campaign with each campaign's name, the most ask-only first."""
    out = balance_by(balance, "campaign_id").sort_values("ask_only_share", ascending=False)
    names = campaigns.set_index("campaign_id")["name"] if campaigns is not None else None
    out.insert(1, "name", out["campaign_id"].map(names) if names is not None else "")
    return out


def choices(balance: pd.DataFrame, column: str) -> list[str]:
    """A filter's options: "all", then every value of ``column`` in order."""
    return ["all", *sorted(balance[column].dropna().unique())]


def tired_customers(customers: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The customers (:func:`customer_balance`) whose longest ask-only streak is ``threshold`` or more."""
    return customers[customers["longest_ask_streak"] >= threshold]


def offers_by_make(offers: pd.DataFrame) -> pd.DataFrame:
    """Per offered make: offers sent and the share that went to customers owning none of that make."""
    return (
        offers.groupby("offer_make")
        .agg(
            offers=("touch_id", "size"),
            irrelevant_share=("irrelevant", "mean"),
            unknown_ownership_share=("unknown_ownership", "mean"),
        )
        .reset_index()
    )


def response_evidence(balance: pd.DataFrame) -> pd.DataFrame:
    """Response within 7 days of giving touches against ask-only touches, each with its count and
    95% interval and the two-proportion test between them (rows ``gives`` and ``asks only``; see
    :func:`toolkit.analyses.evidence.shares_vs_rest`)."""
    from toolkit.analyses.evidence import shares_vs_rest

    gives, ask_only = balance["gives_any"].to_numpy(bool), balance["ask_only"].to_numpy(bool)
    responded = balance["responded"].to_numpy(bool)
    successes = pd.Series({"gives": int(responded[gives].sum()), "asks only": int(responded[ask_only].sum())})
    trials = pd.Series({"gives": int(gives.sum()), "asks only": int(ask_only.sum())})
    return shares_vs_rest(successes, trials)
