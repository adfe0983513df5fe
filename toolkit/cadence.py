"""Sold follow-up cadence and the hand-off to service.

After a sale the dealership should touch the buyer in each step of a cadence
plan (``data/cadence.toml``: a window of whole days after the sale per step)
and hand the buyer to service: a first appointment set within 30 days, shown,
and the buyer back for service within the year. Day counts are whole calendar
days between the dates of two timestamps; an outbound touch is one whose
``direction`` is outbound or blank.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.data import outbound_touches
from toolkit.errors import UsageError
from toolkit.resources import read_toml, shipped

FIRST_SERVICE_DAYS = 30  # a first service appointment counts when set 0-30 days after the sale
YEAR = 365


def load_plan(path: str | Path | None = None) -> pd.DataFrame:
    """The cadence plan: step, start, end (days after the sale, inclusive) and label, in window order.

    Raises UsageError naming the file and step when a window is not two whole
    numbers 0 ≤ start ≤ end.
    """
    path = Path(path) if path else shipped("data", "cadence.toml")
    try:
        steps = read_toml(path).get("steps", {})
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: a cadence plan in TOML ({exc})") from None
    if not steps:
        raise UsageError(f"{path}: a cadence plan needs at least one [steps.<name>] table with start and end")
    return plan_from_steps({name: (s.get("start"), s.get("end"), s.get("label", name)) for name, s in steps.items()},
                           source=str(path))


def plan_from_steps(steps: dict[str, tuple], source: str = "the plan") -> pd.DataFrame:
    """A validated plan from ``{step: (start, end[, label])}``, as the plan editor produces."""
    rows = []
    for name, window in steps.items():
        start, end, label = (*window, name)[:3]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)) or not 0 <= start <= end:
            raise UsageError(f"{source}: step {name!r} needs whole days 0 <= start <= end, not {start!r}..{end!r}")
        rows.append({"step": name, "start": start, "end": end, "label": label})
    return pd.DataFrame(rows).sort_values(["start", "end"], ignore_index=True)


def _day(ts: pd.Series) -> pd.Series:
    return ts.dt.normalize()


def touches_after_sales(sales: pd.DataFrame, touches: pd.DataFrame, max_days: int) -> pd.DataFrame:
    """Every (sale, outbound touch of the same customer) pair 0..max_days days after the sale."""
    s = sales[["deal_id", "customer_id", "sold_at"]]
    t = outbound_touches(touches, ["touch_id", "customer_id", "occurred_at", "template"])
    pairs = s.merge(t, on="customer_id")
    pairs["day"] = (_day(pairs["occurred_at"]) - _day(pairs["sold_at"])).dt.days
    return pairs[(pairs["day"] >= 0) & (pairs["day"] <= max_days)].reset_index(drop=True)


def sale_follow_up(sales: pd.DataFrame, touches: pd.DataFrame, appointments: pd.DataFrame,
                   repair_orders: pd.DataFrame, plan: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per sale: each step met (True/False, NA while its window is still open), days to the
    first touch, touches and personalised touches in the first year, the longest silence in the first
    year, and the hand-off to service (first appointment set, shown, back within 12 months)."""
    out = sales[["deal_id", "customer_id", "sold_at", "salesperson_id", "condition"]].copy()
    age = (as_of.normalize() - _day(out["sold_at"])).dt.days
    out["days_since_sale"] = age
    pairs = touches_after_sales(sales, touches, max(YEAR, int(plan["end"].max())))
    for step in plan.itertuples():
        hit = pairs.loc[(pairs["day"] >= step.start) & (pairs["day"] <= step.end), "deal_id"].unique()
        met = out["deal_id"].isin(hit)
        out[step.step] = met.astype("boolean").where(age >= step.end)
    out["steps_met"] = out[list(plan["step"])].sum(axis=1).astype(int)
    out["steps_due"] = out[list(plan["step"])].notna().sum(axis=1)
    first = pairs.groupby("deal_id")["day"].min()
    out["days_to_first_touch"] = out["deal_id"].map(first)
    year = pairs[pairs["day"] <= YEAR]
    out["touches_first_year"] = out["deal_id"].map(year.groupby("deal_id").size()).fillna(0).astype(int)
    out["personalised_first_year"] = out["deal_id"].map(
        year[year["template"].eq(False)].groupby("deal_id").size()).fillna(0).astype(int)
    out["longest_silence"] = _longest_silence(out, year)
    return out.join(_hand_off(sales, appointments, repair_orders, as_of), on="deal_id")


