"""The lists a dealer acts on: complete, with contact details and a reason, written beside the
report and linked from it, the set's index and the portfolio; and ``--mask-personal``, which
leaves no name, e-mail or phone of the data in any file written (issue 18, items 1 and 2)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.test_cli import playbook
from toolkit import privacy
from toolkit.analyses import contacts
from toolkit.inputs.dealer import Dealer
from toolkit.presentation import display
from toolkit.presentation.frontend import STATIC_ENV
from toolkit.presentation.stories import cadence as cadence_story
from toolkit.presentation.stories import engagement as engagement_story
from toolkit.presentation.stories import knowledge as knowledge_story
from toolkit.presentation.stories import reciprocity as reciprocity_story
from toolkit.resources import sample_dir


def small_dealer(masked: bool = False) -> Dealer:
    customers = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "first_name": ["Ana", None, "Lee"],
            "last_name": ["King", None, None],
            "email": ["ana@example.com", None, "lee@example.org"],
            "phone": ["555-0101", "555-0102", None],
            "postal_code": ["10001", None, "10003"],
            "salesperson_id": ["S1", "S2", None],
        }
    )
    staff = pd.DataFrame({"staff_id": ["S1", "S2"], "name": ["Dana W", "Marc G"]})
    staff = privacy.masked_staff(staff) if masked else staff  # as load_dealer(mask_personal=True) does
    return Dealer("Test", None, Path("."), {}, {"customers": customers, "staff": staff}, masked=masked)


def test_a_contact_list_leads_with_whom_to_contact_how_and_why():
    frame = pd.DataFrame({"customer_id": ["C2", "C1", "C9"], "deal_id": ["D1", "D2", "D3"]})
    out = contacts.contact_list(frame, pd.Series(["late", "missed", "unknown"]), small_dealer())
    assert list(out.columns) == [*contacts.CONTACT_COLUMNS, "deal_id"]
    assert out.loc[1, "name"] == "Ana King" and pd.isna(out.loc[0, "name"])  # no name on file stays blank
    assert out.loc[1, "email"] == "ana@example.com" and out.loc[0, "phone"] == "555-0102"
    assert out["salesperson_id"].tolist()[:2] == ["S2", "S1"]  # the customer's own salesperson
    assert out["salesperson_name"].tolist()[:2] == ["Marc G", "Dana W"]
    assert out.loc[2, ["name", "phone", "email"]].isna().all()  # a customer not on file: blanks
    assert out["reason"].tolist() == ["late", "missed", "unknown"] and out["deal_id"].tolist() == ["D1", "D2", "D3"]


def test_staff_read_by_name_beside_their_id():
    staff = small_dealer().tables["staff"]
    assert contacts.staff_label("S1", staff) == "Dana W (S1)" and contacts.staff_label("everyone", staff) == "everyone"
    assert contacts.staff_label("S9", staff) == "S9" and contacts.staff_label("S1", None) == "S1"
    assert contacts.staff_label("S2", small_dealer(masked=True).tables["staff"]) == "Staff S2"  # no "Staff S2 (S2)"
    assert contacts.staff_options(["all", "S2"], staff) == [("all", "all"), ("Marc G (S2)", "S2")]
    board = pd.DataFrame({"salesperson_id": ["S2", "S9"], "sales": [3, 1]})
    named = contacts.with_staff_names(board, staff)
    assert list(named.columns) == ["salesperson_id", "name", "sales"] and named["name"].tolist()[0] == "Marc G"
    assert pd.isna(named["name"].tolist()[1]) and contacts.with_staff_names(board, None) is board


def test_a_list_that_names_the_seller_keeps_the_seller():
    frame = pd.DataFrame({"customer_id": ["C1"], "salesperson_id": ["S2"]})
    out = contacts.contact_list(frame, pd.Series(["sold by S2"]), small_dealer())
    assert out.loc[0, "salesperson_id"] == "S2" and out.loc[0, "salesperson_name"] == "Marc G"


def test_masked_contact_details_are_stable_pseudonyms_and_blanks_stay_blank():
    frame = pd.DataFrame({"customer_id": ["C1", "C2", "C3"]})
    out = contacts.contact_list(frame, pd.Series(["a", "b", "c"]), small_dealer(masked=True))
    assert out["name"].tolist()[0] == "Customer C1" and out.loc[2, "name"] == "Customer C3"
    assert pd.isna(out.loc[1, "name"]) and pd.isna(out.loc[1, "email"]) and pd.isna(out.loc[2, "phone"])
    assert out.loc[0, "email"] == "c1@example.invalid" and out.loc[0, "phone"] == "tel-C1"
    assert out["salesperson_name"].tolist()[:2] == ["Staff S1", "Staff S2"]
    again = contacts.contact_list(frame, pd.Series(["x", "y", "z"]), small_dealer(masked=True))
    pd.testing.assert_frame_equal(out.drop(columns="reason"), again.drop(columns="reason"))
    text = out.to_csv()
    assert "Ana" not in text and "King" not in text and "555-0101" not in text and "Dana" not in text


def test_postal_codes_get_pseudonyms_too():
    contacts_on_file = pd.DataFrame({"customer_id": ["C1", "C2"], "postal_code": ["10001", None]})
    masked = privacy.masked_contacts(contacts_on_file)
    assert masked["postal_code"].tolist()[0] == "zip-C1" and pd.isna(masked.loc[1, "postal_code"])


def test_each_list_says_why_its_customers_are_on_it():
    calls = pd.DataFrame(
        {
            "sold_on": ["2025-03-02", "2025-06-01"],
            "days_since_sale": [120, 29],
            "missed_steps": ["check_in, quarter", ""],
            "no_first_appointment": [True, False],
        }
    )
    assert cadence_story.call_reasons(calls).tolist() == [
        "bought 2025-03-02 (120 days ago); missed check_in, quarter; no first service appointment",
        "bought 2025-06-01 (29 days ago)",
    ]
    tired = pd.DataFrame({"longest_ask_streak": [4, 3], "days_since_last_give": [24.0, float("nan")]})
    assert reciprocity_story.tired_reasons(tired).tolist() == [
        "4 ask-only touches in a row; last given something 24 days ago",
        "3 ask-only touches in a row; never given anything",
    ]
    clusters = pd.DataFrame(
        {
            "cluster_id": [1, 1, 2, 2],
            "customer_id": ["A", "B", "C", "D"],
            "matched_on": ["email"] * 4,
            "match_probability": [0.999] * 4,
            "survivor": [False, True, True, False],
        }
    )
    assert knowledge_story.duplicate_reasons(clusters).tolist() == [
        "same email (99.9% one person); merge into B",
        "same email (99.9% one person); keep this record",
        "same email (99.9% one person); keep this record",
        "same email (99.9% one person); merge into C",
    ]
    invalid = pd.DataFrame({"field": ["email", "phone"], "problem": ["It should have a period.", "too few digits"]})
    assert knowledge_story.invalid_reasons(invalid).tolist() == [
        "e-mail: It should have a period",
        "phone: too few digits",
    ]
    lapsed = pd.DataFrame({"days_since_last_event": [float("nan"), 400.0], "reachable": [True, False]})
    assert engagement_story.lapsed_reasons(lapsed).tolist() == [
        "no engagement on record",
        "last engaged 400 days ago; opted in to neither e-mail nor text messages",
    ]


def test_a_rendered_report_links_the_csv_and_a_live_one_says_where_it_will_be(monkeypatch):
    rows = pd.DataFrame({"customer_id": ["C1", "C2"], "reason": ["=HYPERLINK(1)", "ok"]})
    monkeypatch.setenv(STATIC_ENV, "1")
    assert display.list_link("call_list", rows) == (
        '<a class="list-link" href="lists/call_list.csv">the whole list (2 rows, CSV)</a>'
    )
    monkeypatch.delenv(STATIC_ENV)
    assert display.list_link("call_list", rows) == (
        "the whole list (2 rows) is written beside the report when it is rendered"
    )


def test_a_list_name_cannot_leave_the_lists_folder():
    from toolkit.presentation.results import list_path

    with pytest.raises(ValueError):
        list_path("../index")


def test_a_list_is_written_as_its_rows_of_plain_values_would_be():
    """The column-at-a-time conversion gives each value exactly as converting the list a row at a
    time did: every kind of column, missing values, sub-second and far-off dates, formula text."""
    import numpy as np

    from toolkit import files
    from toolkit.presentation.results import list_payload, to_jsonable

    frame = pd.DataFrame(
        {
            "text": pd.Series(["Ana", None, "=HYPERLINK(1)", ""], dtype="str"),
            "python_text": pd.Series(["a", pd.NA, "b", "-1"], dtype="string"),
            "count": [1, 2, 3, -4],
            "share": [0.1 + 0.2, np.nan, 1 / 3, -0.0],
            "small": np.array([0.5, 1e-9, np.inf, 2.0000005], np.float32),
            "yes": [True, False, True, False],
            "maybe": pd.array([True, None, False, None], dtype="boolean"),
            "whole": pd.array([1, None, 3, 4], dtype="Int64"),
            "day": pd.to_datetime(["2026-01-02", None, "2026-03-04 05:06:07", "1999-12-31"], format="ISO8601"),
            "instant": pd.to_datetime(["2026-01-02 00:00:00.5", None, "2026-03-04", "2026-03-04"], format="ISO8601"),
            "old": np.array(["1650-01-01", "2300-01-01", "NaT", "2026-01-01"], "datetime64[s]"),
            "kind": pd.Categorical(["a", "b", None, "a"]),
            "mixed": [1, "two", np.float64(3.5), None],
        }
    )
    rows = to_jsonable(frame.to_dict("records"))
    expected = files.csv_text(rows, list(frame.columns))
    payload = list_payload(frame)
    assert payload["csv"] == expected
    assert payload["rows"] == 4 and payload["columns"] == list(frame.columns)
    assert "'=HYPERLINK(1)" in expected and "2026-01-02T00:00:00.500000" in expected


def _csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_list_a_report_mentions_is_written_complete_and_linked(demo):
    index = (demo / "index.html").read_text()
    mentioned = 0
    for results_file in sorted(demo.glob("*/results.json")):
        folder = results_file.parent
        results = json.loads(results_file.read_text())
        report = (folder / "report.html").read_text()
        linked = set(re.findall(r'href="(lists/[a-z_]+\.csv)"', report))
        assert linked == {spec["path"] for spec in results["lists"].values()}, folder.name
        for name, spec in results["lists"].items():
            rows = _csv_rows(folder / spec["path"])
            assert len(rows) == spec["rows"], name
            assert f'href="{folder.name}/{spec["path"]}"' in index
            if name != "campaigns":
                assert list(rows[0])[: len(contacts.CONTACT_COLUMNS)] == list(contacts.CONTACT_COLUMNS)
                assert all(r["reason"] for r in rows) and any(r["name"] for r in rows) and any(r["phone"] for r in rows)
        for action in results["actions"]:
            if action["subject"] in results["lists"]:
                mentioned += 1
                assert f'href="lists/{action["subject"]}.csv"' in report
        executed = (folder / "executed.ipynb").read_text()
        assert '"csv": ' not in executed  # the notebook keeps where the lists are, not a copy
    assert mentioned >= 7


def test_the_call_list_holds_every_buyer_the_action_counts(demo):
    from toolkit.analyses import cadence
    from toolkit.inputs.config import load_plan
    from toolkit.inputs.dealer import load_dealer

    dealer = load_dealer(sample_dir())
    plan = load_plan(None)
    pairs = cadence.touches_after_sales(dealer["sales"], dealer["touches"], cadence.horizon(plan))
    per_sale = cadence.sale_follow_up(
        dealer["sales"], pairs, dealer["appointments"], dealer["repair_orders"], plan, dealer.as_of
    )
    expected = cadence.call_list(per_sale, plan)
    rows = _csv_rows(demo / "sold_follow_up" / "lists" / "call_list.csv")
    assert [r["deal_id"] for r in rows] == expected["deal_id"].tolist() and len(rows) > 20
    call = next(
        a for a in json.loads((demo / "sold_follow_up" / "results.json").read_text())["actions"] if a["kind"] == "call"
    )
    assert f"**{len(rows)} recent buyers**" in call["text"]
    names = dealer["customers"].set_index("customer_id")
    first = names.loc[rows[0]["customer_id"]]
    assert rows[0]["name"] == f"{first['first_name']} {first['last_name']}"


def _personal_values() -> set[str]:
    """The sample's full names, working e-mails and phones (placeholders such as
    ``noemail@noemail.com`` are no one's, and the report names them as examples) and staff names."""
    from toolkit.analyses.validity import normal_email, normal_phone

    customers = pd.read_csv(sample_dir() / "customers.csv", dtype=str)
    staff = pd.read_csv(sample_dir() / "staff.csv", dtype=str)
    full = (customers["first_name"] + " " + customers["last_name"]).dropna()
    emails = customers.loc[normal_email(customers["email"]).notna(), "email"]
    phones = customers.loc[normal_phone(customers["phone"]).notna(), "phone"]
    return {v for v in {*full, *emails.dropna(), *phones.dropna(), *staff["name"].dropna()} if len(v) >= 6}


