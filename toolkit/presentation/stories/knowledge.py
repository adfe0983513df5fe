"""The customer-knowledge audit in words: what the records hold, what knowing a customer goes with,
one record inspected, and what to do next.

Each function builds its sentences from the tables and KPIs an analysis returned; the numbers
it prints are those values, formatted (tests/test_stories.py checks them against the tables).
"""

from __future__ import annotations

import pandas as pd

from toolkit.analyses.knowledge import INDICATOR_WORDS, INDICATORS, opted_in_without_email
from toolkit.presentation.actions import Action, Evidence, evidence_of
from toolkit.presentation.words import compare, interval, money, share


def coverage_table(kpis: dict) -> pd.DataFrame:
    """The coverage shares, the duplicate and shared-contact shares and the opt-ins as rows, for
    a chart."""
    names = {
        "email_coverage": "valid e-mail",
        "phone_coverage": "valid phone",
        "postal_code_coverage": "postal code",
        "vehicle_coverage": "vehicle on file",
        "household_known_share": "household on file",
        "household_linked_share": "household shared with another customer",
        "duplicate_share": "likely duplicate record",
        "shared_contact_share": "shares e-mail/phone with another record",
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
        f"**{INDICATOR_KPIS[weakest]}** ({share(kpis[weakest])} of customers). {share(kpis['duplicate_share'])} "
        "of records are likely duplicates of another (the same person entered twice); "
        f"{share(kpis['shared_contact_share'])} share an e-mail or phone with another record, household members "
        "on one landline included.\n\n"
        f"- No e-mail address at all: {compare(*blank_email, 'crm_email_missing_low', better='lower')} "
        f"{share(1 - kpis['email_coverage'])} have no usable one (blank, invalid or a placeholder)."
    )


INDICATOR_KPIS = {
    "email_coverage": "a valid e-mail",
    "phone_coverage": "a valid phone",
    "postal_code_coverage": "a postal code",
    "vehicle_coverage": "a vehicle on file",
    "household_known_share": "a household on file",
}


def contact_table(status: pd.DataFrame) -> pd.DataFrame:
    """:func:`~toolkit.analyses.validity.contact_status` as the report shows it: per field,
    customers with a valid, an invalid (on file but unusable) and a missing contact."""
    return status.assign(field=status["field"].map({"email": "e-mail", "phone": "phone"}))[
        ["field", "valid", "valid_share", "invalid", "invalid_share", "missing", "missing_share"]
    ]


def describe_contacts(status: pd.DataFrame, invalid: pd.DataFrame) -> str:
    """Invalid contacts apart from missing ones, with the commonest problems: the customer gave
    something, so these are the cheapest records to fix."""
    rows = status.set_index("field")
    if not rows[["valid", "invalid", "missing"]].to_numpy().sum():
        return "There are no customer records."
    text = (
        f"{rows.loc['email', 'invalid']:,} e-mails and {rows.loc['phone', 'invalid']:,} phones are on file but "
        f"unusable; {rows.loc['email', 'missing']:,} e-mails and {rows.loc['phone', 'missing']:,} phones are "
        "missing (blank or a placeholder such as noemail@noemail.com)."
    )
    if invalid.empty:
        return text + " Every contact on file follows the rules."
    common = invalid.groupby(["field", "problem"]).size().sort_values(ascending=False, kind="stable").head(3)
    listed = "; ".join(f"{field}: {problem.rstrip('.')} ({n:,})" for (field, problem), n in common.items())
    return (
        text + " The unusable ones are the cheapest to fix — the customer gave something, usually with one typing "
        f"slip — and all are listed with what is wrong. Commonest: {listed}."
    )


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
        f"Among customers who bought here, those with **{high['quality_band']}** records brought in {money(high['service_revenue'], currency)} of "
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
    invalid: pd.DataFrame,
    fix: pd.DataFrame,
    currency: str = "",
) -> list[Action]:
    """What to do next: the salesperson to coach only where the evidence separates their records
    from everyone else's (``people`` is :func:`~toolkit.analyses.knowledge.salesperson_evidence`),
    the duplicates to merge, the unusable contacts to correct (``invalid`` is
    :func:`~toolkit.analyses.validity.invalid_contacts`), the addresses to ask for, the valuable
    records to fix first (their worth in ``currency``)."""
    todo = coach(people, board) + record_fixes(clusters, invalid)
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


