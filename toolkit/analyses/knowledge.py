"""Customer knowledge: how well the dealership knows whom it is talking to.

A customer record is "known" on five counts: a valid e-mail, a valid phone, a
postal code, at least one vehicle on file, and a household on file
(``household_id`` present: someone who lives alone is known once the CRM says
so). The record-quality score of a customer is the mean of those five (0 to 1);
a salesperson's score is the mean over the customers assigned to them. What
makes an e-mail or phone valid is :mod:`toolkit.analyses.validity`; likely
duplicates are :mod:`toolkit.analyses.duplicates`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit import joins, privacy, rules
from toolkit.analyses import trends, validity
from toolkit.analyses.contacts import with_staff_names
from toolkit.analyses.evidence import ranked

POSTAL_RE = r"^(\d{5}(-?\d{4})?|[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d|[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2})$"
KPI_NAMES = (
    "email_coverage",
    "phone_coverage",
    "postal_code_coverage",
    "vehicle_coverage",
    "household_linked_share",
    "household_known_share",
    "duplicate_share",
    "shared_contact_share",
    "record_quality_mean",
    "email_opt_in_share",
    "sms_opt_in_share",
)  # what kpis() returns, in order
INDICATORS = ["email_valid", "phone_valid", "postal_valid", "has_vehicle", "household_known"]
INDICATOR_WORDS = {  # what each indicator is about, as a dealer says it
    "email_valid": "e-mail",
    "phone_valid": "phone",
    "postal_valid": "postal code",
    "has_vehicle": "vehicle",
    "household_known": "household",
}
QUALITY_BANDS = [0, 0.4, 0.6, 0.8, 1.0001]
BAND_LABELS = ["poor (<40%)", "thin (40-59%)", "fair (60-79%)", "good (80%+)"]


def customer_records(customers: pd.DataFrame, vehicles: pd.DataFrame) -> pd.DataFrame:
    """One row per customer with its contacts checked
    (:func:`~toolkit.analyses.validity.checked_contacts`), each of the five indicators, the
    vehicle count and the record-quality score (mean of the indicators)."""
    out = validity.checked_contacts(customers)
    out["email_valid"] = out["email_normal"].notna()
    out["phone_valid"] = out["phone_normal"].notna()
    out["postal_valid"] = out["postal_code"].astype("str").str.strip().str.match(POSTAL_RE).fillna(False).astype(bool)
    owner = joins.positions(vehicles["customer_id"], out["customer_id"])
    out["vehicles"] = np.bincount(owner[owner >= 0], minlength=len(out))  # customer_id is unique
    out["has_vehicle"] = out["vehicles"] > 0
    out["household_linked"] = _shared(out["household_id"])
    out["household_known"] = out["household_id"].astype("str").str.strip().fillna("") != ""
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


def kpis(records: pd.DataFrame, clusters: pd.DataFrame) -> dict:
    """The customer_knowledge KPIs (shares of customers).

    - ``email_coverage`` / ``phone_coverage`` / ``postal_code_coverage``: a valid one on file;
    - ``vehicle_coverage``: at least one vehicle on file;
    - ``household_linked_share``: shares its household_id with another customer;
    - ``household_known_share``: has a household_id on file (the fifth record-quality indicator:
      a customer who lives alone has one of their own);
    - ``duplicate_share``: in a likely-duplicate cluster of ``clusters``
      (:func:`toolkit.analyses.duplicates.duplicate_clusters`), so the same person entered twice;
    - ``shared_contact_share``: shares a normalised e-mail or phone with another customer record
      (household members on one landline count here, so it is broader than duplicates);
    - ``record_quality_mean``: the mean record-quality score;
    - ``email_opt_in_share`` / ``sms_opt_in_share``: customers who said yes (blank counts as no).
    """
    if records.empty:
        return dict.fromkeys(KPI_NAMES)
    shared = _shared(records["email_normal"], records["customer_id"]) | _shared(
        records["phone_normal"], records["customer_id"]
    )
    in_cluster = joins.positions(records["customer_id"], clusters["customer_id"]) >= 0
    return {
        "email_coverage": float(records["email_valid"].mean()),
        "phone_coverage": float(records["phone_valid"].mean()),
        "postal_code_coverage": float(records["postal_valid"].mean()),
        "vehicle_coverage": float(records["has_vehicle"].mean()),
        "household_linked_share": float(records["household_linked"].mean()),
        "household_known_share": float(records["household_known"].mean()),
        "duplicate_share": float(in_cluster.mean()),
        "shared_contact_share": float(shared.mean()),
        "record_quality_mean": float(records["record_quality"].mean()),
        "email_opt_in_share": float(records["email_opt_in"].fillna(False).astype(bool).mean()),
        "sms_opt_in_share": float(records["sms_opt_in"].fillna(False).astype(bool).mean()),
    }


def trend_measure(records: pd.DataFrame) -> trends.Measure:
    """``email_coverage`` among customers by the month their record was created
    (:func:`customer_records`): what the dealership now holds for the customers it took on each
    month; n counts the customers created (records without ``created_at`` are left out)."""
    return trends.measure(
        "email_coverage",
        "share",
        records["created_at"],
        records["email_valid"],
        store=records.get("store_id"),
        what="customers created",
    )


def headline_measures(records: pd.DataFrame, as_of: pd.Timestamp) -> list[trends.Measure]:
    """The headline KPIs over every customer, for :func:`toolkit.analyses.trends.by_store`."""
    store = records.get("store_id")
    return [
        trends.snapshot("email_coverage", "share", as_of, records["email_valid"], store=store, what="customers"),
        trends.snapshot("record_quality_mean", "mean", as_of, records["record_quality"], store=store, what="customers"),
    ]


def household_view(records: pd.DataFrame, vehicles: pd.DataFrame) -> dict:
    """Counts for the household view: one-member or unlinked customers, customers with no vehicle,
    and vehicles whose owner is not a known customer."""
    return {
        "customers": len(records),
        "not_linked_to_a_household": int((~records["household_linked"]).sum()),
        "no_vehicle_on_file": int((~records["has_vehicle"]).sum()),
        "vehicles_with_unknown_owner": int(
            (joins.positions(vehicles["customer_id"], records["customer_id"]) < 0).sum()
        ),
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
    """Among customers who bought here (``deals`` ≥ 1) — like with like, since having a vehicle
    on file mostly means having bought one here — mean service revenue per record-quality band
    with its 95% t interval (``revenue_low``/``revenue_high``) and repurchase share. An
    association: well-known buyers may spend more, or spending buyers get known."""
    from statsmodels.stats.weightstats import DescrStatsW

    buyers = value[value["deals"] >= 1]
    band = pd.cut(buyers["record_quality"], QUALITY_BANDS, labels=BAND_LABELS, right=False)
    out = (
        buyers.groupby(band, observed=False)
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
        for b, g in buyers.groupby(band, observed=False)["service_revenue"]
    }
    out["revenue_low"] = [bounds[b][0] for b in out["quality_band"]]
    out["revenue_high"] = [bounds[b][1] for b in out["quality_band"]]
    return out


def fix_first(records: pd.DataFrame, value: pd.DataFrame, below: float = 0.6) -> pd.DataFrame:
    """Every customer whose record quality is below ``below``, most valuable first: what is
    missing for each."""
    poor = value[value["record_quality"] < below].sort_values("value", ascending=False, kind="stable")
    known = records[INDICATORS].to_numpy(bool)[joins.positions(poor["customer_id"], records["customer_id"])]
    words = np.array([INDICATOR_WORDS[c] for c in INDICATORS])
    poor = poor.assign(missing=[", ".join(words[~row]) for row in known])
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
    cluster = clusters.loc[clusters["customer_id"] == customer_id, "cluster_id"]
    dupes = clusters[clusters["cluster_id"].isin(cluster) & (clusters["customer_id"] != customer_id)]
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
