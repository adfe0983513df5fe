"""Exports as dealers' systems write them (issue 22, "Messy exports"): every file that looks like a
table is read or named, any delimiter and common encodings are read or named precisely, money
with a decimal comma is never rescaled, and dates that cannot be right never move as_of."""

from __future__ import annotations

import os
import re

import pandas as pd
import pytest

from tests.conftest import write_folder
from tests.test_cli import playbook
from toolkit.errors import DataError
from toolkit.inputs.dealer import load_dealer

CUSTOMERS = "customer_id,first_name\nC1,Ann\nC2,Bo\n"
SALES = "deal_id,customer_id,sold_at,front_gross\nD1,C1,2025-01-10,1200.50\nD2,C2,2025-02-11,-300\n"


def problems(folder) -> str:
    with pytest.raises(DataError) as caught:
        load_dealer(folder, cache=False)
    return str(caught.value)


def test_a_table_name_in_another_case_is_read(tmp_path):
    folder = write_folder(tmp_path / "d", {"customers": CUSTOMERS})
    (folder / "customers.csv").rename(folder / "Customers.CSV")
    assert len(load_dealer(folder, cache=False)["customers"]) == 2


def test_a_csv_beside_a_parquet_of_the_same_table_is_named(tmp_path):
    folder = write_folder(tmp_path / "d", {"customers": CUSTOMERS})
    pd.read_csv(folder / "customers.csv").to_parquet(folder / "customers.parquet")
    assert "one file for the customers table; the folder has customers.csv and customers.parquet" in problems(folder)


def test_a_folder_or_broken_link_named_like_a_table_is_named(tmp_path):
    folder = write_folder(tmp_path / "d", {"customers": CUSTOMERS})
    (folder / "sales.csv").mkdir()
    os.symlink(tmp_path / "nowhere.csv", folder / "touches.csv")
    text = problems(folder)
    assert "sales.csv: the sales table as a file; this is a folder" in text
    assert "touches.csv: the touches table as a file; this is a link to nothing" in text


def test_an_excel_workbook_is_read(tmp_path):
    folder = write_folder(tmp_path / "d", {"sales": SALES})
    pd.read_csv(folder / "sales.csv", dtype=str).to_excel(folder / "sales.xlsx", index=False)
    (folder / "sales.csv").unlink()
    sales = load_dealer(folder, cache=False)["sales"]
    assert sales["front_gross"].tolist() == [1200.5, -300.0] and str(sales["sold_at"].iloc[1].date()) == "2025-02-11"


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_semicolon_tab_and_bar_separated_files_are_read(tmp_path, delimiter):
    folder = write_folder(tmp_path / "d", {"customers": CUSTOMERS.replace(",", delimiter)})
    customers = load_dealer(folder, cache=False)["customers"]
    assert customers["first_name"].tolist() == ["Ann", "Bo"]


def test_utf16_text_is_read(tmp_path):
    folder = write_folder(tmp_path / "d", {})
    (folder / "customers.csv").write_text("customer_id,first_name\nC1,Zoë\n", encoding="utf-16")
    assert load_dealer(folder, cache=False)["customers"]["first_name"].tolist() == ["Zoë"]


def test_windows_1252_text_is_named_with_its_encoding_and_read_when_dealer_toml_says_so(tmp_path):
    folder = write_folder(tmp_path / "d", {})
    text = "customer_id,first_name,last_name\n" + "".join(f"C{i},Renée,Müller-Françoise\n" for i in range(40))
    (folder / "customers.csv").write_bytes(text.encode("cp1252"))
    said = problems(folder)
    assert "customers.csv: UTF-8 text; line 2 holds a byte (0xe9) that is not UTF-8" in said
    # charset-normalizer names a Windows code page (cp1250 reads these letters as cp1252 does)
    assert re.search(r"looks like cp125\d text: set encoding = 'cp125\d' in dealer.toml", said)
    (folder / "dealer.toml").write_text('name = "Test Motors"\nencoding = "cp1252"\n')
    assert load_dealer(folder, cache=False)["customers"]["first_name"].iloc[0] == "Renée"


def test_a_column_named_twice_is_named(tmp_path):
    folder = write_folder(tmp_path / "d", {"customers": "customer_id,email,email\nC1,a@b.com,c@d.com\n"})
    assert "customers.csv, column 'email': each column once in the header row" in problems(folder)


def test_a_header_repeated_inside_the_file_is_named_by_its_line(tmp_path):
    folder = write_folder(tmp_path / "d", {"customers": CUSTOMERS + "customer_id,first_name\nC3,Cy\n"})
    assert "the header row is repeated inside the file\n    line 4: 'customer_id'" in problems(folder)


