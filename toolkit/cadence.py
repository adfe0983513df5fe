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

from toolkit import joins
from toolkit.errors import UsageError
from toolkit.resources import read_toml, shipped

FIRST_SERVICE_DAYS = 30  # a first service appointment counts when set 0-30 days after the sale
YEAR = 365
EDITABLE_DAYS = 2 * YEAR  # how far the plan editor's windows reach (touch pairs are computed that far)


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


def horizon(plan: pd.DataFrame) -> int:
    """How many days after a sale the touch pairs must reach: the plan's last window, a year for
    the first-year counts, and two years so the plan editor can move windows without recomputing."""
    return max(EDITABLE_DAYS, int(plan["end"].max()) if len(plan) else 0)


def touches_after_sales(sales: pd.DataFrame, touches: pd.DataFrame, max_days: int) -> pd.DataFrame:
    """Every (sale, outbound touch of the same customer) pair 0..max_days days after the sale:
    ``sale`` and ``touch`` (row positions in ``sales`` and ``touches``), ``day`` (whole days after
    the sale) and ``template``. ``attrs["max_days"]`` records how far the pairs reach."""
    sale_customer, touch_customer = joins.codes(sales["customer_id"], touches["customer_id"])
    sent = (touches["direction"].isna() | touches["direction"].eq("outbound")).to_numpy(bool)
    touch_customer[~sent] = -1
    sale, touch = joins.pair_rows(sale_customer, touch_customer)
    day = joins.days(touches["occurred_at"])[touch] - joins.days(sales["sold_at"])[sale]
    keep = (day >= 0) & (day <= max_days)
    pairs = pd.DataFrame({"sale": sale[keep].astype(np.int32), "touch": touch[keep],
                          "day": day[keep].astype(np.int32),
                          "template": touches["template"].array.take(touch[keep])})
    pairs.attrs["max_days"] = max_days
    return pairs


PER_SALE = ["deal_id", "customer_id", "sold_at", "salesperson_id", "condition", "days_since_sale"]


def sale_follow_up(sales: pd.DataFrame, pairs: pd.DataFrame, appointments: pd.DataFrame,
                   repair_orders: pd.DataFrame, plan: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per sale (in the order of ``sales``): each step met (True/False, NA while its window
    is still open), days to the first touch, touches and personalised touches in the first year,
    the longest silence in the first year, and the hand-off to service (first appointment set,
    shown, back within 12 months). ``pairs`` is :func:`touches_after_sales` for these sales."""
    out = sales[PER_SALE[:-1]].reset_index(drop=True)
    out["days_since_sale"] = joins.day(as_of) - joins.days(out["sold_at"])
    out = plan_steps(out, pairs, plan)
    n = len(out)
    sale, day = pairs["sale"].to_numpy(), pairs["day"].to_numpy()
    within = day <= max(YEAR, int(plan["end"].max()) if len(plan) else 0)
    first = pd.Series(day[within]).groupby(sale[within]).min()
    out["days_to_first_touch"] = first.reindex(range(n)).to_numpy(float)
    year = day <= YEAR
    personal = pairs["template"].eq(False).fillna(False).to_numpy(bool)
    out["touches_first_year"] = np.bincount(sale[year], minlength=n)
    out["personalised_first_year"] = np.bincount(sale[year & personal], minlength=n)
    out["longest_silence"] = _longest_silence(out["days_since_sale"].to_numpy(), sale[year], day[year])
    return pd.concat([out, _hand_off(sales, appointments, repair_orders, as_of)], axis=1)


def plan_steps(per_sale: pd.DataFrame, pairs: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """The sales with one column per step of ``plan`` (met True/False, NA while its window is still
    open), ``steps_met`` and ``steps_due`` — all the plan editor needs to recompute on an edit."""
    reach = pairs.attrs.get("max_days")
    if reach is not None and len(plan) and plan["end"].max() > reach:
        raise UsageError(f"a window ends on day {int(plan['end'].max())}; the touches were paired with sales "
                         f"up to day {reach} only (recompute them with cadence.horizon(plan))")
    out = per_sale[PER_SALE].copy()
    age = out["days_since_sale"].to_numpy()
    sale, day = pairs["sale"].to_numpy(), pairs["day"].to_numpy()
    for step in plan.itertuples():
        met = np.zeros(len(out), bool)
        met[sale[(day >= step.start) & (day <= step.end)]] = True
        out[step.step] = pd.array(met, dtype="boolean")
        out.loc[age < step.end, step.step] = pd.NA
    steps = list(plan["step"])
    out["steps_met"] = out[steps].sum(axis=1).astype(int)
    out["steps_due"] = out[steps].notna().sum(axis=1)
    return out


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


def _hand_off(sales: pd.DataFrame, appointments: pd.DataFrame, repair_orders: pd.DataFrame,
              as_of: pd.Timestamp) -> pd.DataFrame:
    n = len(sales)
    today = joins.day(as_of)
    sold = joins.days(sales["sold_at"])
    customer, appt_customer, ro_customer = joins.codes(sales["customer_id"], appointments["customer_id"],
                                                       repair_orders["customer_id"])
    sale, appt = joins.pair_rows(customer, appt_customer)
    set_day = joins.days(appointments["set_at"])[appt] - sold[sale]
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
    due[sale[first]] = joins.days(pd.Series(scheduled[first])) <= today
    shown = pd.array([pd.NA] * n, dtype="boolean")
    shown[sale[first]] = appointments["status"].to_numpy()[appt[first]] == "shown"
    sale, ro = joins.pair_rows(customer, ro_customer)
    paid = repair_orders["pay_type"].fillna("customer").ne("internal").to_numpy(bool)[ro]
    ro_day = joins.days(repair_orders["opened_at"])[ro] - sold[sale]
    back = paid & (ro_day >= 1)
    first_service = pd.Series(ro_day[back]).groupby(sale[back]).min().reindex(range(n))
    return pd.DataFrame({
        "first_appointment_set": has, "first_appointment_set_at_delivery": at_delivery,
        "first_appointment_due": due, "first_appointment_shown": shown,
        "days_to_first_service": first_service.astype("Float64").array,
    })


def _share(mask: pd.Series) -> float | None:
    mask = mask.dropna()
    return float(mask.mean()) if len(mask) else None


def cadence_kpis(per_sale: pd.DataFrame, pairs: pd.DataFrame, plan: pd.DataFrame) -> dict:
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
    first_year = pairs[pairs["day"] <= YEAR].drop_duplicates("touch")
    old = per_sale[per_sale["days_since_sale"] >= FIRST_SERVICE_DAYS]
    due = per_sale[per_sale["first_appointment_due"].fillna(False).astype(bool)]
    year_old = per_sale[per_sale["days_since_sale"] >= YEAR]
    retained = year_old["days_to_first_service"].le(YEAR).fillna(False)
    first_touch = per_sale["days_to_first_touch"].dropna()
    return {
        "step_compliance": {s: _share(per_sale[s]) for s in steps},
        "full_cadence_share": _share(full[steps].all(axis=1)) if len(full) else None,
        "personalised_share": _share(first_year["template"].eq(False).fillna(False)) if len(first_year) else None,
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
    p = pairs[pairs["day"] < weeks * 7]
    code, names = pd.factorize(per_sale["salesperson_id"], sort=True)
    counts = pd.DataFrame({"who": code[p["sale"].to_numpy()], "week": p["day"].to_numpy().astype(np.int64) // 7})
    counts = counts[counts["who"] >= 0].groupby(["who", "week"]).size().rename("touches").reset_index()
    counts.insert(0, "salesperson_id", names[counts.pop("who").to_numpy()])
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
