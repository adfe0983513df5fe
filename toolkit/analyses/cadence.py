"""Sold follow-up cadence and the hand-off to service.

After a sale the dealership should touch the buyer in each step of a cadence
plan (``data/cadence.toml``: a window of whole days after the sale per step)
and hand the buyer to service: a first appointment set within 30 days, shown,
and the buyer back for service within the year. Day counts are whole calendar
days between the dates of two timestamps; an outbound touch is one whose
``direction`` is outbound or blank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit import joins, rules
from toolkit.analyses import trends
from toolkit.analyses.contacts import with_staff_names
from toolkit.analyses.evidence import ranked
from toolkit.errors import UsageError
from toolkit.rules import FIRST_SERVICE_DAYS, YEAR, share, window_closed

EDITABLE_DAYS = 2 * YEAR  # how far the plan editor's windows reach (touch pairs are computed that far)


def horizon(plan: pd.DataFrame) -> int:
    """How many days after a sale the touch pairs must reach: the plan's last window, a year for
    the first-year counts, and two years so the plan editor can move windows without recomputing."""
    return max(EDITABLE_DAYS, int(plan["end"].max()) if len(plan) else 0)


def touches_after_sales(sales: pd.DataFrame, touches: pd.DataFrame, max_days: int) -> pd.DataFrame:
    """Every (sale, outbound touch of the same customer) pair 0..max_days days after the sale:
    ``sale`` and ``touch`` (row positions in ``sales`` and ``touches``), ``day`` (whole days after
    the sale), ``template``, ``after_sale`` (the touch is at or after the sale's moment: a touch
    earlier on the sale day is not follow-up), ``follow_up`` (:func:`toolkit.rules.is_follow_up`
    and after the sale) and ``campaign`` (a campaign touch after the sale).
    ``attrs["max_days"]`` records how far the pairs reach."""
    sale_customer, touch_customer = joins.codes(sales["customer_id"], touches["customer_id"])
    touch_customer[~rules.is_outbound(touches)] = -1
    sale, touch = joins.pair_rows(sale_customer, touch_customer)
    day = rules.days(touches["occurred_at"])[touch] - rules.days(sales["sold_at"])[sale]
    keep = (day >= 0) & (day <= max_days)
    sale, touch = sale[keep], touch[keep]
    after = (
        touches["occurred_at"].to_numpy("datetime64[ns]")[touch] >= sales["sold_at"].to_numpy("datetime64[ns]")[sale]
    )
    pairs = pd.DataFrame(
        {
            "sale": sale.astype(np.int32),
            "touch": touch,
            "day": day[keep].astype(np.int32),
            "template": touches["template"].array.take(touch),
            "after_sale": after,
            "follow_up": after & rules.is_follow_up(touches)[touch],
            "campaign": after & touches["campaign_id"].notna().to_numpy(bool)[touch],
        }
    )
    pairs.attrs["max_days"] = max_days
    return pairs


PER_SALE = ["deal_id", "customer_id", "sold_at", "salesperson_id", "condition", "days_since_sale"]


def sale_follow_up(
    sales: pd.DataFrame,
    pairs: pd.DataFrame,
    appointments: pd.DataFrame,
    repair_orders: pd.DataFrame,
    plan: pd.DataFrame,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """One row per sale (in the order of ``sales``): each step met (True/False, NA while its window
    is still open), days to the first touch, touches and personalised touches in the first year,
    the longest silence in the first year, and the hand-off to service (first appointment set,
    shown, back within 12 months). ``pairs`` is :func:`touches_after_sales` for these sales."""
    out = sales[_kept(sales, PER_SALE[:-1])].reset_index(drop=True)
    out["days_since_sale"] = rules.day(as_of) - rules.days(out["sold_at"])
    out = plan_steps(out, pairs, plan)
    n = len(out)
    sale, day = pairs["sale"].to_numpy(), pairs["day"].to_numpy()
    within = (day <= max(YEAR, int(plan["end"].max()) if len(plan) else 0)) & counted(pairs, plan)
    first = pd.Series(day[within]).groupby(sale[within]).min()
    out["days_to_first_touch"] = first.reindex(range(n)).to_numpy(float)
    year = day <= YEAR
    personal = pairs["template"].eq(False).fillna(False).to_numpy(bool)
    out["touches_first_year"] = np.bincount(sale[year], minlength=n)
    out["personalised_first_year"] = np.bincount(sale[year & personal], minlength=n)
    out["longest_silence"] = _longest_silence(out["days_since_sale"].to_numpy(), sale[year], day[year])
    return pd.concat([out, _hand_off(sales, appointments, repair_orders, as_of)], axis=1)


def _kept(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """``columns`` and, for a dealer group, ``store_id``: what a sale's row carries along."""
    return [*columns, *(["store_id"] if "store_id" in frame else [])]