def _longest_silence(per_sale: pd.DataFrame, year: pd.DataFrame) -> pd.Series:
    """Longest run of days without an outbound touch between the sale and min(365 days, as_of)."""
    horizon = per_sale["days_since_sale"].clip(upper=YEAR)
    days = pd.concat([
        pd.DataFrame({"deal_id": per_sale["deal_id"], "day": 0}),
        year[["deal_id", "day"]],
        pd.DataFrame({"deal_id": per_sale["deal_id"], "day": horizon}),
    ]).drop_duplicates().sort_values(["deal_id", "day"])
    gaps = days.groupby("deal_id")["day"].diff()
    return per_sale["deal_id"].map(gaps.groupby(days["deal_id"]).max()).fillna(0).astype(int)


def _hand_off(sales: pd.DataFrame, appointments: pd.DataFrame, repair_orders: pd.DataFrame,
              as_of: pd.Timestamp) -> pd.DataFrame:
    s = sales[["deal_id", "customer_id", "sold_at"]]
    a = s.merge(appointments[["customer_id", "set_at", "scheduled_for", "status"]], on="customer_id")
    a["day"] = (_day(a["set_at"]) - _day(a["sold_at"])).dt.days
    a = a[(a["day"] >= 0) & (a["day"] <= FIRST_SERVICE_DAYS)].sort_values(["deal_id", "set_at", "scheduled_for"])
    first = a.groupby("deal_id").first()
    r = s.merge(repair_orders[["customer_id", "opened_at", "pay_type"]], on="customer_id")
    r = r[r["pay_type"].fillna("customer").ne("internal")]
    r["day"] = (_day(r["opened_at"]) - _day(r["sold_at"])).dt.days
    r = r[r["day"] >= 1]
    out = pd.DataFrame(index=pd.Index(s["deal_id"]))
    out["first_appointment_set"] = out.index.isin(first.index)
    out["first_appointment_set_at_delivery"] = out.index.isin(first.index[first["day"] == 0])
    out["first_appointment_due"] = out.index.map(
        (_day(first["scheduled_for"]) <= as_of.normalize()).to_dict()).astype("boolean")
    out["first_appointment_shown"] = out.index.map(first["status"].eq("shown").to_dict()).astype("boolean")
    out["days_to_first_service"] = out.index.map(r.groupby("deal_id")["day"].min().to_dict()).astype("Float64")
    return out


def _share(mask: pd.Series) -> float | None:
    mask = mask.dropna()
    return float(mask.mean()) if len(mask) else None


def cadence_kpis(per_sale: pd.DataFrame, sales: pd.DataFrame, touches: pd.DataFrame, plan: pd.DataFrame) -> dict:
    """The sold_follow_up KPIs.

    - ``step_compliance``: step → share of sales whose window has closed with ≥1 outbound touch in it;
    - ``full_cadence_share``: of sales old enough for every step, the share that met every step;
    - ``personalised_share``: of outbound touches 0–365 days after a sale of their customer, the
      share not sent from a template;
    - ``first_service_set_share``: of sales ≥ 30 days old, the share with an appointment set 0–30
      days after the sale;
    - ``first_service_show_rate``: of those first appointments already due, the share shown;
    - ``service_retention_12m``: of sales ≥ 365 days old, the share whose buyer opened a
      non-internal repair order 1–365 days after the sale;
    - ``median_days_to_first_touch``: over sales with a touch, the median days to the first one.
    """
    steps = list(plan["step"])
    full = per_sale[per_sale[steps].notna().all(axis=1)]
    pairs = touches_after_sales(sales, touches, YEAR).drop_duplicates("touch_id")
    old = per_sale[per_sale["days_since_sale"] >= FIRST_SERVICE_DAYS]
    due = per_sale[per_sale["first_appointment_due"].fillna(False).astype(bool)]
    year_old = per_sale[per_sale["days_since_sale"] >= YEAR]
    retained = year_old["days_to_first_service"].le(YEAR).fillna(False)
    first_touch = per_sale["days_to_first_touch"].dropna()
    return {
        "step_compliance": {s: _share(per_sale[s]) for s in steps},
        "full_cadence_share": _share(full[steps].all(axis=1)) if len(full) else None,
        "personalised_share": _share(pairs["template"].eq(False).fillna(False)) if len(pairs) else None,
        "first_service_set_share": _share(old["first_appointment_set"]) if len(old) else None,
        "first_service_show_rate": _share(due["first_appointment_shown"]) if len(due) else None,
        "service_retention_12m": _share(retained) if len(year_old) else None,
        "median_days_to_first_touch": float(first_touch.median()) if len(first_touch) else None,
    }


