"""The customer-knowledge audit in words: what the records hold, what knowing a customer goes with,
one record inspected, and what to do next.

Each function builds its sentences from the tables and KPIs an analysis returned; the numbers
it prints are those values, formatted (tests/test_stories.py checks them against the tables).
"""

from __future__ import annotations

import pandas as pd

from toolkit.analyses.knowledge import INDICATORS, opted_in_without_email
from toolkit.presentation.actions import Action, Evidence, evidence_of
from toolkit.presentation.words import compare, interval, money, share


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


def describe_coverage(kpis: dict, blank_email: tuple[int, int]) -> str:
    """What the dealership knows, in numbers, with the e-mail benchmark beside it (like for like:
    ``blank_email`` is (records whose e-mail field is blank, records))."""
    if kpis["email_coverage"] is None:
        return "There are no customer records."
    weakest = min(INDICATOR_KPIS, key=lambda k: kpis[k])
    return (
        f"The mean record is {share(kpis['record_quality_mean'])} complete. The weakest piece of knowledge is "
        f"**{INDICATOR_KPIS[weakest]}** ({share(kpis[weakest])} of customers); {share(kpis['duplicate_share'])} "
        "of records share an e-mail or phone with another record.\n\n"
        f"- No e-mail address at all: {compare(*blank_email, 'crm_email_missing_low', better='lower')} "
        f"{share(1 - kpis['email_coverage'])} have no usable one (blank, invalid or a placeholder)."
    )


INDICATOR_KPIS = {
    "email_coverage": "a valid e-mail",
    "phone_coverage": "a valid phone",
    "postal_code_coverage": "a postal code",
    "vehicle_coverage": "a vehicle on file",
    "household_linked_share": "a household link",
}


def describe_value(bands: pd.DataFrame, currency: str = "") -> str:
    """How service revenue (in ``currency``) and repurchase differ between the best- and worst-known
    customers, and whether the revenue gap is beyond noise (the bands' 95% intervals apart)."""
    filled = bands[bands["customers"] > 0]
    if len(filled) < 2:
        return "Too few customers in different quality bands to compare."
    low, high = filled.iloc[0], filled.iloc[-1]
    apart = low["revenue_high"] < high["revenue_low"] or high["revenue_high"] < low["revenue_low"]
    noise = "" if apart else " The two revenue figures are within noise of each other (their 95% intervals overlap)."
    return (
        f"Customers with **{high['quality_band']}** records brought in {money(high['service_revenue'], currency)} of "
        f"service revenue on average (95% interval {money(high['revenue_low'], currency)} to "
        f"{money(high['revenue_high'], currency)}) and {share(high['repurchase_share'])} bought again; those with "
        f"**{low['quality_band']}** records brought {money(low['service_revenue'], currency)} "
        f"({money(low['revenue_low'], currency)} to {money(low['revenue_high'], currency)}) "
        f"and {share(low['repurchase_share'])}.{noise} This is an association, not proof that better records cause "
        "more revenue: loyal customers also tend to be better known. It does say whom the dealership cannot reach."
    )


def actions(
    records: pd.DataFrame,
    people: pd.DataFrame,
    board: pd.DataFrame,
    clusters: pd.DataFrame,
    fix: pd.DataFrame,
    currency: str = "",
) -> list[Action]:
    """What to do next: the salesperson to coach only where the evidence separates their records
    from everyone else's (``people`` is :func:`~toolkit.analyses.knowledge.salesperson_evidence`),
    the duplicates to merge, the addresses to ask for, the valuable records to fix first (their
    worth in ``currency``)."""
    todo = coach(people, board)
    if len(clusters):
        merge = clusters[~clusters["survivor"]]
        keep = clusters[clusters["survivor"]]["customer_id"].head(3).tolist()
        todo.append(
            Action(
                "merge_duplicates",
                "duplicates",
                (
                    f"Merge **{len(merge)} duplicate records** into {clusters['cluster'].nunique()} surviving ones "
                    f"(first survivors: {', '.join(keep)})."
                ),
                Evidence(n=len(merge)),
            )
        )
    opted = opted_in_without_email(records)
    if len(opted):
        todo.append(
            Action(
                "collect_contact",
                "collect_email",
                (
                    f"Ask **{len(opted)} customers** who opted in to e-mail for a working address: their record has "
                    "none (or a placeholder)."
                ),
                Evidence(n=len(opted)),
            )
        )
    if len(fix):
        top = ", ".join(f"{r.customer_id} ({r.missing})" for r in fix.head(3).itertuples())
        todo.append(
            Action(
                "fix_records",
                "fix_first",
                (
                    f"Fix the records of the **{len(fix)} poorly-known customers**, most valuable first (worth "
                    f"{money(fix['value'].sum(), currency)} together): {top}."
                ),
                Evidence(n=len(fix)),
            )
        )
    return todo


