"""``playbook import``: vendor-shaped exports (tests/exports.py) turned into a contract folder
that reads value for value as the data they came from; each conversion on a hand-worked export;
bad exports named with exit 2 and the draft mapping saved."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.exports import write_exports
from tests.test_cli import playbook
from toolkit.errors import UsageError
from toolkit.inputs import schema
from toolkit.inputs.dealer import load_dealer
from toolkit.inputs.importing import UnfinishedImport, imported
from toolkit.inputs.mapping import FileMapping, Mapping, mapping_toml, read_mapping
from toolkit.resources import sample_dir


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def vendor(tmp_path_factory) -> tuple[Path, Path, dict, str]:
    """The sample dealership as vendor exports, imported by the real command: (SOURCE, DIR,
    SOURCE's digest before the import, what the command printed)."""
    root = tmp_path_factory.mktemp("import")
    source = write_exports(sample_dir(), root / "exports")
    before = _digest(source)
    result = playbook("import", str(source), "--out", str(root / "data"))
    assert result.returncode == 0, result.stdout + result.stderr
    return source, root / "data", before, result.stdout


def test_vendor_exports_import_value_for_value(vendor):
    source, data, before, _ = vendor
    original, again = load_dealer(sample_dir(), cache=False), load_dealer(data, cache=False)
    assert set(again.tables) == set(schema.TABLES)
    for name, table in original.tables.items():
        pd.testing.assert_frame_equal(
            again[name].reset_index(drop=True), table[list(again[name].columns)].reset_index(drop=True), obj=name
        )
    assert again.name == original.name and again.as_of == original.as_of and again.currency == "USD"
    assert _digest(source) == before  # SOURCE is only read


def test_the_summary_says_what_was_mapped_skipped_and_can_run(vendor):
    stdout = vendor[3]
    assert "CUSTOMER_EXTRACT.csv → customers.csv: customer_id, household_id, first_name" in stdout
    assert "skipped (not exports): README.txt.bak" in stdout
    assert "  reciprocity          ready" in stdout and "cx_alignment         ready" in stdout


def test_the_written_mapping_reproduces_the_folder_exactly(vendor, tmp_path):
    source, data, _, _ = vendor
    mapping = (data / "mapping.toml").read_text()
    assert 'phone = { first_of = ["CustomerMobilePhone", "HomePhone"] }' in mapping
    assert 'occurred_at = { date = "Activity Date", time = "Activity Time" }' in mapping
    assert '"No Show" = "no_show"' in mapping and 'decimal = ","' in mapping and 'dates = "day_first"' in mapping
    result = playbook("import", str(source), "--out", str(tmp_path / "again"), "--mapping", str(data / "mapping.toml"))
    assert result.returncode == 0, result.stderr
    assert _digest(tmp_path / "again") == _digest(data)


def test_every_playbook_renders_the_same_kpis_from_the_import(vendor, demo, tmp_path):
    result = playbook("render", "all", "--data", str(vendor[1]), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout + result.stderr
    for folder in sorted(p for p in demo.iterdir() if (p / "results.json").is_file()):
        expected = json.loads((folder / "results.json").read_text())["kpis"]
        assert json.loads((tmp_path / "out" / folder.name / "results.json").read_text())["kpis"] == expected


# --- one export at a time ---------------------------------------------------------------------


def _import(source: Path, files: dict[str, str | bytes], mapping: Mapping | None = None, tmp=None):
    source.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = source / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    mapping_path = None
    if mapping is not None:
        mapping_path = source.parent / "mapping.toml"
        mapping_path.write_text(mapping_toml(mapping))
    return imported(source, mapping_path, name="Test Motors")


def test_windows_1252_accents_and_leading_zeros_are_kept(tmp_path):
    text = "CustNo;Name1;Email Address;Do Not Email\n0012;MÜLLER,ZOË;z@x.de;Y\n0013;NUÑEZ,JOSÉ;j@x.es;N\n"
    result = _import(tmp_path / "s", {"contacts.csv": text.encode("cp1252")})
    customers = result.tables["customers"]
    assert customers["customer_id"].tolist() == ["0012", "0013"]
    assert customers["last_name"].tolist() == ["MÜLLER", "NUÑEZ"] and customers["first_name"].tolist() == [
        "ZOË",
        "JOSÉ",
    ]
    assert customers["email_opt_in"].tolist() == [False, True]  # "Do Not Email" negated
    fm = result.mapping.files[0]
    assert (fm.encoding, fm.delimiter) == ("cp1252", ";")


def test_reynolds_split_totals_give_the_total_and_the_largest_payer(tmp_path):
    text = (
        "RoNo,CustNo,RoCreateDate,CustRoTotalAmt,WarrRoTotalAmt,IntrRoTotalAmt\n"
        "R1,C1,03/14/2024,120.50,0,\n"
        "R2,C1,03/15/2024,10.00,310.25,0\n"
        "R3,C2,03/16/2024,,,85\n"
        "R4,C2,03/17/2024,0,0,0\n"
    )
    ros = _import(tmp_path / "s", {"ro_extract.csv": text}).tables["repair_orders"]
    assert ros["total"].tolist()[:3] == [120.5, 320.25, 85.0] and ros["total"].iloc[3] == 0
    assert ros["pay_type"].tolist()[:3] == ["customer", "warranty", "internal"] and pd.isna(ros["pay_type"].iloc[3])
    assert ros["opened_at"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-14", "2024-03-15", "2024-03-16", "2024-03-17"]


def test_day_first_dates_decimal_commas_excel_serials_and_short_years(tmp_path):
    deals = "DealNo;CustNo;DealDate;FrontGross\nD1;C1;13/02/2024;1.234,50\nD2;C1;01/03/24;-12,5\nD3;C1;45353;0\n"
    result = _import(tmp_path / "s", {"deals.csv": deals})
    sales = result.tables["sales"]
    assert sales["sold_at"].dt.strftime("%Y-%m-%d").tolist() == ["2024-02-13", "2024-03-01", "2024-03-02"]
    assert sales["front_gross"].tolist() == [1234.5, -12.5, 0.0]
    assert (result.mapping.files[0].dates, result.mapping.files[0].decimal) == ("day_first", ",")


def test_numeric_dates_are_rewritten_month_first_with_the_century_strptime_gives():
    from toolkit.inputs.converting import _dates

    text = pd.Series(["13/02/24 10:00", "1.3.1969", "5-6-69", "7/8/68T09:30", "2024-03-01", "45353", None])
    assert _dates(text, "day_first").tolist()[:6] == [
        "02/13/2024 10:00",
        "3/1/1969",
        "6/5/1969",
        "8/7/2068T09:30",
        "2024-03-01",
        "2024-03-02T00:00:00",
    ]
    assert _dates(text, "month_first").tolist()[1:3] == ["1/3/1969", "5/6/1969"]
    assert pd.isna(_dates(text, "day_first").iloc[6])


def test_imported_values_are_written_as_the_contract_reads_them():
    from toolkit.inputs.importing import table_text

    frame = pd.DataFrame(
        {
            "days": pd.to_datetime(["2024-03-01", None]),
            "moments": pd.to_datetime(["2024-03-01 14:05:09.75", "2024-03-02"], format="ISO8601"),
            "money": pd.array([1234.0, 0.1 + 0.2], dtype="Float64"),
            "tiny": pd.array([1e-05, None], dtype="Float64"),
            "count": pd.array([3, None], dtype="Int64"),
        }
    )
    assert table_text(frame).splitlines() == [
        "days,moments,money,tiny,count",
        "2024-03-01,2024-03-01T14:05:09,1234,0.00001,3",
        ",2024-03-02T00:00:00,0.3,,",
    ]


def test_an_export_whose_dates_cannot_tell_takes_the_order_of_the_others(tmp_path):
    deals = "DealNo,CustNo,DealDate\nD1,C1,02/13/2024\n"
    ros = "RoNo,CustNo,RoCreateDate\nR1,C1,03/04/2024\n"
    result = _import(tmp_path / "s", {"deals.csv": deals, "ros.csv": ros})
    assert str(result.tables["repair_orders"]["opened_at"].iloc[0].date()) == "2024-03-04"
    assert [fm.dates for fm in result.mapping.files] == ["month_first", "month_first"]


def test_dates_that_no_export_can_place_are_a_problem_until_the_mapping_says(tmp_path):
    ros = "RoNo,CustNo,RoCreateDate\nR1,C1,03/04/2024\n"
    with pytest.raises(UnfinishedImport) as caught:
        _import(tmp_path / "s", {"ros.csv": ros})
    assert 'set dates = "month_first" or dates = "day_first"' in str(caught.value)
    mapping = read_mapping_text(caught.value.draft, tmp_path)
    mapping.files[0].dates = "day_first"
    result = _import(tmp_path / "s", {}, mapping)
    assert str(result.tables["repair_orders"]["opened_at"].iloc[0].date()) == "2024-04-03"


def read_mapping_text(text: str, tmp_path: Path) -> Mapping:
    path = tmp_path / "draft.toml"
    path.write_text(text)
    return read_mapping(path)


def test_money_in_both_decimal_marks_is_named_not_guessed(tmp_path):
    deals = "DealNo;CustNo;DealDate;FrontGross\nD1;C1;2024-02-13;12,50\nD2;C1;2024-02-14;1,234.50\n"
    with pytest.raises(UnfinishedImport, match=r"some values read only with a point \('1,234.50'\) and some only"):
        _import(tmp_path / "s", {"deals.csv": deals})


def test_a_value_map_names_the_values_it_leaves_unmapped(tmp_path):
    touches = "Activity ID,Customer ID,Activity Date,Activity Type\nT1,C1,2024-01-02,E-Mail\nT2,C1,2024-01-02,Carrier Pigeon\n"
    with pytest.raises(UnfinishedImport) as caught:
        _import(tmp_path / "s", {"activities.csv": touches})
    text = str(caught.value)
    assert "activities.csv, column 'Activity Type → channel'" in text and "'Carrier Pigeon'" in text
    assert '"Carrier Pigeon" = ""' in caught.value.draft and '"E-Mail" = "email"' in caught.value.draft


def test_a_bad_value_is_named_by_its_export_line_and_column(tmp_path):
    deals = "DealNo,CustNo,DealDate,FrontGross\nD1,C1,2024-02-13,12.50\nD2,C1,2024-02-31,9\n"
    with pytest.raises(UnfinishedImport) as caught:
        _import(tmp_path / "s", {"deals.csv": deals})
    assert "deals.csv, column 'DealDate → sold_at'" in str(caught.value) and "line 3: '2024-02-31'" in str(caught.value)


def test_two_exports_of_one_table_are_joined_and_their_keys_checked(tmp_path):
    first = "DealNo,CustNo,DealDate\nD1,C1,2024-02-13\n"
    second = "Deal Number,Customer ID,Sold Date\nD2,C2,2024-02-14\n"
    result = _import(tmp_path / "s", {"deals 2023.csv": first, "deals 2024.csv": second})
    assert result.tables["sales"]["deal_id"].tolist() == ["D1", "D2"]
    with pytest.raises(UnfinishedImport, match="unique deal_id across the exports that hold sales"):
        _import(tmp_path / "t", {"deals 2023.csv": first, "deals 2024.csv": first})


def test_a_mapping_file_that_is_wrong_is_a_usage_error(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[files."a.csv"]\ntable = "deals"\n')
    with pytest.raises(UsageError, match=r'\[files."a.csv"\] table: expected one of customers, '):
        read_mapping(path)
    path.write_text('[files."a.csv"]\ntable = "sales"\n[files."a.csv".columns]\nphone = { first_of = "Cell" }\n')
    with pytest.raises(UsageError, match="first_of = a list of column names"):
        read_mapping(path)


def test_the_mapping_file_reads_back_as_written(tmp_path):
    odd = 'Wéird "name"\\ \x7f;'
    mapping = Mapping(
        [
            FileMapping(
                odd + ".csv",
                "customers",
                {
                    "customer_id": odd,
                    "phone": {"first_of": [odd, "Home"]},
                    "first_name": {"split": "N", "part": "first"},
                },
                {"email_opt_in": {odd: "true"}},
                "cp1252",
                "\t",
                None,
                "day_first",
                ",",
            )
        ],
        {"name": odd, "brands": ["A", odd]},
    )
    path = tmp_path / "m.toml"
    path.write_text(mapping_toml(mapping))
    assert read_mapping(path) == mapping


# --- bad input through the real command -------------------------------------------------------


def test_unrecognised_exports_and_missing_required_columns_exit_2_with_the_draft_saved(tmp_path):
    source = tmp_path / "exports"
    source.mkdir()
    (source / "q3 numbers.csv").write_text("Widget,Colour\n1,red\n")
    (source / "deals.csv").write_text("DealNo,Buyer,DealDate\nD1,Ann,2024-02-13\n")
    before = _digest(source)
    result = playbook("import", str(source), "--out", str(tmp_path / "data"), "--name", "Test Motors")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert (
        "q3 numbers.csv: an export whose table can be recognised" in result.stderr
        and "'Widget', 'Colour'" in result.stderr
    )
    assert "deals.csv, column 'customer_id': an export column for the sales table's required column" in result.stderr
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["mapping-draft.toml"]
    draft = (tmp_path / "data" / "mapping-draft.toml").read_text()
    assert "# TO DO: q3 numbers.csv: an export whose table" in draft and 'deal_id = "DealNo"' in draft
    assert _digest(source) == before
    # the user finishes the draft, and the import runs
    draft = draft.replace('[files."deals.csv".columns]\n', '[files."deals.csv".columns]\ncustomer_id = "Buyer"\n')
    draft = draft.replace('[files."q3 numbers.csv"]\n', '[files."q3 numbers.csv"]\ntable = "staff"\n')
    draft += '[files."q3 numbers.csv".columns]\nstaff_id = "Widget"\n'
    (tmp_path / "mine.toml").write_text(draft)
    result = playbook("import", str(source), "--out", str(tmp_path / "data"), "--mapping", str(tmp_path / "mine.toml"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "sales.csv").read_text() == "deal_id,customer_id,sold_at\nD1,Ann,2024-02-13\n"
    assert 'name = "Test Motors"' in (tmp_path / "data" / "dealer.toml").read_text()


@pytest.mark.parametrize(
    "out, expected",
    [
        ("exports/data", "must be separate folders, neither inside the other"),
        ("full", "holds files that are not an earlier import"),
    ],
)
def test_an_out_folder_that_cannot_be_written_is_refused(tmp_path, out, expected):
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "deals.csv").write_text("DealNo,CustNo,DealDate\nD1,C1,2024-02-13\n")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    result = playbook("import", str(tmp_path / "exports"), "--out", str(tmp_path / out))
    assert result.returncode == 2 and expected in result.stderr
    assert (tmp_path / "full" / "notes.txt").read_text() == "mine"


def test_without_dealer_toml_or_a_name_the_folder_names_the_dealer(tmp_path):
    source = tmp_path / "Lakeside Exports"
    source.mkdir()
    (source / "deals.csv").write_text("DealNo,CustNo,DealDate,FrontGross\nD1,C1,2024-02-13,€12.50\n")
    result = playbook("import", str(source), "--out", str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    dealer = (tmp_path / "data" / "dealer.toml").read_text()
    assert 'name = "Lakeside Exports"' in dealer and 'currency = "EUR"' in dealer


# --- sniffing and suggestions -----------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from toolkit.inputs.exports import delimiter_of_text, encoding_of  # noqa: E402
from toolkit.inputs.fields import matches, normal_name, recognised_table, suggested_mapping  # noqa: E402

CELL = st.text(st.characters(codec="cp1252", exclude_characters="\r\n\x00\x1a"), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    rows=st.integers(3, 12),
    width=st.integers(2, 6),
    cells=st.lists(CELL, min_size=72, max_size=72),
)
def test_the_delimiter_is_found_whatever_the_cells_hold(delimiter, rows, width, cells):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([f"Column {i}" for i in range(width)])
    for r in range(rows):
        writer.writerow(cells[r * width : (r + 1) * width])
    assert delimiter_of_text(buffer.getvalue()) == delimiter


@settings(max_examples=80, deadline=None)
@given(text=st.text(st.characters(codec="cp1252", exclude_characters="\x00"), min_size=1, max_size=200))
def test_text_reads_back_in_each_encoding_an_export_comes_in(text):
    for written, bom in (("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("cp1252", b"")):
        data = bom + text.encode(written)
        if written == "cp1252" and not text.isascii() and _reads_as_utf8(data):
            continue  # such as "Â\xa0", whose bytes are UTF-8 too: only the mapping's encoding can tell
        found = encoding_of(data)
        assert data.decode(found).removeprefix("\ufeff") == text, (written, found)


def _reads_as_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_windows_1252_accents_are_not_read_as_another_code_page():
    data = "Müller;José;Françoise;Søren;Œuvre — 12,50 €\n".encode("cp1252")
    assert encoding_of(data) == "cp1252"


def test_names_match_in_any_case_spacing_punctuation_and_close_spelling():
    assert normal_name("E-mail Address ") == normal_name("EMAIL_ADDRESS") == "emailaddress"
    found = matches(["emial address", "CELL PHONE", "zip", "Zap", "custno"], "customers")
    assert {c: sorted({f.column for f in fs}) for c, fs in found.items()} == {
        "emial address": ["email"],
        "CELL PHONE": ["phone"],
        "zip": ["postal_code"],
        "custno": ["customer_id"],
    }


@pytest.mark.parametrize(
    "file, columns, table, expected",
    [
        (
            "cdk_deals.csv",
            ["DealNo", "ContractDate", "AccountingDate", "CustNo", "HomePhone", "Email1", "VIN", "Salesperson1",
             "FrontGross", "BackGross", "Name1"],  # fmt: skip
            "sales",
            {"deal_id": "DealNo", "customer_id": "CustNo", "sold_at": {"first_of": ["ContractDate", "AccountingDate"]},
             "vin": "VIN", "salesperson_id": "Salesperson1", "front_gross": "FrontGross", "back_gross": "BackGross"},
        ),
        (
            "RR_ROs.xlsx",
            ["RoNo", "CustNo", "Vin", "AdvNo", "RoCreateDate", "FinalPostDate", "CustRoTotalAmt", "WarrRoTotalAmt",
             "IntrRoTotalAmt"],  # fmt: skip
            "repair_orders",
            {"ro_id": "RoNo", "customer_id": "CustNo", "opened_at": "RoCreateDate", "vin": "Vin",
             "pay_type": {"largest_of": {"customer": "CustRoTotalAmt", "warranty": "WarrRoTotalAmt",
                                         "internal": "IntrRoTotalAmt"}},
             "total": {"sum_of": ["CustRoTotalAmt", "WarrRoTotalAmt", "IntrRoTotalAmt"]}},
        ),
        (
            "rr deals.csv",
            ["DealNo", "CustNo", "DealDate", "DeliveryDate"],
            "sales",
            {"deal_id": "DealNo", "customer_id": "CustNo", "sold_at": {"first_of": ["DealDate", "DeliveryDate"]}},
        ),
        (
            "dealervault_service.csv",
            ["ronumber", "CustNo", "opendate", "closedate", "service_advisor_number", "payment_method"],
            "repair_orders",
            {"ro_id": "ronumber", "customer_id": "CustNo", "opened_at": "opendate", "pay_type": "payment_method"},
        ),
        (
            "crm contacts.csv",
            ["Customer ID", "First Name", "Last Name", "Email Address", "Cell Phone", "Home Phone", "Zip"],
            "customers",
            {"customer_id": "Customer ID", "first_name": "First Name", "last_name": "Last Name",
             "email": "Email Address", "phone": {"first_of": ["Cell Phone", "Home Phone"]}, "postal_code": "Zip"},
        ),
    ],
)  # fmt: skip
def test_vendor_exports_get_the_mapping_their_documentation_implies(file, columns, table, expected):
    fm = suggested_mapping(file, columns)
    assert fm.table == table and fm.columns == expected
    assert recognised_table(file, columns) == table
