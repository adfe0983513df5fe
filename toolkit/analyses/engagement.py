"""Engagement: are customers opening, clicking, visiting and attending — and what goes with revenue?

Events are e-mail opens and clicks, website visits, clinic and event
attendance, reviews and referrals (``events.type``). A customer is *engaged*
in a window when they have at least one event in it. The model links each
type of engagement in a look-back window to customer-pay service spend in the
following window: an association with a confidence interval, checked on held-out
customers, never proof that the engagement caused the spend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from toolkit import joins, rules
from toolkit.analyses import trends
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


def trend_measure(customers: pd.DataFrame, events: pd.DataFrame) -> trends.Measure:
    """``engaged_share`` by month: of all customers (n), the share with at least one event in the
    month. The same customers come back every month, so a quarter counts each of them once."""
    store = trends.stores_of(customers)
    who = joins.positions(events["customer_id"], customers["customer_id"])
    known = who >= 0
    engaged = pd.DataFrame(
        {"month": rules.period_start(events["occurred_at"][known]).to_numpy(), "who": who[known]}
    ).drop_duplicates()
    engaged["store"] = store[engaged["who"].to_numpy()]
    num = engaged.groupby(["month", "store"]).size().rename("num")
    size = pd.Series(store).value_counts().rename("units")
    months = engaged["month"].unique()
    grid = pd.MultiIndex.from_product([sorted(months), size.index], names=["month", "store"])
    sums = num.reindex(grid, fill_value=0).reset_index()
    sums["units"] = sums["store"].map(size)
    return trends.repeated_share("engaged_share", sums, what="customers")


def headline_measures(customers: pd.DataFrame, events: pd.DataFrame, as_of: pd.Timestamp) -> list[trends.Measure]:
    """``engaged_share_90d`` (as :func:`activity_kpis`), for :func:`toolkit.analyses.trends.by_store`."""
    recent = events["customer_id"][in_window(events["occurred_at"], as_of, 90)]
    engaged = joins.isin(customers["customer_id"], recent)
    return [
        trends.snapshot("engaged_share_90d", "share", as_of, engaged, store=customers.get("store_id"), what="customers")
    ]


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


def named_touches(events: pd.DataFrame, touches: pd.DataFrame) -> np.ndarray:
    """For each event, the row of the touch it names (its ``touch_id``), -1 when it names none:
    found once for the campaign funnels and the channels' credit (:func:`credited_events`)."""
    return joins.rows_of(events["touch_id"], touches["touch_id"])


def campaign_funnels(
    touches: pd.DataFrame, events: pd.DataFrame, campaigns: pd.DataFrame | None, named_touch: np.ndarray
) -> pd.DataFrame:
    """Per campaign: sent → opened → clicked → visited the website within 7 days (shares of sent),
    with the open rate's 95% interval (``opened_low``/``opened_high``).

    Opens and clicks count when the event names the touch (``named_touch``, from
    :func:`named_touches`) or the campaign, and the customer."""
    campaign, campaign_ids = pd.factorize(touches["campaign_id"], sort=True)
    channel, channel_names = pd.factorize(touches["channel"], sort=True)
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
    """Customers' events, messages received and service spend as integer codes and day numbers,
    prepared once so that the model's windows can move (the look-back and outcome sliders) without
    touching text again."""

    customers: pd.DataFrame  # customer_id, created_day (NaN when unknown)
    event_who: np.ndarray  # row in customers, -1 for an unknown customer
    event_day: np.ndarray
    event_type: np.ndarray  # position in EVENT_TYPES
    message_who: np.ndarray  # outbound touches: whom the dealership sent something
    message_day: np.ndarray
    revenue_who: np.ndarray
    revenue_day: np.ndarray
    revenue_amount: np.ndarray  # customer-pay repair order totals


def history(
    customers: pd.DataFrame, events: pd.DataFrame, touches: pd.DataFrame, repair_orders: pd.DataFrame
) -> History:
    """The :class:`History` behind the revenue model."""
    ro = repair_orders.loc[rules.is_customer_pay(repair_orders), ["customer_id", "opened_at", "total"]]
    sent = touches.loc[rules.is_outbound(touches), ["customer_id", "occurred_at"]]  # not every column copied
    _, event_who, message_who, ro_who = joins.codes(
        customers["customer_id"], events["customer_id"], sent["customer_id"], ro["customer_id"]
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
        message_who=message_who,
        message_day=rules.days(sent["occurred_at"]),
        revenue_who=ro_who,
        revenue_day=rules.days(ro["opened_at"]),
        revenue_amount=ro["total"].fillna(0).to_numpy(float),
    )