def coach(people: pd.DataFrame, board: pd.DataFrame) -> list[Action]:
    """The salespeople whose customers' records are clearly less complete than everyone else's;
    else a note that the differences are within noise and how many customers would settle them."""
    card = board.set_index("salesperson_id")
    todo = []
    for who, row in people[people["verdict"] == "below"].sort_values("mean").iterrows():
        person = card.loc[who]
        weakest = min(INDICATORS, key=lambda c: person[c])
        name = f" ({person['name']})" if "name" in card and pd.notna(person.get("name")) else ""
        todo.append(
            Action(
                "coach",
                str(who),
                (
                    f"Coach **{who}{name}**: records {share(row['mean'])} complete (95% interval {interval(row)}, "
                    f"{int(row['n']):,} customers) against {share(row['rest'])} for everyone else; weakest on "
                    f"{weakest.replace('_', ' ')} ({share(person[weakest])})."
                ),
                evidence_of(row, "mean"),
            )
        )
    if todo:
        return todo
    compared = people[people["verdict"] != "too few"]
    if len(compared) < 2:
        return [Action("within_noise", "salespeople", "Too few salespeople with enough customers to compare.")]
    low = compared.sort_values("mean").iloc[0]
    return [
        Action(
            "within_noise",
            "salespeople",
            (
                f"No salesperson's records stand out: their customers' records are {share(compared['mean'].min())} to "
                f"{share(compared['mean'].max())} complete, within noise of everyone else's once compared. Coach the "
                "habit store-wide rather than one name."
            ),
            evidence_of(low, "mean"),
        )
    ]


def describe_record(record: dict) -> str:
    """The record inspector's text for one customer."""
    if not record.get("found"):
        return f"No customer {record['customer_id']}."
    dupes = ", ".join(record["likely_duplicates"]) or "none"
    email, phone = (f"`{record[k]}`" if pd.notna(record[k]) else "none on file" for k in ("email", "phone"))
    return (
        f"**{record['customer_id']}** — record {record['record_quality']:.0%} complete; e-mail {email}, "
        f"phone {phone}, {record['vehicles']} vehicle(s) on file.\n\n"
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


def duplicate_reasons(clusters: pd.DataFrame) -> pd.Series:
    """Why each record is in a duplicate cluster (:func:`~toolkit.analyses.knowledge.duplicate_clusters`):
    what it shares, and which record of its cluster to keep."""
    if clusters.empty:
        return pd.Series(index=clusters.index, dtype=object)
    keep = clusters[clusters["survivor"]].set_index("cluster")["customer_id"]
    return pd.Series(
        [
            f"{r.reason}; keep this record" if r.survivor else f"{r.reason}; merge into {keep.get(r.cluster, '')}"
            for r in clusters.itertuples()
        ],
        index=clusters.index,
        dtype=object,
    )


def fix_reasons(fix: pd.DataFrame, currency: str = "") -> pd.Series:
    """Why each valuable customer's record should be fixed first (:func:`~toolkit.analyses.knowledge.fix_first`),
    their worth so far in ``currency``."""
    return pd.Series(
        [f"missing {r.missing}; worth {money(r.value, currency)} so far" for r in fix.itertuples()],
        index=fix.index,
        dtype=object,
    )


def collect_email_reasons(opted: pd.DataFrame) -> pd.Series:
    """Why each customer who opted in to e-mail is asked for an address."""
    return pd.Series("opted in to e-mail; no working address on file", index=opted.index)
