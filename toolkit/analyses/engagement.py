"""Engagement: are customers opening, clicking, visiting and attending — and what goes with revenue?

Events are e-mail opens and clicks, website visits, clinic and event
attendance, reviews and referrals (``events.type``). A customer is *engaged*
in a window when they have at least one event in it. The model links each
type of engagement in a look-back window to revenue in the following window
(non-internal repair orders plus sales gross): an association with a
confidence interval, never proof that the engagement caused the revenue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from toolkit import joins, rules
from toolkit.analyses.evidence import share_interval
from toolkit.inputs.schema import EVENT_TYPES
from toolkit.rules import RESPONSE_DAYS, YEAR, in_window

# Points per event in the engagement score: stronger signals of interest weigh more.
SCORE_WEIGHTS = {"email_open": 1, "email_click": 3, "web_visit": 2, "clinic": 5, "event": 5, "review": 4, "referral": 8}
SCORE_HALF_LIFE_DAYS = 180  # an event's points halve every 180 days
MIN_CUSTOMERS = 200  # fewer customers than this and the model is flagged as too small to trust
MIN_EVENTS_PER_TYPE = 20  # an event type seen fewer times gets no estimate


def activity_kpis(customers: pd.DataFrame, events: pd.DataFrame, as_of: pd.Timestamp) -> dict:
    """``engaged_share_90d``: share of customers with an event dated as_of − 89 days to as_of;
    ``events_by_type``: events of each type up to as_of."""
    recent = events["customer_id"][in_window(events["occurred_at"], as_of, 90)]
    engaged = joins.isin(customers["customer_id"], recent)
    counts = joins.value_counts(events["type"])
    return {
        "engaged_share_90d": float(engaged.mean()) if len(customers) else None,
        "events_by_type": {t: int(counts.get(t, 0)) for t in EVENT_TYPES},
    }


def top_event_type(activity: dict) -> str:
    """The most common type of engagement (:func:`activity_kpis`' ``events_by_type``)."""
    counts = activity["events_by_type"]
    return max(counts, key=counts.get)


def events_by_month(events: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Events per month and type; ``partial`` marks the month as_of cuts short."""
    month = rules.period_start(events["occurred_at"]).rename("month")
    out = events.groupby([month, "type"]).size().rename("events").reset_index()
    return out.assign(partial=rules.is_partial(out["month"], as_of))


def engagement_scores(customers: pd.DataFrame, events: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per customer: the engagement score — points per event (``SCORE_WEIGHTS``) over the last
    365 days, each event's points halving every 180 days — and days since their last event."""
    who, event_who = joins.codes(customers["customer_id"], events["customer_id"])
    day, today = rules.days(events["occurred_at"]), rules.day(as_of)
    recent = in_window(events["occurred_at"], as_of, YEAR) & (event_who >= 0)
    kind, kinds = pd.factorize(events["type"])
    weight = np.array([SCORE_WEIGHTS.get(k, 0) for k in kinds] + [0], float)[kind]
    points = weight[recent] * 0.5 ** ((today - day[recent]) / SCORE_HALF_LIFE_DAYS)
    score = pd.Series(points).groupby(event_who[recent]).sum()
    known = event_who >= 0
    last = pd.Series(day[known]).groupby(event_who[known]).max()
    out = customers[["customer_id", "salesperson_id"]].copy()
    out["score"] = score.reindex(who, fill_value=0.0).to_numpy()
    since = today - last.reindex(who).to_numpy()
    out["days_since_last_event"] = since if np.isnan(since).any() else since.astype(np.int64)
    return out


def engagement_by_segment(scores: pd.DataFrame, sales: pd.DataFrame, by: str = "buyer") -> pd.DataFrame:
    """Mean score and share engaged (score > 0) with its 95% interval, by segment: ``buyer`` (bought
    here or not) or a column."""
    s = pd.DataFrame({"score": scores["score"], "engaged": scores["score"] > 0})
    key = (
        pd.Series(
            np.where(joins.isin(scores["customer_id"], sales["customer_id"]), "bought here", "never bought"),
            index=scores.index,
            name="buyer",
        )
        if by == "buyer"
        else scores[by]
    )
    out = (
        s.groupby(key)
        .agg(customers=("score", "size"), mean_score=("score", "mean"), engaged=("engaged", "sum"))
        .reset_index()
    )
    out["engaged_share"] = out["engaged"] / out["customers"]
    out["engaged_low"], out["engaged_high"] = share_interval(out.pop("engaged"), out["customers"])
    return out


def campaign_funnels(touches: pd.DataFrame, events: pd.DataFrame, campaigns: pd.DataFrame | None) -> pd.DataFrame:
    """Per campaign: sent → opened → clicked → visited the website within 7 days (shares of sent),
    with the open rate's 95% interval (``opened_low``/``opened_high``).

    Opens and clicks count when the event names the touch (or the campaign) and the customer."""
    campaign, campaign_ids = pd.factorize(touches["campaign_id"], sort=True)
    channel, channel_names = pd.factorize(touches["channel"], sort=True)
    named_touch = joins.rows_of(events["touch_id"], touches["touch_id"])
    event_who, who = joins.codes(events["customer_id"], touches["customer_id"])
    event_campaign = joins.positions(events["campaign_id"], campaign_ids)
    kind = events["type"].to_numpy(object)
    flags = {}
    for name, event_type in (("opened", "email_open"), ("clicked", "email_click")):
        chosen = kind == event_type
        named = np.zeros(len(touches) + 1, bool)
        named[named_touch[chosen]] = True  # the last slot collects events that name no known touch
        flags[name] = named[:-1] | joins.isin_pairs((who, campaign), (event_who[chosen], event_campaign[chosen]))
    visits = kind == "web_visit"
    flags["visited"] = joins.followed_within(
        who, touches["occurred_at"], event_who[visits], events["occurred_at"][visits], RESPONSE_DAYS, exact=True
    )
    sent = campaign >= 0
    out = pd.DataFrame({"campaign": campaign, "channel_code": channel, **flags})[sent]
    out = out.groupby(["campaign", "channel_code"]).agg(
        sent=("opened", "size"), opened=("opened", "mean"), clicked=("clicked", "mean"), visited=("visited", "mean")
    )
    out = out.reset_index()
    out["opened_low"], out["opened_high"] = share_interval((out["opened"] * out["sent"]).round(), out["sent"])
    out.insert(0, "campaign_id", campaign_ids[out.pop("campaign").to_numpy()])
    out.insert(1, "channel", channel_names[out.pop("channel_code").to_numpy()])
    if campaigns is not None and "name" in campaigns:
        out.insert(1, "name", out["campaign_id"].map(campaigns.set_index("campaign_id")["name"]))
    return out


def email_rates(funnels: pd.DataFrame) -> dict:
    """The mean open and click rates of the e-mail campaigns (:func:`campaign_funnels`); None
    when there is no e-mail campaign."""
    email = funnels[funnels["channel"] == "email"]
    return {rate: float(email[rate].mean()) if len(email) else None for rate in ("opened", "clicked")}


def weak_emails(funnels: pd.DataFrame) -> pd.DataFrame:
    """The e-mail campaigns whose open rate is below the other e-mail campaigns' beyond chance
    (each against the rest pooled, Holm-corrected, at least 20 sent), weakest first, with their
    95% intervals (:func:`toolkit.analyses.evidence.shares_vs_rest`)."""
    from toolkit.analyses.evidence import shares_vs_rest

    email = funnels[funnels["channel"] == "email"]
    if email.empty:
        return pd.DataFrame(columns=["n", "share", "lower", "upper", "rest", "verdict"])
    email = email.set_index("campaign_id")
    opened = (email["opened"] * email["sent"]).round()
    evidence = shares_vs_rest(opened, email["sent"])
    return evidence[evidence["verdict"] == "below"].sort_values("share")


def email_totals(funnels: pd.DataFrame) -> tuple[int, int, int]:
    """(Campaign e-mails opened, clicked, sent), pooled over the e-mail campaigns: the measure of
    the industry open and click rates' definition."""
    email = funnels[funnels["channel"] == "email"]
    sent = email["sent"].to_numpy(float)
    return (int(round((email["opened"] * sent).sum())), int(round((email["clicked"] * sent).sum())), int(sent.sum()))


def score_bands(scores: pd.DataFrame, width: int = 2, top: int = 20) -> pd.DataFrame:
    """Customers per band of engagement score (``width`` points a band; ``top`` and above pooled)."""
    band = (scores["score"] // width * width).clip(upper=top)
    bins = scores.assign(band=band).groupby("band").size().rename("customers").reset_index()
    return bins.assign(band=bins["band"].map(lambda v: f"{v:.0f}+"))


@dataclass
class History:
    """Customers' events and revenue as integer codes and day numbers, prepared once so that the
    model's windows can move (the look-back and outcome sliders) without touching text again."""

    customers: pd.DataFrame  # customer_id, created_day (NaN when unknown)
    event_who: np.ndarray  # row in customers, -1 for an unknown customer
    event_day: np.ndarray
    event_type: np.ndarray  # position in EVENT_TYPES
    revenue_who: np.ndarray
    revenue_day: np.ndarray
    revenue_amount: np.ndarray  # non-internal repair order totals, then sales gross


def history(customers: pd.DataFrame, events: pd.DataFrame, sales: pd.DataFrame, repair_orders: pd.DataFrame) -> History:
    """The :class:`History` behind the revenue model."""
    ro = repair_orders[rules.is_paid(repair_orders)]
    _, event_who, ro_who, sale_who = joins.codes(
        customers["customer_id"], events["customer_id"], ro["customer_id"], sales["customer_id"]
    )
    created = customers["created_at"].to_numpy("datetime64[D]")
    return History(
        customers=pd.DataFrame(
            {
                "customer_id": customers["customer_id"].reset_index(drop=True),
                "created_day": np.where(np.isnat(created), np.nan, created.astype(np.int64)),
            }
        ),
        event_who=event_who,
        event_day=rules.days(events["occurred_at"]),
        event_type=joins.positions(events["type"], pd.Series(EVENT_TYPES, dtype="str")),
        revenue_who=np.concatenate([ro_who, sale_who]),
        revenue_day=np.concatenate([rules.days(ro["opened_at"]), rules.days(sales["sold_at"])]),
        revenue_amount=np.concatenate(
            [ro["total"].fillna(0).to_numpy(float), rules.sales_gross(sales).to_numpy(float)]
        ),
    )


def model_frame(
    customers: pd.DataFrame,
    events: pd.DataFrame,
    sales: pd.DataFrame,
    repair_orders: pd.DataFrame,
    as_of: pd.Timestamp,
    lookback_days: int = 365,
    outcome_days: int = 180,
) -> pd.DataFrame:
    """One row per customer: event counts by type in the look-back window before the cut
    (as_of − outcome_days), tenure in years and revenue in the look-back window (controls), and
    revenue in the outcome window after the cut."""
    return frame_from(history(customers, events, sales, repair_orders), as_of, lookback_days, outcome_days)


def frame_from(hist: History, as_of: pd.Timestamp, lookback_days: int = 365, outcome_days: int = 180) -> pd.DataFrame:
    """:func:`model_frame` from a prepared :class:`History` (what a window slider recomputes)."""
    end = rules.day(as_of)
    cut = end - outcome_days
    created = hist.customers["created_day"].to_numpy()
    rows = np.flatnonzero(np.isnan(created) | (created <= cut))
    n = len(hist.customers)
    frame = pd.DataFrame({"customer_id": hist.customers["customer_id"].iloc[rows].reset_index(drop=True)})
    past = (hist.event_day > cut - lookback_days) & (hist.event_day <= cut) & (hist.event_who >= 0)
    for i, t in enumerate(EVENT_TYPES):
        chosen = past & (hist.event_type == i)
        frame[t] = np.bincount(hist.event_who[chosen], minlength=n)[rows].astype(float)
    frame["tenure_years"] = np.clip(np.nan_to_num((cut - created[rows]) / 365.25, nan=0.0), 0, None)
    frame["prior_revenue"] = _revenue_in(hist, cut, lookback_days)[rows]
    frame["revenue"] = _revenue_in(hist, end, outcome_days)[rows]
    return frame


def _revenue_in(hist: History, end: int, days: int) -> np.ndarray:
    """Revenue per customer (indexed by row) dated in the ``days`` days ending on day ``end``."""
    chosen = (hist.revenue_day > end - days) & (hist.revenue_day <= end) & (hist.revenue_who >= 0)
    total = pd.Series(hist.revenue_amount[chosen]).groupby(hist.revenue_who[chosen]).sum()
    return total.reindex(range(len(hist.customers)), fill_value=0.0).to_numpy()


@dataclass
class RevenueModel:
    """The fitted association: per event type, revenue per extra event with a 95% interval."""

    coefficients: pd.DataFrame  # type, estimate, lower, upper, events
    customers: int
    r2_holdout: float | None
    mae_holdout: float | None
    mae_baseline: float | None
    warnings: list[str]

    def association(self) -> dict:
        """``revenue_association`` for results.json: type → estimate, lower, upper (None when not estimated)."""
        out = {}
        for row in self.coefficients.itertuples():
            out[row.type] = {"estimate": _num(row.estimate), "lower": _num(row.lower), "upper": _num(row.upper)}
        return out


def _num(v):
    return None if pd.isna(v) else float(v)


def _data_warnings(frame: pd.DataFrame, used: list[str]) -> list[str]:
    """What limits the revenue model before it is fitted: few customers, rare event types, revenue
    that does not vary."""
    warnings = []
    if len(frame) < MIN_CUSTOMERS:
        warnings.append(f"Only {len(frame)} customers: too few for a reliable model (at least {MIN_CUSTOMERS} wanted).")
    skipped = [t for t in EVENT_TYPES if t not in used]
    if skipped:
        warnings.append(
            f"No estimate for {', '.join(skipped)}: fewer than {MIN_EVENTS_PER_TYPE} such events in the look-back window."
        )
    if frame["revenue"].nunique() < 2:
        warnings.append(
            "Every customer has the same revenue in the outcome window (the data holds no repair-order totals or "
            "sale gross to tell them apart), so there is nothing to associate engagement with."
        )
    return warnings


def fit_revenue_model(frame: pd.DataFrame, holdout_share: float = 0.25, seed: int = 0) -> RevenueModel:
    """Least squares of outcome-window revenue on look-back event counts, controlling for tenure
    and prior revenue, with heteroskedasticity-robust (HC3) 95% intervals; fit on 75% of customers
    and checked on the held-out 25% against a model of the controls alone."""
    from statsmodels.regression.linear_model import OLS  # lighter than statsmodels.api
    from statsmodels.tools.tools import add_constant

    totals = frame[list(EVENT_TYPES)].sum()
    used = [t for t in EVENT_TYPES if totals[t] >= MIN_EVENTS_PER_TYPE]
    warnings = _data_warnings(frame, used)
    controls = ["tenure_years", "prior_revenue"]
    empty = pd.DataFrame(
        {
            "type": list(EVENT_TYPES),
            "estimate": np.nan,
            "lower": np.nan,
            "upper": np.nan,
            "p": np.nan,
            "events": [int(totals[t]) for t in EVENT_TYPES],
        }
    )
    if len(frame) < 10 or not used or frame["revenue"].nunique() < 2:
        return RevenueModel(empty, len(frame), None, None, None, warnings)
    rng = np.random.default_rng(seed)
    test = rng.random(len(frame)) < holdout_share
    X = add_constant(frame[used + controls].astype(float), has_constant="add")
    y = frame["revenue"].astype(float)
    fit = OLS(y[~test], X[~test]).fit(cov_type="HC3")
    ci = fit.conf_int(0.05)
    coefficients = empty.copy()
    for t in used:
        i = coefficients.index[coefficients["type"] == t][0]
        coefficients.loc[i, ["estimate", "lower", "upper", "p"]] = [
            fit.params[t],
            ci.loc[t, 0],
            ci.loc[t, 1],
            fit.pvalues[t],
        ]
    r2 = mae = mae_base = None
    if test.sum() >= 10:
        pred = fit.predict(X[test])
        resid = y[test] - pred
        r2 = float(1 - (resid**2).sum() / ((y[test] - y[test].mean()) ** 2).sum())
        mae = float(resid.abs().mean())
        Xb = add_constant(frame[controls].astype(float), has_constant="add")
        base = OLS(y[~test], Xb[~test]).fit()
        mae_base = float((y[test] - base.predict(Xb[test])).abs().mean())
        if r2 < 0.02:
            warnings.append(
                f"The model explains little of the held-out revenue (R² {r2:.2f}); read the estimates as weak signals."
            )
    return RevenueModel(coefficients, len(frame), r2, mae, mae_base, warnings)


ALLOCATION_COLUMNS = [
    "channel",
    "cost",
    "events",
    "associated",
    "low",
    "high",
    "per_cost",
    "per_cost_low",
    "per_cost_high",
]


def _credited_events(touches: pd.DataFrame, events: pd.DataFrame) -> dict[str, pd.Series]:
    """Per channel, the events of each type that name one of its campaign touches."""
    touch = joins.rows_of(events["touch_id"], touches["touch_id"])
    credit = touch >= 0
    credit[credit] = touches["campaign_id"].notna().to_numpy()[touch[credit]]  # campaign touches only
    channel, channels = pd.factorize(touches["channel"])
    kind, kinds = pd.factorize(events["type"])
    credited_channel = channel[touch[credit]]
    types = pd.Series(kinds[kind[credit]], dtype="str")
    return {channels[c]: types[credited_channel == c].value_counts() for c in np.unique(credited_channel)}


def allocation(
    model: RevenueModel,
    touches: pd.DataFrame,
    events: pd.DataFrame,
    campaigns: pd.DataFrame | None,
    cost_overrides: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Revenue associated per unit of campaign cost, by channel.

    Events that name a campaign touch are credited to that touch's channel and
    valued at their type's estimate (lower/upper for the interval); cost is the
    channel's campaign cost (``cost_overrides`` replaces a channel's total)."""
    if campaigns is None or not campaigns[["cost", "channel"]].notna().all(axis=1).any():
        return pd.DataFrame(columns=ALLOCATION_COLUMNS)  # no campaign has both a cost and a channel
    coef = model.coefficients.set_index("type")
    by_channel = _credited_events(touches, events)
    rows = []
    cost = campaigns.groupby("channel")["cost"].sum().astype(float)
    for channel, c in {**cost.to_dict(), **(cost_overrides or {})}.items():
        counts = by_channel.get(channel, pd.Series(dtype=int))
        value = {
            b: float(
                sum(
                    n * (coef.loc[t, b] if t in coef.index and pd.notna(coef.loc[t, b]) else 0)
                    for t, n in counts.items()
                )
            )
            for b in ("estimate", "lower", "upper")
        }
        rows.append(
            {
                "channel": channel,
                "cost": float(c),
                "events": int(counts.sum()),
                "associated": value["estimate"],
                "low": value["lower"],
                "high": value["upper"],
            }
        )
    out = pd.DataFrame(rows)
    for col, src in (("per_cost", "associated"), ("per_cost_low", "low"), ("per_cost_high", "high")):
        out[col] = rules.ratios(out[src], out["cost"])
    return out.sort_values("per_cost", ascending=False, ignore_index=True)


def budget_shift(alloc: pd.DataFrame, source: str, target: str, amount: float) -> dict:
    """The change in associated revenue from moving ``amount`` of spend from ``source`` to
    ``target``, assuming each channel's revenue per unit of cost holds at the margin (a strong
    assumption: returns usually fall as spend grows). Returns estimate, low, high."""
    a = alloc.set_index("channel")
    if source not in a.index or target not in a.index or source == target:
        return {"estimate": 0.0, "low": 0.0, "high": 0.0}
    est = amount * (a.loc[target, "per_cost"] - a.loc[source, "per_cost"])
    low = amount * (a.loc[target, "per_cost_low"] - a.loc[source, "per_cost_high"])
    high = amount * (a.loc[target, "per_cost_high"] - a.loc[source, "per_cost_low"])
    return {"estimate": float(est), "low": float(low), "high": float(high)}


def clear_associations(model: RevenueModel) -> pd.DataFrame:
    """The event types that go with more later revenue beyond doubt: a positive estimate whose
    p-value stays under 5% after correcting for how many types were tested (Holm), in a model that
    predicts held-out customers better than tenure and prior revenue alone. Empty otherwise."""
    from statsmodels.stats.multitest import multipletests

    from toolkit.analyses.evidence import ALPHA

    estimated = model.coefficients.dropna(subset=["p"])
    beats_baseline = (
        model.mae_holdout is not None and model.mae_baseline is not None and (model.mae_holdout < model.mae_baseline)
    )
    if estimated.empty or not beats_baseline:
        return estimated.iloc[0:0]
    adjusted = multipletests(estimated["p"].to_numpy(float), alpha=ALPHA, method="holm")[1]
    return estimated[(adjusted < ALPHA) & (estimated["estimate"] > 0).to_numpy()].sort_values(
        "estimate", ascending=False
    )


def returns_separate(alloc: pd.DataFrame, source: str, target: str) -> bool:
    """Whether ``target``'s revenue per unit of cost is above ``source``'s beyond their intervals."""
    a = alloc.set_index("channel")
    return bool(a.loc[target, "per_cost_low"] > a.loc[source, "per_cost_high"])


def lapsed(scores: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Customers with no engagement in over a year, or none ever, with ``reachable``: they opted in
    to e-mail or text messages (the others must be asked for consent before any re-engagement
    message)."""
    quiet = scores["days_since_last_event"].gt(YEAR) | scores["days_since_last_event"].isna()
    out = scores[(scores["score"] == 0) & quiet]
    consent = customers.set_index("customer_id")[["email_opt_in", "sms_opt_in"]].fillna(False).astype(bool)
    reachable = consent.any(axis=1).reindex(out["customer_id"], fill_value=False).to_numpy()
    return out.assign(reachable=reachable)


def kpis(activity: dict, model: RevenueModel, alloc: pd.DataFrame) -> dict:
    """The engagement KPIs: ``engaged_share_90d`` and ``events_by_type`` (:func:`activity_kpis`),
    ``revenue_association`` (per event type: estimate, lower, upper) and ``allocation`` (per
    channel: cost, associated revenue, revenue per unit of cost with its interval)."""
    return {**activity, "revenue_association": model.association(), "allocation": allocation_kpi(alloc)}


def allocation_kpi(alloc: pd.DataFrame) -> dict:
    """``allocation`` for results.json: channel → cost, associated revenue, revenue per unit of cost (with interval)."""
    return {
        r.channel: {
            "cost": r.cost,
            "associated_revenue": r.associated,
            "revenue_per_cost": _num(r.per_cost),
            "low": _num(r.per_cost_low),
            "high": _num(r.per_cost_high),
        }
        for r in alloc.itertuples()
    }


def shift_controls(alloc: pd.DataFrame) -> tuple[list[str], int, int]:
    """For the budget what-if: the channels, the largest amount to move (the biggest channel's
    cost) and a starting amount (a tenth of the smallest channel's cost)."""
    if not len(alloc):
        return ["email"], 1000, 100
    return list(alloc["channel"]), int(alloc["cost"].max()), int(0.1 * alloc["cost"].min())