def record_fixes(clusters: pd.DataFrame, invalid: pd.DataFrame) -> list[Action]:
    """The duplicate clusters to merge, with how sure the record-linkage model is of them, and the
    unusable contacts to correct (:func:`~toolkit.analyses.validity.invalid_contacts`)."""
    todo = []
    if len(clusters):
        merge = clusters[~clusters["survivor"]]
        sure = clusters.groupby("cluster_id")["match_probability"].min()
        todo.append(
            Action(
                "merge_duplicates",
                "duplicates",
                (
                    f"Merge **{sure.size:,} duplicate clusters** ({len(merge):,} records into their survivors): the "
                    f"record-linkage model is at least {sure.min():.1%} sure of each (median {sure.median():.1%}). "
                    "The list says what each pair agrees on and which record to keep."
                ),
                Evidence(n=len(merge)),
            )
        )
    if len(invalid):
        emails, phones = (int((invalid["field"] == f).sum()) for f in ("email", "phone"))
        todo.append(
            Action(
                "fix_contacts",
                "invalid_contacts",
                (
                    f"Correct the **{len(invalid):,} unusable contacts** on file ({emails:,} e-mails, {phones:,} "
                    "phones): each is listed with what is wrong, and one call or a look at the paperwork usually "
                    "fixes it."
                ),
                Evidence(n=len(invalid)),
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
                    f"{INDICATOR_WORDS[weakest]} ({share(person[weakest])})."
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
        f"- Known: {', '.join(INDICATOR_WORDS[k] for k in record['known']) or 'nothing'}\n"
        f"- Missing: {', '.join(INDICATOR_WORDS[k] for k in record['missing']) or 'nothing'}\n"
        f"- Likely duplicates: {dupes}"
    )


def household_table(view: dict) -> pd.DataFrame:
    """:func:`household_view` as a two-column table."""
    return pd.DataFrame({"measure": [k.replace("_", " ") for k in view], "count": list(view.values())})


def invalid_reasons(invalid: pd.DataFrame) -> pd.Series:
    """Why each contact is on the list to correct (:func:`~toolkit.analyses.validity.invalid_contacts`):
    the field and what is wrong with it."""
    field = invalid["field"].map({"email": "e-mail", "phone": "phone"})
    return (field + ": " + invalid["problem"].str.rstrip(".")).astype(object)


def describe_clusters(clusters: pd.DataFrame) -> str:
    """How many likely-duplicate clusters there are, how sure the model is, what the records
    agree on and how many records merging them would remove."""
    if clusters.empty:
        return "The record-linkage model found no likely duplicates."
    p = clusters.groupby("cluster_id")["match_probability"].min()
    common = clusters["matched_on"].value_counts().index[0]
    return (
        f"{p.size:,} clusters hold {len(clusters):,} records; merging them removes "
        f"{int((~clusters['survivor']).sum()):,} records. The model gives every link at least "
        f"{clusters['match_probability'].min():.1%} (median {p.median():.1%}) that the two records are one person; "
        f"most agree on {common}. Household members who share a landline, a surname or an address are not counted: "
        "two records with different first names are never taken for one person."
    )


def describe_chosen(chosen: pd.DataFrame, who: str, years: tuple[int, int]) -> str:
    """What the coverage filter picked (:func:`~toolkit.analyses.knowledge.records_of`)."""
    return f"{len(chosen):,} customers of {who} created {years[0]}-{years[1]}."


def duplicate_reasons(clusters: pd.DataFrame) -> pd.Series:
    """Why each record is in a duplicate cluster (:func:`~toolkit.analyses.duplicates.duplicate_clusters`):
    what it agrees on, how sure the model is, and which record of its cluster to keep."""
    if clusters.empty:
        return pd.Series(index=clusters.index, dtype=object)
    keep = clusters[clusters["survivor"]].set_index("cluster_id")["customer_id"]
    return pd.Series(
        [
            f"same {r.matched_on} ({r.match_probability:.1%} one person); "
            + ("keep this record" if r.survivor else f"merge into {keep.get(r.cluster_id, '')}")
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
