"""Likely duplicates by record linkage, against files whose duplicates are known: a simulated
customer file (nicknames, typos, formats, households on one landline) and the sample
dealership, whose second records the generator planted."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.people import people_with_duplicates
from toolkit.analyses import duplicates, knowledge
from toolkit.inputs.dealer import load_dealer
from toolkit.resources import sample_dir

NO_VEHICLES = pd.DataFrame({"customer_id": pd.Series([], dtype="str")})


def found_pairs(clusters: pd.DataFrame) -> set:
    pairs = set()
    for _, members in clusters.groupby("cluster_id")["customer_id"]:
        ids = sorted(members)
        pairs |= {frozenset((a, b)) for i, a in enumerate(ids) for b in ids[i + 1 :]}
    return pairs


def precision_recall(found: set, truth: set) -> tuple[float, float]:
    hits = len(found & truth)
    return hits / max(len(found), 1), hits / len(truth)


@pytest.mark.parametrize("people", [3_000, 600], ids=["learns-from-the-records", "too-small-to-learn-from"])
def test_known_duplicates_are_found_and_households_are_not_merged(people):
    customers, truth = people_with_duplicates(people, seed=5)
    assert (len(customers) >= duplicates.LEARN_FROM) == (people == 3_000)
    records = knowledge.customer_records(customers, NO_VEHICLES)
    clusters = duplicates.duplicate_clusters(records)
    precision, recall = precision_recall(found_pairs(clusters), truth)
    assert precision >= 0.9 and recall >= 0.85
    home = customers.set_index("customer_id")["household_id"]
    first = customers.set_index("customer_id")["first_name"]
    for pair in found_pairs(clusters) - truth:  # whatever else it gets wrong, never two people of one home
        a, b = sorted(pair)
        assert not (home[a] == home[b] and first[a] != first[b])


def test_the_sample_duplicates_are_the_planted_second_records():
    d = load_dealer(sample_dir())
    records = knowledge.customer_records(d["customers"], d["vehicles"])
    clusters = duplicates.duplicate_clusters(records, d["sales"])
    planted = records[records["customer_id"] > "C002000"]  # the generator's second records follow the 2,000
    # each planted record names one original: the same person, salesperson and e-mail or phone
    originals = records[records["customer_id"] <= "C002000"]
    truth = set()
    for r in planted.itertuples():
        same = originals[
            (originals["first_name"] == r.first_name)
            & (originals["last_name"] == r.last_name)
            & ((originals["email_normal"] == r.email_normal) | (originals["phone_normal"] == r.phone_normal))
        ]
        assert len(same) == 1
        truth.add(frozenset((r.customer_id, same["customer_id"].iloc[0])))
    precision, recall = precision_recall(found_pairs(clusters), truth)
    assert precision >= 0.9 and recall >= 0.85
    assert set(clusters.loc[~clusters["survivor"], "customer_id"]) <= set(planted["customer_id"]) | set(
        originals["customer_id"]
    )
    assert clusters.groupby("cluster_id")["survivor"].sum().eq(1).all()
    # the broad measure counts household landlines, the linkage does not
    k = knowledge.kpis(records, clusters)
    assert k["duplicate_share"] == pytest.approx(2 * len(truth) / len(records), abs=0.01)
    assert k["shared_contact_share"] > 3 * k["duplicate_share"]


def test_no_two_records_means_no_clusters():
    one = people_with_duplicates(1, seed=1, duplicate_share=0)[0]
    clusters = duplicates.duplicate_clusters(knowledge.customer_records(one, NO_VEHICLES))
    assert clusters.empty and clusters.dtypes.astype(str).to_dict() == duplicates.CLUSTER_COLUMNS
    records = knowledge.customer_records(one.assign(email_opt_in=True, sms_opt_in=False), NO_VEHICLES)
    k = knowledge.kpis(records, clusters)
    assert k["duplicate_share"] == 0


def test_nicknames_name_one_person():
    names = duplicates.nicknames()
    assert names["bill"] == "william" and names["peggy"] == "margaret"
    assert all(formal not in names for formal in names.values())  # a formal name is never itself a nickname


def test_the_prior_counts_sure_pairs_and_never_reaches_zero():
    table = pd.DataFrame(
        {
            "email": ["a@x.com", "a@x.com", None, None],
            "first_name": ["ann", "ann", "bob", "bob"],
            "last_name": ["lee", "lee", "fox", "fox"],
            "phone": ["4155552671", "4155552671", "4155550000", None],
        }
    )
    # one sure pair (the same e-mail, and the same name and phone: counted once) of six pairs
    assert duplicates.match_prior(table) == pytest.approx(1 / duplicates.SURE_PAIRS_RECALL / 6)
    strangers = table.assign(email=[None] * 4, phone=[None] * 4)
    assert duplicates.match_prior(strangers) == pytest.approx(1 / 6)