def compliance_by(per_sale: pd.DataFrame, plan: pd.DataFrame, by: str) -> pd.DataFrame:
    """Step compliance per group (salesperson, month of sale, condition …): long form with the
    group, step, eligible sales and the share that met the step."""
    per_sale = per_sale.assign(month=per_sale["sold_at"].dt.to_period("M").dt.to_timestamp())
    rows = []
    for step in plan["step"]:
        eligible = per_sale[per_sale[step].notna()]
        g = eligible.groupby(by)[step].agg(["size", "mean"]).reset_index()
        rows.append(g.rename(columns={"size": "eligible_sales", "mean": "compliance"}).assign(step=step))
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    out["compliance"] = out["compliance"].astype(float)
    return out


def summarise_salespeople(per_sale: pd.DataFrame, plan: pd.DataFrame, staff: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per salesperson: sales, steps met of steps due, personalised share of first-year touches,
    median days to first touch, first service set and 12-month retention — the follow-up scorecard."""
    g = per_sale.groupby("salesperson_id")
    out = pd.DataFrame({
        "sales": g.size(),
        "step_compliance": g["steps_met"].sum() / g["steps_due"].sum().replace(0, np.nan),
        "personalised_share": g["personalised_first_year"].sum() / g["touches_first_year"].sum().replace(0, np.nan),
        "median_days_to_first_touch": g["days_to_first_touch"].median(),
        "median_longest_silence": g["longest_silence"].median(),
        "first_service_set": g["first_appointment_set"].mean(),
    })
    year_old = per_sale[per_sale["days_since_sale"] >= YEAR]
    out["retention_12m"] = year_old.groupby("salesperson_id")["days_to_first_service"].apply(
        lambda d: d.le(YEAR).fillna(False).mean())
    out = out.reset_index()
    if staff is not None and "name" in staff:
        out.insert(1, "name", out["salesperson_id"].map(staff.set_index("staff_id")["name"]))
    return out.sort_values("step_compliance", ascending=False, ignore_index=True)


def touch_heatmap(pairs: pd.DataFrame, per_sale: pd.DataFrame, weeks: int = 53) -> pd.DataFrame:
    """Outbound touches per sale by week since the sale and salesperson (for a heatmap)."""
    p = pairs[pairs["day"] < weeks * 7].merge(per_sale[["deal_id", "salesperson_id"]], on="deal_id")
    p["week"] = p["day"] // 7
    counts = p.groupby(["salesperson_id", "week"]).size().rename("touches").reset_index()
    sales = per_sale.groupby("salesperson_id").size()
    counts["touches_per_sale"] = counts["touches"] / counts["salesperson_id"].map(sales)
    return counts


def retention_curves(per_sale: pd.DataFrame, by: str | None = "salesperson_id", max_days: int = 730) -> pd.DataFrame:
    """Kaplan–Meier share of buyers back for (non-internal) service by days since the sale.

    Time is days from the sale to the first non-internal repair order; a buyer
    not yet back is censored at ``as_of``. Returns group, day and share_returned
    (1 − survival), with a 95% confidence band (statsmodels ``SurvfuncRight``).
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
        curve = pd.DataFrame({"day": sf.surv_times, "share_returned": 1 - sf.surv_prob,
                              "low": np.clip(1 - sf.surv_prob - band, 0, 1), "high": np.clip(1 - sf.surv_prob + band, 0, 1)})
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
    cols = ["deal_id", "customer_id", "salesperson_id", "sold_on", "days_since_sale", "missed_steps",
            "no_first_appointment"]
    return out[cols].sort_values("days_since_sale", ascending=False, ignore_index=True)


def sale_years(per_sale: pd.DataFrame) -> tuple[int, int]:
    """The first and last year of sale (for a year-range filter)."""
    years = per_sale["sold_at"].dt.year.dropna()
    return (int(years.min()), int(years.max())) if len(years) else (2000, 2000)


def funnel(per_sale: pd.DataFrame) -> pd.DataFrame:
    """The hand-off funnel over sales at least a year old: sold → first appointment set → shown →
    back for service within 12 months (each a share of sold)."""
    old = per_sale[per_sale["days_since_sale"] >= YEAR]
    n = len(old)
    stages = [("sold", n),
              ("first appointment set (0-30 days)", int(old["first_appointment_set"].sum())),
              ("first appointment shown", int(old["first_appointment_shown"].fillna(False).astype(bool).sum())),
              ("back for service within 12 months", int(old["days_to_first_service"].le(YEAR).fillna(False).sum()))]
    df = pd.DataFrame(stages, columns=["stage", "sales"])
    df["share_of_sold"] = df["sales"] / n if n else np.nan
    return df


# --- reading the results -----------------------------------------------------------------


def describe_compliance(kpis: dict, plan: pd.DataFrame) -> str:
    """Which steps of the plan are kept and which are dropped, in numbers."""
    from toolkit.narrative import number, share

    comp = {k: v for k, v in kpis["step_compliance"].items() if v is not None}
    if not comp:
        return "No sale is old enough yet for any step of the plan."
    worst, best = min(comp, key=comp.get), max(comp, key=comp.get)
    return (f"The weakest step is **{worst}** (met by {share(comp[worst])} of the sales it was due for), the "
            f"strongest **{best}** ({share(comp[best])}). Only {share(kpis['full_cadence_share'])} of the sales old "
            f"enough for the whole plan met every step. Buyers hear from the dealership a median of "
            f"{number(kpis['median_days_to_first_touch'], 0)} days after the sale, and "
            f"{share(kpis['personalised_share'])} of the touches in a buyer's first year were written by a person "
            f"rather than sent from a template.")


def describe_hand_off(kpis: dict) -> str:
    """The hand-off to service against the public benchmarks."""
    from toolkit.narrative import compare, share

    return (f"{share(kpis['first_service_set_share'])} of buyers had a first service appointment set within "
            f"{FIRST_SERVICE_DAYS} days of the sale and {share(kpis['first_service_show_rate'])} of those due showed up; "
            f"{share(kpis['service_retention_12m'])} came back for service within a year.\n\n"
            f"- First appointment set: {compare(kpis['first_service_set_share'], 'first_service_scheduled_at_delivery')} "
            "(the benchmark counts appointments set before the buyer left; the dealer's figure allows 30 days).\n"
            f"- Back for service: {compare(kpis['service_retention_12m'], 'service_retention_2yr')} "
            "(the benchmark covers vehicles up to two years old; this figure covers the first year).")


def cadence_actions(kpis: dict, scorecard: pd.DataFrame, calls: pd.DataFrame, staff: pd.DataFrame | None) -> list[str]:
    """What to do next, computed from the data: the weakest step, the salesperson furthest behind,
    and the buyers to call now."""
    from toolkit.narrative import share

    actions = []
    comp = {k: v for k, v in kpis["step_compliance"].items() if v is not None}
    if comp:
        worst = min(comp, key=comp.get)
        actions.append(f"Fix the **{worst}** step first: only {share(comp[worst])} of sales got a touch in its window. "
                       "Put it on the salesperson's task list on the day of the sale.")
    ranked = scorecard.dropna(subset=["step_compliance"])
    if len(ranked) > 1:
        low, high = ranked.iloc[-1], ranked.iloc[0]
        who = f"{low['salesperson_id']}" + (f" ({low['name']})" if "name" in ranked and pd.notna(low.get("name")) else "")
        actions.append(f"Coach **{who}**: meets {share(low['step_compliance'])} of due steps "
                       f"(best: {high['salesperson_id']} at {share(high['step_compliance'])}), "
                       f"{share(low['personalised_share'])} of first-year touches personalised, "
                       f"first service set for {share(low['first_service_set'])} of buyers.")
    if len(calls):
        no_appt = calls[calls["no_first_appointment"]]
        by_sp = calls.groupby("salesperson_id").size().sort_values(ascending=False)
        top = ", ".join(f"{sp} ({n})" for sp, n in by_sp.head(3).items())
        actions.append(f"Call the **{len(calls)} recent buyers** on the call list this week — most are with {top}; "
                       f"{len(no_appt)} of them have no first service appointment (first few: "
                       f"{', '.join(no_appt['customer_id'].head(5))}).")
    if kpis["first_service_set_share"] is not None and kpis["first_service_set_share"] < 0.5:
        actions.append("Book the first service before the buyer leaves the delivery: fewer than half of buyers "
                       f"have one set within {FIRST_SERVICE_DAYS} days.")
    return actions
