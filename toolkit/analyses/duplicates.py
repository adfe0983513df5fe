"""Likely duplicate customer records: the same person entered twice, found by a record-linkage
model (splink on DuckDB) rather than by shared contact details.

Two records are compared on first name (exact, a nickname of the same name or a near spelling),
last name, e-mail, phone, postal code and — when the customers table has one — ``address``. How
often one person's two records agree on each field is the model's fixed knowledge of how records
get entered twice (:data:`AGREEMENT`); how often two strangers agree by chance is learnt from the
dealer's own records (common surnames weigh less than rare ones), and the two together give every
pair a match probability.

Household members are several people: they often share a landline, a surname, a postal code and
an address. Two records whose first names disagree outright (not equal, not nicknames of one name,
not a near spelling) are therefore never taken for one person, whatever else they
share.

Only pairs that share an e-mail, a phone, a last name and postal code, or a first name and postal
code are compared (blocking), so a file of 200,000 customers is linked in seconds.
"""

from __future__ import annotations

import logging
from functools import cache

import numpy as np
import pandas as pd

from toolkit import joins, resources

MATCH_PROBABILITY = 0.95  # a pair at least this likely to be one person is a likely duplicate
FIELDS = {  # the fields compared, and how the duplicates list names them
    "first_name": "first name",
    "last_name": "last name",
    "email": "e-mail",
    "phone": "phone",
    "postal_code": "postal code",
    "address": "address",
}
UNIQUE_PAIRS_SAMPLED = 400_000  # random pairs that teach the model how often strangers agree
MEMORY_LIMIT = "1GB"  # DuckDB's own limit: otherwise it takes most of the machine at 200,000 customers
SEED = 20241  # the random pairs are drawn reproducibly: the same data gives the same clusters
# How often one person's two records agree on a field, level by level from the closest (exact)
# to none, when both hold it: the m probabilities of the model, from how CRM records are entered
# twice (a nickname, a typo, a new e-mail, a phone typed again). Different first names are held
# to never be one person (module docstring). How often strangers agree (u) is learnt from the
# dealer's own records.
AGREEMENT = {
    "first_name": (0.85, 0.09, 0.06, 1e-30),  # same, nickname of one name, near spelling, different
    "last_name": (0.9, 0.08, 0.02),  # same, near spelling, different (married, mistyped)
    "email": (0.7, 0.05, 0.05, 0.2),  # same, same before the @, near spelling, different
    "phone": (0.8, 0.05, 0.15),  # same, one digit off, different (a new number)
    "postal_code": (0.9, 0.1),  # same, different (moved)
    "address": (0.7, 0.2, 0.1),  # same, near spelling (St. for Street), different
}
# How often two strangers' records agree, level by level as in AGREEMENT, in a store too small to
# learn it from (fewer than LEARN_FROM records): the u probabilities of a typical store, where
# customers live in a few postal codes and share common first names.
STRANGERS = {
    "first_name": (0.01, 0.002, 0.005, 0.983),
    "last_name": (0.005, 0.002, 0.993),
    "email": (1e-6, 1e-6, 1e-4, 0.999898),
    "phone": (1e-6, 1e-5, 0.999989),
    "postal_code": (0.02, 0.98),
    "address": (1e-5, 1e-4, 0.99989),
}
SURE_PAIRS_RECALL = 0.8  # the share of all duplicates that share an e-mail, or a full name and a phone
LEARN_FROM = 1_000  # records needed to learn how often strangers agree from the dealer's own
CLUSTER_COLUMNS = {  # the columns of duplicate_clusters, with their types
    "cluster_id": "int64",
    "customer_id": "str",
    "match_probability": "float64",
    "matched_on": "str",
    "survivor": "bool",
    "record_quality": "float64",
}


@cache
def nicknames() -> dict[str, str]:
    """Nickname → the formal first name it stands for (``data/nicknames.csv``): bill → william."""
    table = pd.read_csv(resources.shipped("data", "nicknames.csv"), dtype="str")
    return dict(zip(table["nickname"], table["name"], strict=True))


