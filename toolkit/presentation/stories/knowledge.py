"""The customer-knowledge audit in words: what the records hold, what knowing a customer goes with,
one record inspected, and what to do next.

Each function builds its sentences from the tables and KPIs an analysis returned; the numbers
it prints are those values, formatted (tests/test_stories.py checks them against the tables).
"""

from __future__ import annotations

import pandas as pd

from toolkit.analyses.knowledge import INDICATORS, opted_in_without_email
from toolkit.presentation.words import compare, number, share


def coverage_table(kpis: dict) -> pd.DataFrame:
    """The five coverage shares and the duplicate share as rows, for a chart."""
    names = {
        "email_coverage": "valid e-mail",
        "phone_coverage": "valid phone",
        "postal_code_coverage": "postal code",
        "vehicle_coverage": "vehicle on file",
        "household_linked_share": "household linked",
        "duplicate_share": "shares e-mail/phone with another record",
        "email_opt_in_share": "opted in to e-mail",
        "sms_opt_in_share": "opted in to text messages",
    }
    return pd.DataFrame({"measure": list(names.values()), "share": [kpis[k] for k in names]})


def describe_coverage(kpis: dict) -> str:
    """What the dealership knows, in numbers, with the e-mail benchmark beside it."""
    if kpis["email_coverage"] is None:
        return "There are no customer records."
    weakest = min(INDICATOR_KPIS, key=lambda k: kpis[k])
    return (
        f"The mean record is {share(kpis['record_quality_mean'])} complete. The weakest piece of knowledge is "
        f"**{INDICATOR_KPIS[weakest]}** ({share(kpis[weakest])} of customers); {share(kpis['duplicate_share'])} "
        "of records share an e-mail or phone with another record.\n\n"
        f"- E-mail missing or unusable: {compare(1 - kpis['email_coverage'], 'crm_email_missing_low', better='lower')}"
    )


INDICATOR_KPIS = {
    "email_coverage": "a valid e-mail",
    "phone_coverage": "a valid phone",
    "postal_code_coverage": "a postal code",
    "vehicle_coverage": "a vehicle on file",
    "household_linked_share": "a household link",
}


def describe_value(bands: pd.DataFrame) -> str:
    """How service revenue and repurchase differ between the best- and worst-known customers."""
    filled = bands[bands["customers"] > 0]
    if len(filled) < 2:
        return "Too few customers in different quality bands to compare."
    low, high = filled.iloc[0], filled.iloc[-1]
    return (
        f"Customers with **{high['quality_band']}** records brought in {number(high['service_revenue'], 0)} of service "
        f"revenue on average and {share(high['repurchase_share'])} bought again; those with **{low['quality_band']}** "
        f"records brought {number(low['service_revenue'], 0)} and {share(low['repurchase_share'])}. This is an "
        "association, not proof that better records cause more revenue: loyal customers also tend to be better "
        "known. It does say whom the dealership cannot reach."
    )


def actions(
    kpis: dict, records: pd.DataFrame, board: pd.DataFrame, clusters: pd.DataFrame, fix: pd.DataFrame
) -> list[str]:
    """What to do next, naming the salespeople, records and customers concerned."""
    todo = []
    if len(board) > 1:
        low, high = board.iloc[-1], board.iloc[0]
        weakest = min(INDICATORS, key=lambda c: low[c])
        name = f" ({low['name']})" if "name" in board and pd.notna(low.get("name")) else ""
        todo.append(
            f"Coach **{low['salesperson_id']}{name}**: records {share(low['record_quality'])} complete "
            f"against {share(high['record_quality'])} for {high['salesperson_id']}; weakest on "
            f"{weakest.replace('_', ' ')} ({share(low[weakest])}). Reward the leaderboard's top names."
        )
    if len(clusters):
        merge = clusters[~clusters["survivor"]]
        keep = clusters[clusters["survivor"]]["customer_id"].head(3).tolist()
        todo.append(
            f"Merge **{len(merge)} duplicate records** into {clusters['cluster'].nunique()} surviving ones "
            f"(first survivors: {', '.join(keep)})."
        )
    opted = opted_in_without_email(records)
    if len(opted):
        todo.append(
            f"Ask **{len(opted)} customers** who opted in to e-mail for a working address: their record has "
            "none (or a placeholder)."
        )
    if len(fix):
        top = ", ".join(f"{r.customer_id} ({r.missing})" for r in fix.head(3).itertuples())
        todo.append(
            f"Fix first the {len(fix)} most valuable poorly-known customers, worth {number(fix['value'].sum(), 0)} "
            f"together: {top}."
        )
    return todo


def describe_record(record: dict) -> str:
    """The record inspector's text for one customer."""
    if not record.get("found"):
        return f"No customer {record['customer_id']}."
    dupes = ", ".join(record["likely_duplicates"]) or "none"
    return (
        f"**{record['customer_id']}** — record {record['record_quality']:.0%} complete; e-mail `{record['email']}`, "
        f"phone `{record['phone']}`, {record['vehicles']} vehicle(s) on file.\n\n"
        f"- Known: {', '.join(record['known']) or 'nothing'}\n- Missing: {', '.join(record['missing']) or 'nothing'}\n"
        f"- Likely duplicates: {dupes}"
    )


def household_table(view: dict) -> pd.DataFrame:
    """:func:`household_view` as a two-column table."""
    return pd.DataFrame({"measure": [k.replace("_", " ") for k in view], "count": list(view.values())})


def describe_clusters(clusters: pd.DataFrame) -> str:
    """How many duplicate clusters there are and how many records merging them would remove."""
    return (
        f"{clusters['cluster'].nunique()} clusters hold {len(clusters)} records; "
        f"merging them removes {int((~clusters['survivor']).sum())} records."
    )


def describe_chosen(chosen: pd.DataFrame, who: str, years: tuple[int, int]) -> str:
    """What the coverage filter picked (:func:`~toolkit.analyses.knowledge.records_of`)."""
    return f"{len(chosen):,} customers of {who} created {years[0]}-{years[1]}."
