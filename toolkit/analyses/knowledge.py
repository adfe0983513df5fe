"""Customer knowledge: how well the dealership knows whom it is talking to.

A customer record is "known" on five counts: a valid e-mail, a valid phone, a
postal code, at least one vehicle on file, and a household link to another
customer. The record-quality score of a customer is the mean of those five
(0 to 1); a salesperson's score is the mean over the customers assigned to
them. Validity rules are the data contract's: placeholder e-mails that CRMs
store for "no e-mail" count as missing; a phone is valid with 10 digits (11
with a leading 1) that are not one digit repeated.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from toolkit import joins, privacy, rules
from toolkit.analyses.contacts import with_staff_names
from toolkit.analyses.evidence import ranked
from toolkit.inputs.parse import WHITESPACE

EMAIL_RE = f"^[^@{WHITESPACE}]+@[^@{WHITESPACE}]+\\.[a-z]{{2,}}$"
PLACEHOLDER_LOCAL = {
    "noemail",
    "no.email",
    "no-email",
    "none",
    "na",
    "n/a",
    "no",
    "declined",
    "refused",
    "unknown",
    "nomail",
    "noreply",
    "donotemail",
    "customer",
    "test",
    "x",
}
PLACEHOLDER_DOMAINS = {"noemail.com", "none.com", "na.com", "nomail.com", "noemail.net", "none.net"}
POSTAL_RE = r"^(\d{5}(-?\d{4})?|[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d|[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2})$"
KPI_NAMES = (
    "email_coverage",
    "phone_coverage",
    "postal_code_coverage",
    "vehicle_coverage",
    "household_linked_share",
    "duplicate_share",
    "record_quality_mean",
    "email_opt_in_share",
    "sms_opt_in_share",
)  # what kpis() returns, in order
INDICATORS = ["email_valid", "phone_valid", "postal_valid", "has_vehicle", "household_linked"]
QUALITY_BANDS = [0, 0.4, 0.6, 0.8, 1.0001]
BAND_LABELS = ["poor (<40%)", "thin (40-59%)", "fair (60-79%)", "good (80%+)"]


_PLACEHOLDER_LOCAL_RE = "^(?:" + "|".join(map(re.escape, sorted(PLACEHOLDER_LOCAL))) + ")@"
_PLACEHOLDER_DOMAIN_RE = "@(?:" + "|".join(map(re.escape, sorted(PLACEHOLDER_DOMAINS))) + ")$"


def normal_email(email: pd.Series) -> pd.Series:
    """E-mails lower-cased and trimmed; invalid ones and placeholders become NA."""
    e = email.astype("str").str.strip().str.lower().where(email.notna())
    ok = e.str.match(EMAIL_RE).fillna(False).astype(bool)  # exactly one @, so these split it right:
    placeholder = e.str.match(_PLACEHOLDER_LOCAL_RE).fillna(False) | e.str.contains(_PLACEHOLDER_DOMAIN_RE).fillna(
        False
    )
    return e.where(ok & ~placeholder)


def normal_phone(phone: pd.Series) -> pd.Series:
    """Phones as their 10 digits (a leading 1 of 11 dropped); invalid or one repeated digit → NA."""
    digits = phone.astype("str").str.replace(r"\D", "", regex=True).where(phone.notna())
    digits = digits.where(~((digits.str.len() == 11) & digits.str.startswith("1")), digits.str[1:])
    repeated = digits.str[1:] == digits.str[:-1]  # equal when shifted by one: one digit throughout
    return digits.where((digits.str.len() == 10) & ~repeated)


def customer_records(customers: pd.DataFrame, vehicles: pd.DataFrame) -> pd.DataFrame:
    """One row per customer with the normalised e-mail and phone, each of the five indicators,
    the vehicle count and the record-quality score (mean of the indicators)."""
    out = customers.copy()
    out["email_normal"] = normal_email(out["email"])
    out["phone_normal"] = normal_phone(out["phone"])
    out["email_valid"] = out["email_normal"].notna()
    out["phone_valid"] = out["phone_normal"].notna()
    out["postal_valid"] = out["postal_code"].astype("str").str.strip().str.match(POSTAL_RE).fillna(False).astype(bool)
    owner = joins.positions(vehicles["customer_id"], out["customer_id"])
    out["vehicles"] = np.bincount(owner[owner >= 0], minlength=len(out))  # customer_id is unique
    out["has_vehicle"] = out["vehicles"] > 0
    out["household_linked"] = _shared(out["household_id"])
    out["record_quality"] = out[INDICATORS].astype(float).mean(axis=1)
    return out


def _shared(values: pd.Series, owners: pd.Series | None = None) -> np.ndarray:
    """Whether each (non-missing) value is shared with another row — or, given ``owners``, with
    another owner (two rows of the same customer do not count)."""
    code, n = pd.factorize(values)[0], len(values)
    known = code >= 0
    owner = pd.factorize(owners)[0] if owners is not None else None
    if owner is None or (owner.min(initial=0) >= 0 and owner.max(initial=-1) + 1 == n):  # one row per owner
        per_value = np.bincount(code[known], minlength=n)
    else:
        pairs = np.unique(code[known] * (n + 1) + owner[known] + 1)
        per_value = np.bincount(pairs // (n + 1), minlength=n)
    return known & (per_value[np.maximum(code, 0)] > 1)


def kpis(records: pd.DataFrame) -> dict:
    """The customer_knowledge KPIs (shares of customers).

    - ``email_coverage`` / ``phone_coverage`` / ``postal_code_coverage``: a valid one on file;
    - ``vehicle_coverage``: at least one vehicle on file;
    - ``household_linked_share``: shares its household_id with another customer;
    - ``duplicate_share``: shares a normalised e-mail or phone with another customer record
      (a shared household landline counts here; :func:`duplicate_clusters` is stricter);
    - ``record_quality_mean``: the mean record-quality score;
    - ``email_opt_in_share`` / ``sms_opt_in_share``: customers who said yes (blank counts as no).
    """
    if records.empty:
        return dict.fromkeys(KPI_NAMES)
    shared = _shared(records["email_normal"], records["customer_id"]) | _shared(
        records["phone_normal"], records["customer_id"]
    )
    return {
        "email_coverage": float(records["email_valid"].mean()),
        "phone_coverage": float(records["phone_valid"].mean()),
        "postal_code_coverage": float(records["postal_valid"].mean()),
        "vehicle_coverage": float(records["has_vehicle"].mean()),
        "household_linked_share": float(records["household_linked"].mean()),
        "duplicate_share": float(shared.mean()),
        "record_quality_mean": float(records["record_quality"].mean()),
        "email_opt_in_share": float(records["email_opt_in"].fillna(False).astype(bool).mean()),
        "sms_opt_in_share": float(records["sms_opt_in"].fillna(False).astype(bool).mean()),
    }


def duplicate_clusters(records: pd.DataFrame, sales: pd.DataFrame | None = None) -> pd.DataFrame:
    """Likely duplicate customer records grouped into clusters, with a suggested surviving record.

    Two records are the same person when they share a normalised e-mail; or a
    normalised phone and the same first name (household members sharing a
    landline are not merged); or the same first and last name and postal code.
    The survivor is the most complete record, then the one with sales, then the
    oldest. Returns cluster, customer_id, reason, survivor (bool), record_quality.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    r = records.reset_index(drop=True)
    first = r["first_name"].astype("str").str.strip().str.lower()
    last = r["last_name"].astype("str").str.strip().str.lower()
    keys = {
        "same e-mail": r["email_normal"],
        "same phone and first name": (r["phone_normal"] + "|" + first).where(r["phone_normal"].notna() & first.notna()),
        "same name and postal code": (first + "|" + last + "|" + r["postal_code"].astype("str").str.strip()).where(
            first.notna() & last.notna() & r["postal_code"].notna()
        ),
    }
    edges, reasons = [], pd.Series("", index=r.index)
    for reason, key in keys.items():
        rows = key.dropna().rename("key").reset_index()
        rows["first"] = rows.groupby("key")["index"].transform("first")
        pair = rows.loc[rows["first"] != rows["index"], ["first", "index"]].set_axis(["a", "b"], axis=1)
        edges.append(pair)
        touched = pd.Index(pair["a"]).union(pd.Index(pair["b"]))
        reasons[touched] = reasons[touched].where(reasons[touched] != "", reason)
    pairs = pd.concat(edges) if edges else pd.DataFrame({"a": [], "b": []})
    n = len(r)
    graph = coo_matrix((np.ones(len(pairs)), (pairs["a"].astype(int), pairs["b"].astype(int))), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    r["cluster"] = label
    size = r.groupby("cluster")["customer_id"].transform("size")
    dup = r[size > 1].copy()
    if dup.empty:
        return pd.DataFrame(columns=["cluster", "customer_id", "reason", "survivor", "record_quality"])
    dup["reason"] = reasons[dup.index]
    dup["has_sales"] = dup["customer_id"].isin(sales["customer_id"]) if sales is not None else False
    created = dup["created_at"] if "created_at" in dup else pd.Series(pd.NaT, index=dup.index)
    dup["_created"] = created.fillna(pd.Timestamp.max)
    dup = dup.sort_values(["cluster", "record_quality", "has_sales", "_created"], ascending=[True, False, False, True])
    dup["survivor"] = ~dup["cluster"].duplicated()
    dup["cluster"] = dup.groupby("cluster", sort=False).ngroup() + 1
    return dup[["cluster", "customer_id", "reason", "survivor", "record_quality"]].reset_index(drop=True)


def household_view(records: pd.DataFrame, vehicles: pd.DataFrame) -> dict:
    """Counts for the household view: one-member or unlinked customers, customers with no vehicle,
    and vehicles whose owner is not a known customer."""
    return {
        "customers": len(records),
        "not_linked_to_a_household": int((~records["household_linked"]).sum()),
        "no_vehicle_on_file": int((~records["has_vehicle"]).sum()),
        "vehicles_with_unknown_owner": int((~vehicles["customer_id"].isin(records["customer_id"])).sum()),
        "households": int(records.loc[records["household_linked"], "household_id"].nunique()),
    }


def salesperson_leaderboard(records: pd.DataFrame, staff: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per salesperson: customers and the share with each indicator, and the mean record quality
    with its 95% interval and how it compares with everyone else's (:func:`salesperson_evidence`)
    — what a dealer could reward. Best first; those with too few customers to tell last."""
    g = records.groupby("salesperson_id")
    out = g[INDICATORS].mean().astype(float)
    out.insert(0, "customers", g.size())
    out["record_quality"] = g["record_quality"].mean()
    people = salesperson_evidence(records)
    out["quality_low"], out["quality_high"] = people["lower"], people["upper"]
    out["against_the_rest"] = people["verdict"]
    return ranked(with_staff_names(out.reset_index(), staff), "record_quality")


def salesperson_evidence(records: pd.DataFrame) -> pd.DataFrame:
    """Per salesperson: the mean record quality of their customers against everyone else's, with
    the 95% interval, Welch's test corrected for how many were compared (Holm) and a verdict
    (:func:`toolkit.analyses.evidence.means_vs_rest`); ``n`` is their customers."""
    from toolkit.analyses.evidence import means_vs_rest

    assigned = records[records["salesperson_id"].notna()]
    return means_vs_rest(assigned["record_quality"], assigned["salesperson_id"])


def quality_by_cohort(records: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Mean record quality of customers by the quarter their record was created; ``partial`` marks
    the quarter as_of cuts short."""
    r = records.dropna(subset=["created_at"])
    cohort = rules.period_start(r["created_at"], "Q")
    out = (
        r.groupby(cohort)["record_quality"]
        .agg(["mean", "size"])
        .rename(columns={"mean": "record_quality", "size": "customers"})
        .rename_axis("cohort")
        .reset_index()
    )
    return out.assign(partial=rules.is_partial(out["cohort"], as_of, "Q"))


def customer_value(records: pd.DataFrame, sales: pd.DataFrame, repair_orders: pd.DataFrame) -> pd.DataFrame:
    """Per customer: service revenue (non-internal repair orders), sales gross, deals, and
    whether they bought more than once."""
    ro = repair_orders[rules.is_paid(repair_orders)]
    service = ro.groupby("customer_id")["total"].sum()
    gross = sales.assign(gross=rules.sales_gross(sales)).groupby("customer_id")
    out = records[["customer_id", "salesperson_id", "record_quality"]].copy()
    out["service_revenue"] = out["customer_id"].map(service).fillna(0).astype(float)
    out["sales_gross"] = out["customer_id"].map(gross["gross"].sum()).fillna(0).astype(float)
    out["deals"] = out["customer_id"].map(gross.size()).fillna(0).astype(int)
    out["repurchased"] = out["deals"] >= 2
    out["value"] = out["service_revenue"] + out["sales_gross"]
    return out


def value_by_quality_band(value: pd.DataFrame) -> pd.DataFrame:
    """Mean service revenue (with its 95% t interval, ``revenue_low``/``revenue_high``) and
    repurchase share per record-quality band (association only)."""
    from statsmodels.stats.weightstats import DescrStatsW

    band = pd.cut(value["record_quality"], QUALITY_BANDS, labels=BAND_LABELS, right=False)
    out = (
        value.groupby(band, observed=False)
        .agg(
            customers=("customer_id", "size"),
            service_revenue=("service_revenue", "mean"),
            repurchase_share=("repurchased", "mean"),
        )
        .rename_axis("quality_band")
        .reset_index()
    )
    bounds = {
        b: DescrStatsW(g.to_numpy(float)).tconfint_mean(0.05) if len(g) > 1 else (np.nan, np.nan)
        for b, g in value.groupby(band, observed=False)["service_revenue"]
    }
    out["revenue_low"] = [bounds[b][0] for b in out["quality_band"]]
    out["revenue_high"] = [bounds[b][1] for b in out["quality_band"]]
    return out


def fix_first(records: pd.DataFrame, value: pd.DataFrame, below: float = 0.6) -> pd.DataFrame:
    """Every customer whose record quality is below ``below``, most valuable first: what is
    missing for each."""
    poor = value[value["record_quality"] < below].sort_values("value", ascending=False, kind="stable")
    missing = records.set_index("customer_id")[INDICATORS]
    labels = {
        "email_valid": "e-mail",
        "phone_valid": "phone",
        "postal_valid": "postal code",
        "has_vehicle": "vehicle",
        "household_linked": "household",
    }
    poor = poor.assign(
        missing=[", ".join(labels[c] for c in INDICATORS if not missing.loc[cid, c]) for cid in poor["customer_id"]]
    )
    return poor[["customer_id", "salesperson_id", "value", "record_quality", "missing"]].reset_index(drop=True)


def mask_email(email: pd.Series) -> pd.Series:
    """``alice@example.com`` → ``a***@e***.com``: enough to recognise, not to use."""
    e = email.astype("str").str.strip()
    parts = e.str.extract(r"^(?P<l>[^@]?)[^@]*@(?P<d>[^.@]?)[^@]*?(?P<tld>\.[^.@]+)?$")
    masked = parts["l"].fillna("") + "***@" + parts["d"].fillna("") + "***" + parts["tld"].fillna("")
    return masked.where(e.str.contains("@", regex=False), "***").where(email.notna())


def mask_phone(phone: pd.Series) -> pd.Series:
    """Any phone → ``***-***-1234`` (its last four digits)."""
    digits = phone.astype("str").str.replace(r"\D", "", regex=True)
    return ("***-***-" + digits.str[-4:]).where(phone.notna() & (digits.str.len() >= 4), "***").where(phone.notna())


def inspect_record(
    customer_id: str, records: pd.DataFrame, clusters: pd.DataFrame, show_personal_data: bool, masked: bool = False
) -> dict:
    """What is known and missing about one customer, and their likely duplicates. E-mail and phone
    are partly hidden unless ``show_personal_data``, and pseudonyms when ``masked`` (a report
    that leaves the dealership), whatever ``show_personal_data`` says."""
    row = records.loc[records["customer_id"] == customer_id]
    if row.empty:
        return {"customer_id": customer_id, "found": False}
    r = row.iloc[0]
    if masked:
        shown = privacy.masked_contacts(row[["customer_id", "email", "phone"]]).iloc[0]
        email, phone = shown["email"], shown["phone"]
    elif show_personal_data:
        email, phone = r["email"], r["phone"]
    else:
        email, phone = mask_email(row["email"]).iloc[0], mask_phone(row["phone"]).iloc[0]
    cluster = clusters.loc[clusters["customer_id"] == customer_id, "cluster"]
    dupes = clusters[clusters["cluster"].isin(cluster) & (clusters["customer_id"] != customer_id)]
    return {
        "customer_id": customer_id,
        "found": True,
        "email": email,
        "phone": phone,
        "known": [c for c in INDICATORS if r[c]],
        "missing": [c for c in INDICATORS if not r[c]],
        "record_quality": float(r["record_quality"]),
        "vehicles": int(r["vehicles"]),
        "likely_duplicates": dupes["customer_id"].tolist(),
    }


def email_blank(records: pd.DataFrame) -> tuple[int, int]:
    """(Customer records whose e-mail field is blank, records): the measure of the CRM benchmark's
    definition (no e-mail address at all, whether or not a stored one would work)."""
    return int(records["email"].isna().sum()), len(records)


def created_years(records: pd.DataFrame, as_of: pd.Timestamp | None = None) -> tuple[int, int]:
    """The first and last year a customer record was created (for a year-range filter); the year
    of ``as_of`` (else this year's) for both when no record has a creation date."""
    years = records["created_at"].dt.year.dropna()
    if years.empty:
        year = (as_of or pd.Timestamp.now()).year
        return year, year
    return int(years.min()), int(years.max())


def records_of(records: pd.DataFrame, who: str, years: tuple[int, int]) -> pd.DataFrame:
    """The records of one salesperson (or ``"everyone"``) created in the years ``years`` (both
    included); a record without a creation date is kept, since no range can place it."""
    chosen = rules.of_salesperson(records, who)
    created = chosen["created_at"].dt.year
    return chosen[created.between(*years) | created.isna()]


def opted_in_without_email(records: pd.DataFrame) -> pd.DataFrame:
    """Customers who opted in to e-mail but whose record holds no valid address (or a placeholder)."""
    return records[records["email_opt_in"].fillna(False).astype(bool) & ~records["email_valid"]]


def inspect_candidates(fix: pd.DataFrame, clusters: pd.DataFrame, records: pd.DataFrame) -> list[str]:
    """Customers worth inspecting first: those to fix first, then the first duplicates (or any one)."""
    candidates = [*fix["customer_id"], *clusters["customer_id"].head(10)] or list(records["customer_id"].head(1))
    return list(dict.fromkeys(candidates))