def linkage_input(records: pd.DataFrame) -> pd.DataFrame:
    """The fields the model compares, one row per customer record: names lower-cased and trimmed
    (``first_formal`` is the formal name a nickname stands for), the normalised e-mail and phone
    of :func:`toolkit.analyses.knowledge.customer_records`, the postal code's first five
    characters and the address without punctuation; a blank is missing."""

    def clean(column: str) -> pd.Series:
        if column not in records:
            return pd.Series(pd.NA, index=records.index, dtype="str")
        text = records[column].astype("str").str.lower().str.replace(r"[^\w@ ]", " ", regex=True)
        text = text.str.replace(r"\s+", " ", regex=True).str.strip()
        return text.where(text != "")

    first = clean("first_name")
    return pd.DataFrame(
        {
            "unique_id": records["customer_id"].astype("str"),
            "first_name": first,
            "first_formal": first.replace(nicknames()),
            "last_name": clean("last_name"),
            "email": records["email_normal"].astype("str"),
            "phone": records["phone_normal"].astype("str"),
            "postal_code": clean("postal_code").str.replace(" ", "").str[:5],
            "address": clean("address"),
        }
    ).reset_index(drop=True)


def _comparisons(with_address: bool) -> list:
    """How two records are compared, field by field, from closest agreement to none, with how
    often one person's two records sit at each level (:data:`AGREEMENT`) and, until learnt, how
    often two strangers' do (:data:`STRANGERS`)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import ColumnExpression

    def levels(column: str, *closer) -> list:
        chosen = [cll.NullLevel(column), *closer, cll.ElseLevel()]
        return [chosen[0]] + [
            lv.configure(m_probability=m, fix_m_probability=True, u_probability=u)
            for lv, m, u in zip(chosen[1:], AGREEMENT[column], STRANGERS[column], strict=True)
        ]

    def exact(column: str, tf: bool = False):
        return cll.ExactMatchLevel(column).configure(tf_adjustment_column=column) if tf else cll.ExactMatchLevel(column)

    username = ColumnExpression("email").regex_extract("^[^@]+")
    fields = {
        "first_name": levels(
            "first_name",
            exact("first_name", tf=True),
            cll.ExactMatchLevel("first_formal"),
            cll.JaroWinklerLevel("first_name", 0.9),
        ),
        "last_name": levels("last_name", exact("last_name", tf=True), cll.JaroWinklerLevel("last_name", 0.9)),
        "email": levels("email", exact("email"), cll.ExactMatchLevel(username), cll.JaroWinklerLevel("email", 0.9)),
        "phone": levels("phone", exact("phone"), cll.LevenshteinLevel("phone", 1)),
        "postal_code": levels("postal_code", exact("postal_code")),
        "address": levels("address", exact("address"), cll.JaroWinklerLevel("address", 0.88)),
    }
    return [
        cl.CustomComparison(comparison_levels=lv, output_column_name=name)
        for name, lv in fields.items()
        if with_address or name != "address"
    ]


def match_prior(table: pd.DataFrame) -> float:
    """How likely two records drawn at random are one person, before comparing them: the pairs
    that share an e-mail, or a full name and a phone (near-certain duplicates), taken as
    :data:`SURE_PAIRS_RECALL` of all duplicates, over all pairs; at least one pair's worth, so a
    file with no such pair still has a prior."""

    def pairs(*columns: str) -> int:
        keyed = table.dropna(subset=list(columns))
        sizes = keyed.groupby(list(columns)).size().to_numpy()
        return int((sizes * (sizes - 1) // 2).sum())

    n = len(table)
    sure = (
        pairs("email") + pairs("first_name", "last_name", "phone") - pairs("email", "first_name", "last_name", "phone")
    )
    return max(sure / SURE_PAIRS_RECALL, 1) / max(n * (n - 1) / 2, 1)


def _settings(table: pd.DataFrame, with_address: bool):
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only",
        probability_two_random_records_match=match_prior(table),
        comparisons=_comparisons(with_address),
        blocking_rules_to_generate_predictions=_blocking(),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
    )


def _blocking():
    from splink import block_on

    return [
        block_on("email"),
        block_on("phone"),
        block_on("last_name", "postal_code"),
        block_on("first_formal", "postal_code"),
    ]


def duplicate_clusters(records: pd.DataFrame, sales: pd.DataFrame | None = None) -> pd.DataFrame:
    """Likely duplicate customer records grouped into clusters, one row per record in a cluster
    of two or more: ``cluster_id``; ``customer_id``; ``match_probability``, how likely the record
    is the same person as the closest other record of its cluster; ``matched_on``, the fields on
    which those two agree; ``survivor``, the record to keep when merging (the most complete, then
    the one with sales, then the oldest); and ``record_quality``. Largest clusters first."""
    pairs = likely_duplicate_pairs(records)
    if pairs.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in CLUSTER_COLUMNS.items()})
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    ids = pd.Index(records["customer_id"].astype("str"))
    left, right = ids.get_indexer(pairs["customer_id_l"]), ids.get_indexer(pairs["customer_id_r"])
    graph = coo_matrix((np.ones(len(pairs)), (left, right)), shape=(len(ids), len(ids)))
    _, label = connected_components(graph, directed=False)
    both = pd.concat(
        [
            pairs.rename(columns={"customer_id_l": "customer_id"})[["customer_id", "match_probability", "matched_on"]],
            pairs.rename(columns={"customer_id_r": "customer_id"})[["customer_id", "match_probability", "matched_on"]],
        ]
    )
    best = both.sort_values("match_probability", ascending=False, kind="stable").drop_duplicates("customer_id")
    kept = records[["record_quality"]].assign(
        customer_id=ids,
        _cluster=label,
        _created=records.get("created_at", pd.NaT),
    )
    out = kept.merge(best, on="customer_id")
    buyers = sales["customer_id"] if sales is not None else pd.Series([], dtype="str")
    out["has_sales"] = joins.positions(out["customer_id"], buyers) >= 0
    out["_created"] = out["_created"].fillna(pd.Timestamp.max)
    out["_size"] = out.groupby("_cluster")["customer_id"].transform("size")
    out = out.sort_values(
        ["_size", "_cluster", "record_quality", "has_sales", "_created"],
        ascending=[False, True, False, False, True],
        kind="stable",
    )
    out["survivor"] = ~out["_cluster"].duplicated()
    out["cluster_id"] = out.groupby("_cluster", sort=False).ngroup() + 1
    return out[list(CLUSTER_COLUMNS)].reset_index(drop=True)


def clusters_of(clusters: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """The whole clusters with at least one record among ``records`` (one salesperson's customers,
    say): the other records of such a cluster are what theirs duplicates."""
    touched = clusters.loc[joins.positions(clusters["customer_id"], records["customer_id"]) >= 0, "cluster_id"]
    return clusters[clusters["cluster_id"].isin(touched.unique())]


def likely_duplicate_pairs(records: pd.DataFrame) -> pd.DataFrame:
    """Every pair of customer records the model finds at least :data:`MATCH_PROBABILITY` likely
    to be one person: ``customer_id_l``, ``customer_id_r``, ``match_probability`` and
    ``matched_on`` (the fields whose agreement counts for the match, e.g.
    ``"first name, e-mail, postal code"``). Empty when fewer than two records can be compared."""
    table = linkage_input(records)
    if len(table) < 2:
        return pd.DataFrame(columns=["customer_id_l", "customer_id_r", "match_probability", "matched_on"])
    import duckdb
    from splink import DuckDBAPI, Linker

    with_address = bool(table["address"].notna().any())
    quiet = logging.getLogger("splink")
    level, quiet.level = quiet.level, logging.ERROR
    try:
        linker = Linker(
            DuckDBAPI(duckdb.connect(config={"memory_limit": MEMORY_LIMIT})).register(
                table if with_address else table.drop(columns="address")
            ),
            _settings(table, with_address),
            log_level=None,
        )
        if len(table) >= LEARN_FROM:
            linker.training.estimate_u_using_random_sampling(max_pairs=UNIQUE_PAIRS_SAMPLED, seed=SEED)
        pairs = linker.inference.predict(threshold_match_probability=MATCH_PROBABILITY).as_pandas_dataframe()
    finally:
        quiet.level = level
    fields = [f for f in FIELDS if f"mw_{f}" in pairs]
    agree = pairs[[f"mw_{f}" for f in fields]].to_numpy() > 0
    return pd.DataFrame(
        {
            "customer_id_l": pairs["unique_id_l"].astype("str"),
            "customer_id_r": pairs["unique_id_r"].astype("str"),
            "match_probability": pairs["match_probability"].astype(float),
            "matched_on": [", ".join(FIELDS[f] for f, a in zip(fields, row, strict=True) if a) for row in agree],
        }
    )