def model_frame(
    customers: pd.DataFrame,
    events: pd.DataFrame,
    touches: pd.DataFrame,
    repair_orders: pd.DataFrame,
    as_of: pd.Timestamp,
    lookback_days: int = 365,
    outcome_days: int = 180,
) -> pd.DataFrame:
    """One row per customer known at the cut (as_of − outcome_days): event counts by type in the
    look-back window before the cut; the controls — tenure in years, customer-pay service spend
    in the look-back window (``prior_revenue``), messages the dealership sent them in it
    (``messages``, their exposure) and ``short_history`` (1 when they became a customer inside
    the look-back window, so their counts cover less time); and ``revenue``, their customer-pay
    service spend in the outcome window after the cut."""
    return frame_from(history(customers, events, touches, repair_orders), as_of, lookback_days, outcome_days)


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
    frame["prior_revenue"] = _sum_in(hist.revenue_who, hist.revenue_day, hist.revenue_amount, n, cut, lookback_days)[
        rows
    ]
    messages = np.ones(len(hist.message_who))
    frame["messages"] = _sum_in(hist.message_who, hist.message_day, messages, n, cut, lookback_days)[rows]
    frame["short_history"] = (created[rows] > cut - lookback_days).astype(float)  # NaN (unknown) compares false
    frame["revenue"] = _sum_in(hist.revenue_who, hist.revenue_day, hist.revenue_amount, n, end, outcome_days)[rows]
    return frame


def _sum_in(who: np.ndarray, day: np.ndarray, amount: np.ndarray, n: int, end: int, days: int) -> np.ndarray:
    """Per customer (indexed by row, ``n`` of them), the ``amount`` dated in the ``days`` days
    ending on day ``end``."""
    chosen = (day > end - days) & (day <= end) & (who >= 0)
    return np.bincount(who[chosen], weights=amount[chosen], minlength=n).astype(float)


CONTROLS = ("tenure_years", "log_prior_revenue", "messages", "short_history")
# Shown, never valued in money: mail-privacy features "open" every message themselves.
DIAGNOSTIC_TYPES = ("email_open",)
TWEEDIE_POWER = 1.5  # spend that is often zero and otherwise positive and skewed
CV_FOLDS = 5  # the out-of-sample check predicts each fifth of customers from the other four fifths
MIN_PER_FOLD = 10  # fewer customers than folds × this and the model is not checked out of sample
CV_CUSTOMERS = 40_000  # a dealer group is checked on this many customers drawn at random: plenty to tell
# the model from its baseline, and ten fits on 200,000 customers would double the render's time and memory


@dataclass
class RevenueModel:
    """The fitted association: per event type, the customer-pay service spend in the outcome
    window that goes with one more such event in the look-back window (the average over customers
    of the model's marginal effect), with its 95% interval and p-value; ``covariance`` of those
    per-event amounts (for any sum or difference of them); and how well the model predicts
    customers it was not fitted on against one with the controls alone (mean Tweedie deviance per
    customer under five-fold cross-validation: the model's error, lower is better)."""

    coefficients: pd.DataFrame  # type, estimate, lower, upper, p, events, diagnostic
    customers: int
    deviance_holdout: float | None
    deviance_baseline: float | None
    warnings: list[str]
    covariance: pd.DataFrame | None = None  # per-event amounts' covariance, indexed by type

    def association(self) -> dict:
        """``revenue_association`` for results.json: type → estimate, lower, upper (None when not estimated)."""
        out = {}
        for row in self.coefficients.itertuples():
            out[row.type] = {"estimate": _num(row.estimate), "lower": _num(row.lower), "upper": _num(row.upper)}
        return out

    @property
    def beats_baseline(self) -> bool:
        """Whether the model predicts held-out customers' spend better than their history alone."""
        return (
            self.deviance_holdout is not None
            and self.deviance_baseline is not None
            and self.deviance_holdout < self.deviance_baseline
        )

    @property
    def error_change(self) -> float | None:
        """How much smaller (negative) or larger the model's error on held-out customers is than
        that of their history alone, as a share of the latter; None when it was not checked."""
        if self.deviance_holdout is None or not self.deviance_baseline:
            return None
        return self.deviance_holdout / self.deviance_baseline - 1