class FollowUps:
    """The follow-up of every sale (:func:`sale_follow_up`) under any plan, each plan computed once:
    the plan editor redraws several views for the same edited plan."""

    def __init__(self, sales, pairs, appointments, repair_orders, as_of):
        self.args = (sales, pairs, appointments, repair_orders)
        self.as_of = as_of
        self.done: dict[tuple, pd.DataFrame] = {}

    def of(self, plan: pd.DataFrame) -> pd.DataFrame:
        """One row per sale under ``plan``; raises UsageError for a plan the touches cannot tell."""
        key = (tuple(map(tuple, plan[["step", "start", "end"]].itertuples(index=False))), plan.attrs.get("counts"))
        if key not in self.done:
            sales, pairs, appointments, repair_orders = self.args
            self.done[key] = sale_follow_up(sales, pairs, appointments, repair_orders, plan, self.as_of)
        return self.done[key]


def plan_steps(per_sale: pd.DataFrame, pairs: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """The sales with one column per step of ``plan`` (met True/False, NA while its window is still
    open), ``steps_met`` and ``steps_due`` — all the plan editor needs to recompute on an edit."""
    reach = pairs.attrs.get("max_days")
    if reach is not None and len(plan) and plan["end"].max() > reach:
        raise UsageError(
            f"a window ends on day {int(plan['end'].max())}; the touches were paired with sales "
            f"up to day {reach} only (recompute them with cadence.horizon(plan))"
        )
    out = _steps_met(per_sale[_kept(per_sale, PER_SALE)].copy(), pairs, counted(pairs, plan), plan)
    steps = list(plan["step"])
    out["steps_met"] = out[steps].sum(axis=1).astype(int)
    out["steps_due"] = out[steps].notna().sum(axis=1)
    return out


def _steps_met(out: pd.DataFrame, pairs: pd.DataFrame, chosen: np.ndarray, plan: pd.DataFrame) -> pd.DataFrame:
    """``out`` (sales with days_since_sale) with a column per step: met by a ``chosen`` pair in its
    window, NA while the window is still open."""
    age = out["days_since_sale"].to_numpy()
    sale, day = pairs["sale"].to_numpy()[chosen], pairs["day"].to_numpy()[chosen]
    for step in plan.itertuples():
        met = np.zeros(len(out), bool)
        met[sale[(day >= step.start) & (day <= step.end)]] = True
        out[step.step] = pd.array(met, dtype="boolean")
        out.loc[~window_closed(age, step.end), step.step] = pd.NA
    return out


SOURCES = {"follow_up": "a person's follow-up", "campaign": "campaign broadcasts"}


def compliance_by_source(per_sale: pd.DataFrame, pairs: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """Per step: the share of eligible sales with a person's follow-up touch in the window, beside
    the share with a campaign broadcast in it (which the plan does not count), with counts and
    95% intervals — so campaign mail is seen for what it is, not credited to the salesperson."""
    from toolkit.analyses.evidence import share_interval

    rows = []
    for column, source in SOURCES.items():
        met = _steps_met(per_sale[["days_since_sale"]].copy(), pairs, pairs[column].to_numpy(bool), plan)
        for step in plan["step"]:
            known = met[step].dropna()
            rows.append({"step": step, "source": source, "eligible_sales": len(known), "met": int(known.sum())})
    out = pd.DataFrame(rows)
    out["compliance"] = out["met"] / out["eligible_sales"].where(out["eligible_sales"] > 0)
    out["lower"], out["upper"] = share_interval(out["met"], out["eligible_sales"])
    return out


def counted(pairs: pd.DataFrame, plan: pd.DataFrame) -> np.ndarray:
    """Which touch pairs can meet a step of ``plan``: a person's follow-up touches, or every
    outbound touch after the sale when the plan says ``counts = "all"``."""
    column = "after_sale" if plan.attrs.get("counts", "follow_up") == "all" else "follow_up"
    return pairs[column].to_numpy(bool)


def _longest_silence(age: np.ndarray, sale: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Longest run of days without an outbound touch between the sale and min(365 days, as_of),
    per sale, from the first-year touch pairs."""
    n = len(age)
    rows = np.concatenate([np.arange(n), sale, np.arange(n)])
    days = np.concatenate([np.zeros(n, np.int64), day, np.clip(age, 0, YEAR)])
    ordered = np.sort(rows * (YEAR + 1) + days)  # by sale, then day: one integer sort
    rows, days = ordered // (YEAR + 1), ordered % (YEAR + 1)
    same = rows[1:] == rows[:-1]
    longest = np.zeros(n, np.int64)
    np.maximum.at(longest, rows[1:][same], np.diff(days)[same])
    return longest


def _hand_off(
    sales: pd.DataFrame, appointments: pd.DataFrame, repair_orders: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    n = len(sales)
    today = rules.day(as_of)
    sold = rules.days(sales["sold_at"])
    customer, appt_customer, ro_customer = joins.codes(
        sales["customer_id"], appointments["customer_id"], repair_orders["customer_id"]
    )
    sale, appt = joins.pair_rows(customer, appt_customer)
    set_day = rules.days(appointments["set_at"])[appt] - sold[sale]
    keep = (set_day >= 0) & (set_day <= FIRST_SERVICE_DAYS)
    sale, appt, set_day = sale[keep], appt[keep], set_day[keep]
    scheduled = appointments["scheduled_for"].to_numpy("datetime64[ns]")[appt]
    order = np.lexsort((scheduled, appointments["set_at"].to_numpy("datetime64[ns]")[appt], sale))
    first = order[np.r_[True, sale[order][1:] != sale[order][:-1]]] if len(order) else order
    has = np.zeros(n, bool)
    has[sale[first]] = True
    at_delivery = np.zeros(n, bool)
    at_delivery[sale[first][set_day[first] == 0]] = True
    due = pd.array([pd.NA] * n, dtype="boolean")
    due[sale[first]] = rules.days(pd.Series(scheduled[first])) <= today
    shown = pd.array([pd.NA] * n, dtype="boolean")
    shown[sale[first]] = appointments["status"].to_numpy()[appt[first]] == "shown"
    sale, ro = joins.pair_rows(customer, ro_customer)
    paid = rules.is_paid(repair_orders)[ro]
    ro_day = rules.days(repair_orders["opened_at"])[ro] - sold[sale]
    back = paid & (ro_day >= 1)
    first_service = pd.Series(ro_day[back]).groupby(sale[back]).min().reindex(range(n))
    return pd.DataFrame(
        {
            "first_appointment_set": has,
            "first_appointment_set_at_delivery": at_delivery,
            "first_appointment_due": due,
            "first_appointment_shown": shown,
            "days_to_first_service": first_service.astype("Float64").array,
        }
    )


def kpis(per_sale: pd.DataFrame, pairs: pd.DataFrame, plan: pd.DataFrame) -> dict:
    """The sold_follow_up KPIs.

    - ``step_compliance``: step → share of sales whose window has closed with ≥1 follow-up touch in
      it (a person's touch for the buyer after the sale; every outbound touch if the plan's
      ``counts`` is "all");
    - ``full_cadence_share``: of sales old enough for every step, the share that met every step;
    - ``personalised_share``: of outbound touches 0–365 days after a sale of their customer, the
      share not sent from a template;
    - ``first_service_set_share``: of sales ≥ 30 days old, the share with an appointment set 0–30
      days after the sale;
    - ``first_service_show_rate``: of those first appointments already due, the share shown;
    - ``service_retention_12m``: of sales ≥ 365 days old, the share whose buyer opened a
      non-internal repair order 1–365 days after the sale;
    - ``median_days_to_first_touch``: over sales with a follow-up touch, the median days to the first.
    """
    steps = list(plan["step"])
    full = per_sale[per_sale[steps].notna().all(axis=1)]
    first_year = pairs[pairs["day"] <= YEAR].drop_duplicates("touch")
    old = per_sale[window_closed(per_sale["days_since_sale"], FIRST_SERVICE_DAYS)]
    due = per_sale[per_sale["first_appointment_due"].fillna(False).astype(bool)]
    year_old = per_sale[window_closed(per_sale["days_since_sale"], YEAR)]
    retained = year_old["days_to_first_service"].le(YEAR).fillna(False)
    first_touch = per_sale["days_to_first_touch"].dropna()
    return {
        "step_compliance": {s: share(per_sale[s]) for s in steps},
        "full_cadence_share": share(full[steps].all(axis=1)),
        "personalised_share": share(first_year["template"].eq(False).fillna(False)),
        "first_service_set_share": share(old["first_appointment_set"]),
        "first_service_show_rate": share(due["first_appointment_shown"]),
        "service_retention_12m": share(retained),
        "median_days_to_first_touch": float(first_touch.median()) if len(first_touch) else None,
    }


def trend_measure(per_sale: pd.DataFrame) -> trends.Measure:
    """``first_service_set_share`` by month of sale, over sales at least 30 days old (so their
    window has closed): the share with a first service appointment set 0–30 days after the sale;
    n counts those sales."""
    old = per_sale[window_closed(per_sale["days_since_sale"], FIRST_SERVICE_DAYS)]
    return trends.measure(
        "first_service_set_share",
        "share",
        old["sold_at"],
        old["first_appointment_set"].fillna(False),
        store=old.get("store_id"),
        what="sales at least 30 days old",
    )


def headline_measures(per_sale: pd.DataFrame, plan: pd.DataFrame, as_of: pd.Timestamp) -> list[trends.Measure]:
    """The headline KPIs (as :func:`kpis` defines them), for :func:`toolkit.analyses.trends.by_store`."""
    steps = list(plan["step"])
    full = per_sale[per_sale[steps].notna().all(axis=1)]
    year_old = per_sale[window_closed(per_sale["days_since_sale"], YEAR)]
    return [
        trends.snapshot(
            "full_cadence_share",
            "share",
            as_of,
            full[steps].all(axis=1),
            store=full.get("store_id"),
            what="sales old enough for every step",
        ),
        trends.snapshot(
            "service_retention_12m",
            "share",
            as_of,
            year_old["days_to_first_service"].le(YEAR).fillna(False),
            store=year_old.get("store_id"),
            what="sales at least a year old",
        ),
    ]


def compliance_by(per_sale: pd.DataFrame, plan: pd.DataFrame, by: str) -> pd.DataFrame:
    """Step compliance per group (salesperson, month of sale, condition …): long form with the
    group, step, eligible sales, the share that met the step and its 95% interval."""
    from toolkit.analyses.evidence import share_interval

    per_sale = per_sale.assign(month=rules.period_start(per_sale["sold_at"]))
    rows = []
    for step in plan["step"]:
        eligible = per_sale[per_sale[step].notna()]
        g = eligible.groupby(by)[step].agg(["size", "mean"]).reset_index()
        rows.append(g.rename(columns={"size": "eligible_sales", "mean": "compliance"}).assign(step=step))
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    out["compliance"] = out["compliance"].astype(float)
    if len(out):
        out["lower"], out["upper"] = share_interval(out["compliance"] * out["eligible_sales"], out["eligible_sales"])
    return out


def summarise_salespeople(
    per_sale: pd.DataFrame, plan: pd.DataFrame, staff: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per salesperson: sales, steps met of steps due with its 95% interval and how it compares
    with everyone else (:func:`salesperson_evidence`), personalised share of first-year touches,
    median days to first touch, first service set and 12-month retention — the follow-up scorecard.
    Ranked by step compliance, those too few to tell last."""
    g = per_sale.groupby("salesperson_id")
    people = salesperson_evidence(per_sale)
    out = pd.DataFrame(
        {
            "sales": g.size(),
            "step_compliance": rules.ratios(g["steps_met"].sum(), g["steps_due"].sum()),
            "compliance_low": people["lower"],
            "compliance_high": people["upper"],
            "against_the_rest": people["verdict"],
            "personalised_share": rules.ratios(g["personalised_first_year"].sum(), g["touches_first_year"].sum()),
            "median_days_to_first_touch": g["days_to_first_touch"].median(),
            "median_longest_silence": g["longest_silence"].median(),
            "first_service_set": g["first_appointment_set"].mean(),
        }
    )
    year_old = per_sale[window_closed(per_sale["days_since_sale"], YEAR)]
    out["retention_12m"] = year_old.groupby("salesperson_id")["days_to_first_service"].apply(
        lambda d: d.le(YEAR).fillna(False).mean()
    )
    return ranked(with_staff_names(out.reset_index(), staff), "step_compliance")


def salesperson_evidence(per_sale: pd.DataFrame) -> pd.DataFrame:
    """Per salesperson: steps met of steps due against everyone else's, with the 95% interval,
    the Holm-corrected test and a verdict (:func:`toolkit.analyses.evidence.shares_vs_rest`); ``n``
    is the salesperson's sales with a step due, which is what "too few to tell" counts."""
    from toolkit.analyses.evidence import shares_vs_rest

    g = per_sale[per_sale["steps_due"] > 0].groupby("salesperson_id")
    return shares_vs_rest(g["steps_met"].sum(), g["steps_due"].sum(), counts=g.size())


def step_evidence(per_sale: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """Per step: the share of eligible sales that met it against the other steps pooled, with the
    95% interval, the Holm-corrected test and a verdict; ``n`` is the eligible sales."""
    from toolkit.analyses.evidence import shares_vs_rest

    steps = list(plan["step"])
    met = pd.Series({s: int(per_sale[s].dropna().sum()) for s in steps})
    eligible = pd.Series({s: int(per_sale[s].notna().sum()) for s in steps})
    return shares_vs_rest(met, eligible)


def touch_heatmap(pairs: pd.DataFrame, per_sale: pd.DataFrame, weeks: int = 53) -> pd.DataFrame:
    """Outbound touches per sale by week since the sale and salesperson (for a heatmap)."""
    p = pairs[pairs["day"] < weeks * 7]
    code, names = pd.factorize(per_sale["salesperson_id"], sort=True)
    counts = pd.DataFrame({"who": code[p["sale"].to_numpy()], "week": p["day"].to_numpy().astype(np.int64) // 7})
    counts = counts[counts["who"] >= 0].groupby(["who", "week"]).size().rename("touches").reset_index()
    counts.insert(0, "salesperson_id", names[counts.pop("who").to_numpy()])
    sales = per_sale.groupby("salesperson_id").size()
    counts["touches_per_sale"] = counts["touches"].astype("float64") / counts["salesperson_id"].map(sales).astype(
        "float64"
    )  # float even when no sale names its salesperson
    return counts


def compared_by(per_sale: pd.DataFrame) -> str:
    """What the retention curves set side by side: the stores of a dealer group, else the
    salespeople of one store."""
    return "store_id" if "store_id" in per_sale and per_sale["store_id"].nunique() > 1 else "salesperson_id"


def retention_curves(
    per_sale: pd.DataFrame, by: str | None = "salesperson_id", max_days: int = 730, every: int = 1
) -> pd.DataFrame:
    """Kaplan–Meier share of buyers back for (non-internal) service by days since the sale.

    Time is days from the sale to the first non-internal repair order; a buyer
    not yet back is censored at ``as_of``. Returns group, day and share_returned
    (1 − survival), with a 95% confidence band (statsmodels ``SurvfuncRight``). With ``every``
    above 1 each curve keeps its last step in every ``every`` days (a chart of many groups stays
    within what a report can draw; the share at each kept day is exact).
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    rows = []
    groups = per_sale.groupby(by) if by else [("all buyers", per_sale)]
    for name, grp in groups:
        returned = grp["days_to_first_service"].notna()
        time = grp["days_to_first_service"].fillna(grp["days_since_sale"]).astype(float).clip(lower=0.5)
        if returned.sum() == 0:
            continue
        sf = SurvfuncRight(time.to_numpy(), returned.to_numpy().astype(int))
        band = 1.96 * np.nan_to_num(sf.surv_prob_se)
        curve = pd.DataFrame(
            {
                "day": sf.surv_times,
                "share_returned": 1 - sf.surv_prob,
                "low": np.clip(1 - sf.surv_prob - band, 0, 1),
                "high": np.clip(1 - sf.surv_prob + band, 0, 1),
            }
        )
        if every > 1:
            curve = curve.groupby(curve["day"] // every).tail(1)
        curve = pd.concat([pd.DataFrame({"day": [0.0], "share_returned": [0.0], "low": [0.0], "high": [0.0]}), curve])
        rows.append(curve[curve["day"] <= max_days].assign(group=name))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["day", "share_returned", "group"])


def call_list(per_sale: pd.DataFrame, plan: pd.DataFrame, within_days: int = 120) -> pd.DataFrame:
    """Recent buyers to call: sold in the last ``within_days`` days with a missed step, or no
    first service appointment set once a week has passed. Oldest sale first."""
    recent = per_sale[per_sale["days_since_sale"] <= within_days].copy()
    steps = list(plan["step"])
    missed = recent[steps].eq(False).fillna(False).to_numpy(bool)
    recent["missed_steps"] = [", ".join(s for s, m in zip(steps, row) if m) for row in missed]
    no_appt = ~recent["first_appointment_set"] & (recent["days_since_sale"] >= 7)
    out = recent[(recent["missed_steps"] != "") | no_appt].copy()
    out["no_first_appointment"] = no_appt[out.index]
    out["sold_on"] = out["sold_at"].dt.date.astype(str)
    cols = [
        "deal_id",
        "customer_id",
        "salesperson_id",
        "sold_on",
        "days_since_sale",
        "missed_steps",
        "no_first_appointment",
    ]
    return out[cols].sort_values("days_since_sale", ascending=False, ignore_index=True)


def sale_years(per_sale: pd.DataFrame) -> tuple[int, int]:
    """The first and last year of sale (for a year-range filter)."""
    years = per_sale["sold_at"].dt.year.dropna()
    return (int(years.min()), int(years.max())) if len(years) else (2000, 2000)


def funnel(per_sale: pd.DataFrame) -> pd.DataFrame:
    """The hand-off funnel over sales at least a year old: sold → first appointment set → shown →
    back for service within 12 months (each a share of sold)."""
    old = per_sale[window_closed(per_sale["days_since_sale"], YEAR)]
    n = len(old)
    stages = [
        ("sold", n),
        ("first appointment set (0-30 days)", int(old["first_appointment_set"].sum())),
        ("first appointment shown", int(old["first_appointment_shown"].fillna(False).astype(bool).sum())),
        ("back for service within 12 months", int(old["days_to_first_service"].le(YEAR).fillna(False).sum())),
    ]
    df = pd.DataFrame(stages, columns=["stage", "sales"])
    df["share_of_sold"] = df["sales"] / n if n else np.nan
    return df


def at_delivery(per_sale: pd.DataFrame) -> tuple[int, int]:
    """(Sales whose first service appointment was set on the day of the sale, sales): the measure
    of the at-delivery benchmark's definition."""
    return int(per_sale["first_appointment_set_at_delivery"].sum()), len(per_sale)


def compliance_by_month(per_sale: pd.DataFrame, plan: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The mean of the steps' compliance per month of sale; ``partial`` marks the month as_of cuts
    short."""
    out = compliance_by(per_sale, plan, "month").groupby("month", as_index=False)["compliance"].mean()
    return out.assign(partial=rules.is_partial(out["month"], as_of))


def salespeople(per_sale: pd.DataFrame) -> list[str]:
    """The salespeople with a sale, in order."""
    return sorted(per_sale["salesperson_id"].dropna().unique())


def select_sales(per_sale: pd.DataFrame, who: str, condition: str, years: tuple[int, int]) -> pd.DataFrame:
    """The sales of one salesperson (or ``"everyone"``), one condition (or ``"all"``), sold in ``years``."""
    chosen = rules.of_salesperson(per_sale, who)
    chosen = chosen[chosen["condition"] == condition] if condition != "all" else chosen
    return chosen[chosen["sold_at"].dt.year.between(*years)]