def test_line_numbers_are_the_files_physical_lines(tmp_path):
    text = 'deal_id,customer_id,sold_at\nD1,C1,"2025-01-10"\n\nD2,"C\nC",2025-01-11\nD3,C1,notadate\n'
    folder = write_folder(tmp_path / "d", {"sales": text})
    assert "line 6: 'notadate'" in problems(folder)


def test_money_with_a_decimal_comma_is_a_problem_unless_dealer_toml_says_so(tmp_path):
    european = 'deal_id,customer_id,sold_at,front_gross\nD1,C1,2025-01-10,"1.234,50"\nD2,C1,2025-01-11,"12,50"\n'
    folder = write_folder(tmp_path / "d", {"sales": european})
    said = problems(folder)
    assert "sales.csv, column 'front_gross'" in said and "line 2: '1.234,50'; line 3: '12,50'" in said
    assert 'set decimal = "," in dealer.toml' in said
    (folder / "dealer.toml").write_text('name = "Test Motors"\ndecimal = ","\n')
    assert load_dealer(folder, cache=False)["sales"]["front_gross"].tolist() == [1234.5, 12.5]


def test_grouped_and_accounting_money_reads_as_written(tmp_path):
    text = 'deal_id,customer_id,sold_at,front_gross\nD1,C1,2025-01-10,"$1,234.50"\nD2,C1,2025-01-11,(15.00)\n'
    folder = write_folder(tmp_path / "d", {"sales": text})
    assert load_dealer(folder, cache=False)["sales"]["front_gross"].tolist() == [1234.5, -15.0]


def test_dates_outside_1900_to_2100_are_a_problem_not_a_traceback(tmp_path):
    text = "deal_id,customer_id,sold_at\nD1,C1,2025-01-10\nD2,C1,9999-01-01\nD3,C1,1850-05-05\n"
    folder = write_folder(tmp_path / "d", {"sales": text})
    said = problems(folder)
    assert "column 'sold_at': a date from 1900 to 2100" in said and "line 3: '9999-01-01'; line 4" in said


def test_a_typo_far_in_the_future_is_a_problem_and_never_moves_as_of(tmp_path):
    rows = "".join(f"D{i},C1,2025-01-{i % 28 + 1:02d}\n" for i in range(150))
    folder = write_folder(tmp_path / "d", {"sales": "deal_id,customer_id,sold_at\n" + rows + "DX,C1,2099-03-01\n"})
    said = problems(folder)
    assert "sales.csv, column 'sold_at': dates within 366 days of the column's other dates" in said
    assert "line 152: '2099-03-01'" in said


def test_the_default_as_of_ignores_campaign_start_dates(tmp_path):
    folder = write_folder(
        tmp_path / "d",
        {
            "sales": "deal_id,customer_id,sold_at\nD1,C1,2025-03-01\n",
            "campaigns": "campaign_id,started_at\nK1,2025-09-01\n",
        },
    )
    assert load_dealer(folder, cache=False).as_of_text == "2025-03-01"


def test_timestamps_with_an_offset_take_the_dealers_local_date(tmp_path):
    text = "deal_id,customer_id,sold_at\nD1,C1,2025-03-01T02:30:00Z\nD2,C1,2025-03-01T02:30:00\n"
    folder = write_folder(tmp_path / "d", {"sales": text}, 'name = "Test Motors"\ntimezone = "America/Chicago"\n')
    sold = load_dealer(folder, cache=False)["sales"]["sold_at"]
    assert [str(t) for t in sold] == ["2025-02-28 20:30:00", "2025-03-01 02:30:00"]


def test_a_bad_decimal_encoding_or_timezone_setting_is_named(tmp_path):
    folder = write_folder(
        tmp_path / "d",
        {"customers": CUSTOMERS},
        'name = "T"\ndecimal = ";"\nencoding = "klingon"\ntimezone = "Mars/Base"\ncurrency = "$"\n',
    )
    said = problems(folder)
    assert all(f"dealer.toml, column '{k}'" in said for k in ("decimal", "encoding", "timezone", "currency"))


def test_the_currency_is_read_as_its_code():
    from toolkit.inputs.reading import _setting_problems

    settings = {"currency": " eur "}
    assert _setting_problems(settings) == [] and settings["currency"] == "EUR"


def test_validate_names_a_semicolon_file_it_read_and_a_european_total_it_did_not(tmp_path):
    folder = write_folder(
        tmp_path / "d", {"customers": CUSTOMERS.replace(",", ";"), "sales": SALES.replace("1200.50", '"1.200,50"')}
    )
    result = playbook("validate", str(folder))
    assert result.returncode == 2 and "Traceback" not in result.stderr + result.stdout
    assert "line 2: '1.200,50'" in result.stdout + result.stderr