def _num(v):
    return None if pd.isna(v) else float(v)


def _data_warnings(frame: pd.DataFrame, used: list[str]) -> list[str]:
    """What limits the revenue model before it is fitted: few customers, rare event types, spend
    that does not vary, customers whose look-back is cut short."""
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
            "Every customer has the same service spend in the outcome window (the data holds no customer-pay "
            "repair-order totals to tell them apart), so there is nothing to associate engagement with."
        )
    short = int(frame["short_history"].sum()) if "short_history" in frame else 0
    if short:
        warnings.append(
            f"{short:,} of {len(frame):,} customers became customers inside the look-back window: their counts cover "
            "less time, and the model allows for it (short_history)."
        )
    return warnings


def _design(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    from statsmodels.tools.tools import add_constant

    X = frame.assign(log_prior_revenue=np.log1p(frame["prior_revenue"].clip(lower=0)))[columns].astype(float)
    return add_constant(X, has_constant="add")


FIT_METHODS = ("newton", "irls")  # Newton first (the deviance is convex here); IRLS where it fails


def _fit(y: pd.Series, X: pd.DataFrame):
    """A Tweedie GLM with a log link and heteroskedasticity-robust (HC1) errors, or None when it
    does not converge. Newton's method with the exact Hessian reaches the same coefficients as
    statsmodels' default IRLS (to about 1e-11 on the dealer group) in a third of the iterations,
    which is what a window slider waits for; IRLS is tried when Newton does not converge."""
    import warnings as python_warnings

    from statsmodels.genmod.families import Tweedie
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    model = GLM(y, X, family=Tweedie(var_power=TWEEDIE_POWER))
    for method in FIT_METHODS:
        with python_warnings.catch_warnings():
            python_warnings.simplefilter("error", ConvergenceWarning)
            python_warnings.simplefilter("ignore", PerfectSeparationWarning)
            python_warnings.simplefilter("ignore", RuntimeWarning)  # an overflowing Newton step: IRLS next
            try:
                fit = model.fit(method=method, cov_type="HC1", maxiter=100, disp=False)
            except (ConvergenceWarning, ValueError, np.linalg.LinAlgError):
                continue
        if np.isfinite(fit.params).all() and (method == "irls" or fit.mle_retvals.get("converged")):
            return fit
    return None


def fit_revenue_model(frame: pd.DataFrame, folds: int = CV_FOLDS, seed: int = 0) -> RevenueModel:
    """Each customer's customer-pay service spend in the outcome window on their event counts in
    the look-back window, controlling for tenure, past spend, the messages they were sent and a
    shortened look-back: a Tweedie GLM (log link; spend that is often zero) with robust 95%
    intervals, fit on every customer and checked by ``folds``-fold cross-validation against the
    same model of the controls alone (:func:`held_out_deviance`). A type's estimate is the spend
    one more event goes with, averaged over customers; e-mail opens are estimated as a diagnostic
    only (:data:`DIAGNOSTIC_TYPES`)."""
    totals = frame[list(EVENT_TYPES)].sum()
    used = [t for t in EVENT_TYPES if totals[t] >= MIN_EVENTS_PER_TYPE]
    warnings = _data_warnings(frame, used)
    empty = pd.DataFrame(
        {
            "type": list(EVENT_TYPES),
            "estimate": np.nan,
            "lower": np.nan,
            "upper": np.nan,
            "p": np.nan,
            "events": [int(totals[t]) for t in EVENT_TYPES],
            "diagnostic": [t in DIAGNOSTIC_TYPES for t in EVENT_TYPES],
        }
    )
    if len(frame) < 10 or not used or frame["revenue"].nunique() < 2:
        return RevenueModel(empty, len(frame), None, None, warnings)
    controls = [c for c in CONTROLS if c != "short_history" or frame["short_history"].nunique() > 1]
    X, y = _design(frame, used + controls), frame["revenue"].astype(float)
    fit = _fit(y, X)
    if fit is None:
        warnings.append("The model did not converge on this data, so it gives no estimates.")
        return RevenueModel(empty, len(frame), None, None, warnings)
    spend = float(fit.predict(X).mean())  # d(mean spend)/d(events) = coefficient × mean spend (log link)
    ci = fit.conf_int(0.05)
    coefficients = empty.copy().set_index("type")
    coefficients.loc[used, "estimate"] = fit.params[used].to_numpy() * spend
    coefficients.loc[used, "lower"] = ci.loc[used, 0].to_numpy() * spend
    coefficients.loc[used, "upper"] = ci.loc[used, 1].to_numpy() * spend
    coefficients.loc[used, "p"] = fit.pvalues[used].to_numpy()
    covariance = fit.cov_params().loc[used, used] * spend**2
    checked = len(frame) >= folds * MIN_PER_FOLD
    deviance = held_out_deviance(y, X, folds, seed) if checked else None
    baseline = held_out_deviance(y, _design(frame, controls), folds, seed) if checked else None
    return RevenueModel(coefficients.reset_index(), len(frame), deviance, baseline, warnings, covariance)


def held_out_deviance(y: pd.Series, X: pd.DataFrame, folds: int, seed: int) -> float | None:
    """The model's error on customers it was not fitted on: each customer's spend is predicted by
    the model fitted on the other folds, and the Tweedie deviance of those predictions (the
    measure the model is fitted by) is averaged over customers. Above :data:`CV_CUSTOMERS`
    customers, on that many drawn at random (the same ones for every model, given ``seed``).
    None when a fold's fit fails."""
    from statsmodels.genmod.families import Tweedie

    rng = np.random.default_rng(seed)
    if len(y) > CV_CUSTOMERS:
        kept = np.sort(rng.choice(len(y), CV_CUSTOMERS, replace=False))
        y, X = y.iloc[kept], X.iloc[kept]
    fold = rng.integers(0, folds, len(y))
    total = 0.0
    for i in range(folds):
        test = fold == i
        fit = _fit(y[~test], X[~test])
        if fit is None:
            return None
        predicted = fit.predict(X[test]).to_numpy(float)
        total += float(Tweedie(var_power=TWEEDIE_POWER).deviance(y[test].to_numpy(float), predicted))
    return total / len(y) if np.isfinite(total) else None


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
CREDITED = "credited_"  # allocation columns counting each event type credited to the channel


def credited_events(touches: pd.DataFrame, events: pd.DataFrame, named_touch: np.ndarray) -> dict[str, pd.Series]:
    """Per channel, the events of each type that name one of its campaign touches (``named_touch``:
    the row each event names, from :func:`named_touches`). It does not depend on the model's
    windows, so the window sliders reuse it."""
    credit = named_touch >= 0
    credit[credit] = touches["campaign_id"].notna().to_numpy()[named_touch[credit]]  # campaign touches only
    channel, channels = pd.factorize(touches["channel"])
    kind, kinds = pd.factorize(events["type"])
    credited_channel = channel[named_touch[credit]]
    types = pd.Series(kinds[kind[credit]], dtype="str")
    return {channels[c]: types[credited_channel == c].value_counts() for c in np.unique(credited_channel)}


def valued_types(model: RevenueModel) -> list[str]:
    """The event types valued in money: estimated, and not a diagnostic."""
    if model.covariance is None:
        return []
    return [t for t in model.covariance.index if t not in DIAGNOSTIC_TYPES]


def _interval(weights: pd.Series, model: RevenueModel) -> tuple[float, float, float]:
    """Estimate, low and high (95%) of Σ weight × per-event amount, from the model's covariance."""
    types = valued_types(model)
    if not types or model.covariance is None:
        return 0.0, 0.0, 0.0
    w = weights.reindex(types, fill_value=0.0).to_numpy(float)
    coef = model.coefficients.set_index("type").loc[types, "estimate"].to_numpy(float)
    estimate = float(w @ coef)
    spread = 1.959964 * float(np.sqrt(max(w @ model.covariance.loc[types, types].to_numpy() @ w, 0.0)))
    return estimate, estimate - spread, estimate + spread


def allocation(
    model: RevenueModel,
    by_channel: dict[str, pd.Series],
    campaigns: pd.DataFrame | None,
    cost_overrides: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Service spend associated with each channel, and per unit of its campaign cost.

    Events that name a campaign touch are credited to that touch's channel (``by_channel``, from
    :func:`credited_events`) and valued at their type's per-event amount (opens are not valued);
    the interval comes from the model's covariance; cost is the channel's campaign cost
    (``cost_overrides`` replaces a channel's total). The ``credited_<type>`` columns hold the
    counts behind each row."""
    if campaigns is None or not campaigns[["cost", "channel"]].notna().all(axis=1).any():
        return pd.DataFrame(columns=ALLOCATION_COLUMNS)  # no campaign has both a cost and a channel
    rows = []
    cost = campaigns.groupby("channel")["cost"].sum().astype(float)
    for channel, c in {**cost.to_dict(), **(cost_overrides or {})}.items():
        counts = by_channel.get(channel, pd.Series(dtype=int)).reindex(list(EVENT_TYPES), fill_value=0)
        estimate, low, high = _interval(counts.astype(float), model)
        rows.append(
            {
                "channel": channel,
                "cost": float(c),
                "events": int(counts.reindex(valued_types(model) or list(EVENT_TYPES), fill_value=0).sum()),
                "associated": estimate,
                "low": low,
                "high": high,
                **{CREDITED + t: int(counts[t]) for t in EVENT_TYPES},
            }
        )
    out = pd.DataFrame(rows)
    for col, src in (("per_cost", "associated"), ("per_cost_low", "low"), ("per_cost_high", "high")):
        out[col] = rules.ratios(out[src], out["cost"])
    columns = ALLOCATION_COLUMNS + [CREDITED + t for t in EVENT_TYPES]
    return out[columns].sort_values("per_cost", ascending=False, ignore_index=True)


def budget_shift(model: RevenueModel, alloc: pd.DataFrame, source: str, target: str, amount: float) -> dict:
    """The change in associated service spend from moving ``amount`` of spend from ``source`` to
    ``target``, assuming each channel's events per unit of cost hold at the margin (a strong
    assumption: returns usually fall as spend grows). Returns estimate, low, high: the interval
    from the model's covariance, so the two channels' uncertainties are not simply added."""
    a = alloc.set_index("channel")
    if source not in a.index or target not in a.index or source == target:
        return {"estimate": 0.0, "low": 0.0, "high": 0.0}
    per_cost = {
        c: a.loc[c, [CREDITED + t for t in EVENT_TYPES]].astype(float) / a.loc[c, "cost"] for c in (source, target)
    }
    weights = amount * (per_cost[target] - per_cost[source])
    weights.index = list(EVENT_TYPES)
    estimate, low, high = _interval(weights, model)
    return {"estimate": estimate, "low": low, "high": high}


def clear_associations(model: RevenueModel, sign: int = 1) -> pd.DataFrame:
    """The event types that go with more (``sign`` 1) or less (−1) later service spend beyond
    doubt: a p-value under 5% after correcting for how many types were tested (Holm), in a model
    that predicts held-out customers better than their history alone. Diagnostics (opens) are
    never among them. Empty otherwise."""
    from statsmodels.stats.multitest import multipletests

    from toolkit.analyses.evidence import ALPHA

    estimated = model.coefficients.dropna(subset=["p"])
    if estimated.empty or not model.beats_baseline:
        return estimated.iloc[0:0]
    adjusted = multipletests(estimated["p"].to_numpy(float), alpha=ALPHA, method="holm")[1]
    keep = (
        (adjusted < ALPHA)
        & (np.sign(estimated["estimate"]) == sign).to_numpy()
        & ~estimated["diagnostic"].to_numpy(bool)
    )
    return estimated[keep].sort_values("estimate", ascending=sign < 0)


def shift_is_clear(model: RevenueModel, shift: dict) -> bool:
    """Whether moving money is supported: the model beats its baseline out of sample, at least one
    event type's association survives the correction for testing them all (either way), and the
    shift's whole 95% interval is a gain. A model that edges past its baseline with no clear
    effect is no reason to move money, however its arithmetic comes out."""
    clear = not clear_associations(model, 1).empty or not clear_associations(model, -1).empty
    return model.beats_baseline and clear and shift["low"] > 0


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