def _written_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_a_masked_batch_writes_no_name_email_or_phone_of_the_data(tmp_path):
    clients = tmp_path / "clients.toml"
    clients.write_text(f'[clients.lakeside]\ndata = "{sample_dir()}"\n')
    out = tmp_path / "out"
    result = playbook("batch", str(clients), "--out", str(out), "--jobs", "2", "--mask-personal")
    assert result.returncode == 0, result.stdout + result.stderr
    values = _personal_values()
    written = _written_files(out)
    assert len([p for p in written if p.suffix == ".csv"]) >= 9
    for path in written:
        text = path.read_text(encoding="utf-8", errors="replace")
        leaked = [v for v in values if v in text]
        assert not leaked, f"{path.relative_to(out)} shows {leaked[:3]}"
    rows = _csv_rows(out / "lakeside" / "sold_follow_up" / "lists" / "call_list.csv")
    assert rows[0]["name"] == f"Customer {rows[0]['customer_id']}" and rows[0]["salesperson_name"].startswith("Staff S")
    report = (out / "lakeside" / "sold_follow_up" / "report.html").read_text()
    assert "personal data shown as pseudonyms" in report
    again = playbook("batch", str(clients), "--out", str(out), "--jobs", "1")
    assert again.returncode == 2 and "--mask-personal" in again.stderr  # no unmasked report beside masked ones


def test_masking_is_set_by_its_flag_and_never_mixed_into_an_unmasked_folder(tmp_path):
    out = tmp_path / "out"
    refused = playbook(
        "render", "sold_follow_up", "--data", str(sample_dir()), "--out", str(out), "-p", "mask_personal=true"
    )
    assert refused.returncode == 2 and "set by --mask-personal" in refused.stderr
    assert playbook("render", "sold_follow_up", "--data", str(sample_dir()), "--out", str(out)).returncode == 0
    mixed = playbook("render", "sold_follow_up", "--data", str(sample_dir()), "--out", str(out), "--mask-personal")
    assert mixed.returncode == 2 and "shows personal data" in mixed.stderr and "Traceback" not in mixed.stderr
