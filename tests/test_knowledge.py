"""Customer knowledge on hand-worked records: indicators, duplicates, masking, KPIs."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import write_folder
from toolkit.analyses import duplicates, knowledge
from toolkit.inputs.dealer import load_dealer
from toolkit.resources import sample_dir


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    folder = write_folder(
        tmp_path_factory.mktemp("k") / "d",
        {
            "customers": """
            customer_id,household_id,first_name,last_name,email,phone,postal_code,created_at,salesperson_id
            C1,H1,Ann,Lee,ann@example.com,(555) 234-5678,60601,2023-01-01,S1
            C2,H1,Bob,Lee,bob@example.com,555.234.5678,60601,2023-01-02,S1
            C3,,ann,lee, ANN@EXAMPLE.COM ,,,2024-05-01,S2
            C4,,Carl,Diaz,noemail@noemail.com,+1 (312) 555 0000,60602,2023-03-01,S2
            C5,,carl,DIAZ,,3125550000,60602,2024-01-01,S2
            C6,H6,Dee,Fox,dee@example.org,0000000000,,2024-02-01,S2
        """,
            "vehicles": """
            vin,customer_id,make
            V1,C1,Toyota
            V2,C4,Honda
            V3,C9,Ford
        """,
            "sales": "deal_id,customer_id,sold_at\nD1,C4,2023-03-01\n",
        },
        'name = "Test Motors"\nas_of = 2024-06-30\n',  # the last sale is older than the newest records
    )
    dealer = load_dealer(folder, cache=False)
    return dealer, knowledge.customer_records(dealer["customers"], dealer["vehicles"])


def test_indicators_and_kpis_by_hand(hand):
    _, r = hand
    r = r.set_index("customer_id")
    assert r["email_valid"].tolist() == [True, True, True, False, False, True]
    assert r["phone_valid"].tolist() == [True, True, False, True, True, False]
    assert r["household_linked"].tolist() == [True, True, False, False, False, False]
    # C6 lives alone and the CRM says so: a household on file, linked to nobody
    assert r["household_known"].tolist() == [True, True, False, False, False, True]
    assert r.loc["C1", "record_quality"] == 1.0 and r.loc["C6", "record_quality"] == 0.4
    clusters = pd.DataFrame({"cluster_id": [1, 1], "customer_id": ["C4", "C5"]})
    k = knowledge.kpis(r.reset_index(), clusters)
    assert k["email_coverage"] == pytest.approx(4 / 6) and k["vehicle_coverage"] == pytest.approx(2 / 6)
    assert k["postal_code_coverage"] == pytest.approx(4 / 6) and k["household_known_share"] == pytest.approx(3 / 6)
    assert k["duplicate_share"] == pytest.approx(2 / 6)  # in a likely-duplicate cluster
    # shares an e-mail or phone: C1, C3 (e-mail); C1, C2 (household phone); C4, C5 (phone)
    assert k["shared_contact_share"] == pytest.approx(5 / 6)
    assert k["record_quality_mean"] == pytest.approx(r["record_quality"].mean())


def test_duplicate_clusters_handle_case_spaces_prefixes_and_household_phones(hand):
    dealer, r = hand
    c = duplicates.duplicate_clusters(r, dealer["sales"])
    groups = {frozenset(g["customer_id"]) for _, g in c.groupby("cluster_id")}
    assert groups == {frozenset({"C1", "C3"}), frozenset({"C4", "C5"})}  # C2 shares only Ann's landline
    survivors = set(c.loc[c["survivor"], "customer_id"])
    assert survivors == {"C1", "C4"}  # C1 most complete; C4 has the sale (C5 is as complete)
    assert (c["match_probability"] >= duplicates.MATCH_PROBABILITY).all()
    assert set(c.loc[c["customer_id"] == "C5", "matched_on"].iloc[0].split(", ")) >= {"first name", "phone"}


def test_household_view_and_unknown_owner(hand):
    dealer, r = hand
    view = knowledge.household_view(r, dealer["vehicles"])
    assert view["vehicles_with_unknown_owner"] == 1 and view["households"] == 1 and view["no_vehicle_on_file"] == 4


def test_masking():
    assert knowledge.mask_email(pd.Series(["alice@example.com"])).iloc[0] == "a***@e***.com"
    assert knowledge.mask_phone(pd.Series(["(555) 123-4567"])).iloc[0] == "***-***-4567"


def test_sample_kpis_match_a_hand_check():
    d = load_dealer(sample_dir())
    r = knowledge.customer_records(d["customers"], d["vehicles"])
    k = knowledge.kpis(r, duplicates.duplicate_clusters(r, d["sales"]))
    emails = d["customers"]["email"].str.strip().str.lower()
    valid = emails.str.match(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$") & ~emails.str.split("@").str[0].isin(
        ["noemail", "none", "na", "declined"]
    )
    assert k["email_coverage"] == pytest.approx(valid.fillna(False).mean())
    owners = set(d["vehicles"]["customer_id"])
    assert k["vehicle_coverage"] == pytest.approx(d["customers"]["customer_id"].isin(owners).mean())
    board = knowledge.salesperson_leaderboard(r)
    assert board.iloc[-1]["salesperson_id"] == "S04"  # the transactional salesperson keeps the thinnest records


def test_the_year_filter_keeps_records_without_a_creation_date():
    records = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "salesperson_id": ["S1", "S1", "S2"],
            "created_at": pd.to_datetime(["2020-05-01", None, "2023-01-01"]),
        }
    )
    assert knowledge.created_years(records) == (2020, 2023)
    assert knowledge.records_of(records, "S1", (2021, 2023))["customer_id"].tolist() == ["C2"]
    undated = records.assign(created_at=pd.NaT)
    assert knowledge.created_years(undated, pd.Timestamp("2025-06-30")) == (2025, 2025)
    assert len(knowledge.records_of(undated, "everyone", (2025, 2025))) == 3
