"""Loading and validating dealer folders: quirks accepted, every problem reported clearly."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from tests.conftest import write_folder
from toolkit.errors import DataError
from toolkit.inputs.cache import cache_path
from toolkit.inputs.dealer import load_dealer
from toolkit.inputs.reading import table_files

CUSTOMERS = """
customer_id,email,email_opt_in,created_at
C1,a@example.com,yes,2024-01-05
C2,,N,03/01/2024
"""
SALES = """
deal_id,customer_id,sold_at
D1,C1,2024-02-01T10:00:00
D2,C2,2024-05-01 09:30
"""


def _problems(folder) -> list[str]:
    with pytest.raises(DataError) as info:
        load_dealer(folder, cache=False)
    return [str(p) for p in info.value.problems]


def test_types_ids_dates_booleans(tmp_path):
    folder = write_folder(tmp_path / "d", {"customers": CUSTOMERS, "sales": SALES})
    dealer = load_dealer(folder, cache=False)
    customers = dealer["customers"]
    assert customers["customer_id"].tolist() == ["C1", "C2"]
    assert customers["email_opt_in"].tolist() == [True, False]
    assert customers["created_at"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-03-01")]
    assert customers["phone"].isna().all()  # a missing optional column is empty, not an error
    assert dealer.name == "Test Motors"
    assert dealer.as_of == pd.Timestamp("2024-05-01")  # the latest date in the data, not today


def test_bom_crlf_column_order_and_extra_columns(tmp_path):
    text = "\ufeffsold_at,extra,customer_id,deal_id\r\n2024-02-01,x,C1,D1\r\n"
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "sales.csv").write_bytes(text.encode("utf-8"))
    (folder / "dealer.toml").write_text('name = "X"\n')
    sales = load_dealer(folder, cache=False)["sales"]
    assert sales.loc[0, "deal_id"] == "D1" and sales.loc[0, "extra"] == "x"
    assert sales.loc[0, "sold_at"] == pd.Timestamp("2024-02-01")


def test_ids_stay_text(tmp_path):
    folder = write_folder(tmp_path / "d", {"customers": "customer_id,postal_code\n00123,02134\n"})
    customers = load_dealer(folder, cache=False)["customers"]
    assert customers.loc[0, "customer_id"] == "00123" and customers.loc[0, "postal_code"] == "02134"


def test_as_of_cuts_rows_and_comes_from_dealer_toml(tmp_path):
    folder = write_folder(tmp_path / "d", {"sales": SALES}, 'name = "X"\nas_of = 2024-03-01\n')
    dealer = load_dealer(folder, cache=False)
    assert dealer.as_of == pd.Timestamp("2024-03-01")
    assert dealer["sales"]["deal_id"].tolist() == ["D1"]
    later = load_dealer(folder, as_of="2024-06-30", cache=False)
    assert later["sales"]["deal_id"].tolist() == ["D1", "D2"]


def test_every_problem_is_reported_with_file_column_and_lines(tmp_path):
    folder = write_folder(
        tmp_path / "d",
        {
            "sales": "deal_id,customer_id,sold_at,condition\nD1,C1,2024-02-31,new\nD1,C2,2024-02-01,leased\n",
            "touches": "touch_id,customer_id,occurred_at\nT1,C1,2024-01-01\n",
            "survey": "respondent_id,department,question_id,score\nR1,sales,S01,6\nR1,sales,S02,\n",
        },
    )
    problems = _problems(folder)
    text = "\n".join(problems)
    assert "sales.csv, column 'sold_at'" in text and "line 2: '2024-02-31'" in text
    assert "sales.csv, column 'deal_id': unique deal_id" in text and "line 2: 'D1'; line 3: 'D1'" in text
    assert "sales.csv, column 'condition': one of: new, used, cpo" in text and "line 3: 'leased'" in text
    assert "touches.csv, column 'channel': required column missing" in text
    assert "survey.csv, column 'score': at most 5" in text and "line 2: '6'" in text
    assert "survey.csv, column 'score': a value in every row" in text and "line 3" in text
    assert len(problems) == 6


def test_at_most_five_rows_are_shown_with_a_count(tmp_path):
    rows = "".join(f"T{i},C1,2024-01-01,fax\n" for i in range(8))
    folder = write_folder(tmp_path / "d", {"touches": "touch_id,customer_id,occurred_at,channel\n" + rows})
    (problem,) = _problems(folder)
    assert problem.count("line ") == 5 and "(and 3 more)" in problem


def test_bad_tags_and_empty_and_binary_files(tmp_path):
    folder = write_folder(
        tmp_path / "d",
        {
            "touches": "touch_id,customer_id,occurred_at,channel,gives\nT1,C1,2024-01-01,email,price;bribe\n",
            "events": "",
        },
    )
    (folder / "staff.csv").write_bytes(b"staff_id\x00\x01\x02")
    text = "\n".join(_problems(folder))
    assert "column 'gives': ';'-separated tags from: price, info, invite, gift, reminder" in text
    assert "events.csv: CSV text with a header row; the file is empty" in text
    assert "staff.csv: CSV text; the file holds binary data" in text


def test_missing_dealer_toml_and_name(tmp_path):
    folder = write_folder(tmp_path / "d", {"sales": SALES}, "brands = []\n")
    assert any("dealer.toml, column 'name'" in p for p in _problems(folder))
    (folder / "dealer.toml").unlink()
    assert any("dealer.toml: a dealer.toml" in p for p in _problems(folder))


def test_unknown_customer_is_a_warning_not_an_error(tmp_path):
    folder = write_folder(tmp_path / "d", {"customers": CUSTOMERS, "sales": SALES.replace("D2,C2", "D2,C9")})
    dealer = load_dealer(folder, cache=False)
    (warning,) = dealer.warnings
    assert warning.file == "sales.csv" and warning.column == "customer_id" and warning.rows == ((3, "C9"),)
    assert len(dealer["sales"]) == 2  # the row is kept


def test_a_needed_table_that_is_missing(tmp_path):
    folder = write_folder(tmp_path / "d", {"sales": SALES})
    with pytest.raises(DataError, match="touches.csv: this analysis needs this table"):
        load_dealer(folder, tables=["touches"], cache=False)


def test_parquet_round_trip(tmp_path):
    csv_folder = write_folder(tmp_path / "csv", {"customers": CUSTOMERS, "sales": SALES})
    dealer = load_dealer(csv_folder, cache=False)
    pq = tmp_path / "pq"
    pq.mkdir()
    for name, df in dealer.tables.items():
        df.to_parquet(pq / f"{name}.parquet")
    (pq / "dealer.toml").write_text('name = "Test Motors"\n')
    again = load_dealer(pq, cache=False)
    for name in dealer.tables:
        pd.testing.assert_frame_equal(again[name], dealer[name])


def test_cache_is_keyed_by_content_and_inputs_are_never_written(tmp_path):
    folder = write_folder(tmp_path / "d", {"customers": CUSTOMERS, "sales": SALES}, 'name = "Cache Motors"\n')
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    first = load_dealer(folder)
    assert load_dealer(folder)["sales"].equals(first["sales"])  # served from the cache
    old_cache = cache_path(folder)
    (folder / "sales.csv").write_text(SALES.lstrip() + "D3,C1,2024-06-01\n")
    assert len(load_dealer(folder)["sales"]) == 3  # a changed file is read again
    assert cache_path(folder).is_dir() and not old_cache.exists()  # and the old content's cache goes
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert set(after) == set(before) and after["customers.csv"] == before["customers.csv"]


def test_two_files_for_one_table_are_a_problem_not_a_choice(tmp_path):
    (tmp_path / "sales.csv").write_text("x")
    (tmp_path / "sales.parquet").write_text("x")
    assert "sales" not in table_files(tmp_path)


def test_parquet_problems_name_rows_not_lines(tmp_path):
    import pandas as pd

    folder = tmp_path / "d"
    folder.mkdir()
    pd.DataFrame({"deal_id": ["D1", "D2"], "customer_id": ["C1", "C2"], "sold_at": ["2024-01-01", "soon"]}).to_parquet(
        folder / "sales.parquet"
    )
    (folder / "dealer.toml").write_text('name = "X"\n')
    (problem,) = _problems(folder)
    assert "sales.parquet, column 'sold_at'" in problem and "row 2: 'soon'" in problem


def test_cached_tables_equal_freshly_validated_ones():
    from toolkit.resources import sample_dir

    fresh = load_dealer(sample_dir(), cache=False)
    load_dealer(sample_dir())  # fills the cache (or finds it filled)
    cached = load_dealer(sample_dir())
    assert set(cached.tables) == set(fresh.tables)
    for name in fresh.tables:
        pd.testing.assert_frame_equal(cached[name], fresh[name])
    assert cached.warnings == fresh.warnings and cached.as_of == fresh.as_of
