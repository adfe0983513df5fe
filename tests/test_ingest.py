"""Reading CSV files with Arrow's multithreaded reader (issue 21, "Ingest"): the cells it reads,
and every problem reported from them, are exactly those of the careful pandas reader it stands in
for, on awkward files too; files it cannot read the same way go to the careful reader."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_cli import playbook
from toolkit.inputs import contract, parse, reading, schema
from toolkit.inputs.dealer import _read_and_validate
from toolkit.resources import sample_dir

CASES = {
    "plain": b"id,name,amount\nC1,Ann,12.50\nC2,Bob,\n",
    "spaces before values": b"id,name,amount\nC1,  Ann, 12.50\nC2,   ,\n",
    "tabs and trailing spaces": b"id,name\nC1,\tAnn  \nC2,Bob\t\n",
    "quoted commas and quotes": b'id,subject\nT1,"Thanks, Ann"\nT2,"She said ""hi"""\nT3,""\n',
    "quoted leading space": b'id,subject\nT1," Thanks"\nT2,plain\n',
    "space before a quote": b'id,subject\nT1, "Thanks, Ann"\nT2,plain\n',
    "quoted header": b'"id","name"\n"C1","Ann"\n',
    "header with spaces": b" id , name \nC1,Ann\n",
    "quoted newline": b'id,subject\nT1,"line one\nline two"\nT2,x\n',
    "blank line": b"id,name\nC1,Ann\n\nC2,Bob\n",
    "blank line at the end": b"id,name\nC1,Ann\n\n",
    "blank crlf line": b"id,name\r\nC1,Ann\r\n\r\nC2,Bob\r\n",
    "line of spaces": b"id,name\nC1,Ann\n   \nC2,Bob\n",
    "carriage return beginning a line": b"id,name\nC1,Ann\n\rC2,Bob\n",
    "short row": b"id,name,amount\nC1,Ann\nC2,Bob,3\n",
    "long row": b"id,name\nC1,Ann,extra\n",
    "byte-order mark": b"\xef\xbb\xbfid,name\nC1,Ann\n",
    "crlf": b"id,name\r\nC1,Ann\r\nC2,Bob\r\n",
    "carriage return alone": b"id,name,v\n\r,,a",  # found by fuzzing: pandas reads it its own way
    "quote left open": b'id,name,v\n,,"',  # found by fuzzing: Arrow reads it, pandas refuses
    "no final newline": b"id,name\nC1,Ann",
    "trailing delimiter": b"id,name,\nC1,Ann,\n",
    "semicolons": b"id;amount\nC1;12,50\n",
    "named twice": b"id,name,name\nC1,Ann,Bo\n",
    "header repeated": b"id,name\nC1,Ann\nid,name\nC2,Bob\n",
    "not utf-8": b"id,name\nC1,Jos\xe9\n",
    "binary": b"id,name\nC1,A\x00nn\n",
    "header only": b"id,name\n",
    "accents": "id,name\nC1,Zoë Müller\n".encode(),
}


def careful(path, data: bytes) -> tuple[pd.DataFrame | None, list]:
    problems: list = []
    text = reading._decoded(path, data, problems, None)
    return (reading.read_csv_text(path, text, problems) if text is not None else None), problems


@pytest.mark.parametrize("data", list(CASES.values()), ids=list(CASES))
def test_the_arrow_reader_reads_what_the_careful_reader_reads(tmp_path, data):
    path = tmp_path / "table.csv"
    path.write_bytes(data)
    problems: list = []
    cells = reading.read_raw(path, problems)
    expected, expected_problems = careful(path, data)
    assert problems == expected_problems
    if expected is None:
        assert cells is None
    else:
        pd.testing.assert_frame_equal(cells, expected, check_exact=True)
        assert cells.attrs == expected.attrs


@pytest.mark.parametrize(
    ("case", "fast"),
    [
        ("plain", True),
        ("spaces before values", True),
        ("quoted commas and quotes", False),  # any quote: the careful reader
        ("quoted header", False),
        ("crlf", True),
        ("space before a quote", False),
        ("quoted newline", False),
        ("blank line", False),
        ("short row", False),
        ("carriage return alone", False),
        ("quote left open", False),
        ("not utf-8", False),
        ("binary", False),
    ],
)
def test_files_the_arrow_reader_cannot_read_alike_go_to_the_careful_reader(case, fast):
    assert (reading.arrow_cells(CASES[case]) is not None) is fast


@pytest.mark.parametrize("block", [1, 2, 3, 5, 8])
def test_a_file_scanned_a_block_at_a_time_is_judged_as_a_whole(tmp_path, monkeypatch, block):
    """The scan reads a file in blocks: a CR LF, a blank line or a quote across a block's end is
    found all the same."""
    monkeypatch.setattr(reading, "SCAN_BLOCK", block)
    for data in CASES.values():
        path = tmp_path / "table.csv"
        path.write_bytes(data)
        assert reading._layout(path).awkward is reading._layout(data).awkward, data


def test_a_file_in_another_encoding_goes_to_the_careful_reader():
    assert reading.arrow_cells("id,name\nC1,Zoë\n".encode("cp1252"), "cp1252") is None
    assert reading.arrow_cells(b"id,name\nC1,Ann\n", "utf-8") is not None


def test_the_sample_reads_the_same_either_way(monkeypatch):
    fast = _read_and_validate(sample_dir())
    monkeypatch.setattr(reading, "arrow_cells", lambda data, encoding=None: None)
    slow = _read_and_validate(sample_dir())
    assert fast.warnings == slow.warnings and fast.as_of == slow.as_of
    assert fast.tables.keys() == slow.tables.keys()
    for name in fast.tables:
        pd.testing.assert_frame_equal(fast.tables[name], slow.tables[name], check_exact=True)


AWKWARD = {
    "id": [" C1 ", "\u00a0C2\u2003", "", "   ", None, "c3"],
    "text": ["Ann ", "\tZoë", "", None, "  two  words "],
    "datetime": ["2024-03-01", "2024-03-01T14:05:00", "2024-03-01 14:05", " 2024-02-29 ", "2024-02-31", "", None],
    "datetime-us": ["03/01/2024", "2024-03-01", "2024-03-01T14:05:00Z", "13/45/2024", "1850-01-01"],
    "bool": ["TRUE", " no ", "Y", "0", "maybe", "", None, "t"],
    "tags": ["Price ; Info", " ;invite; ", "", None, "SALE"],
    "choice": ["Email", " sms ", "", None, "PHONE"],
    "choice-lower": ["email", "sms", None],
    "number": ["12.50", " -3 ", "", None, "0.5", "007", "1234567.89", "-0"],
    "number-written": ["$1,234.50", "12", "(15.00)", "1.234", "12,50"],
}
PARSERS = {
    "id": parse.parse_text,
    "text": parse.parse_text,
    "datetime": parse.parse_datetime,
    "datetime-us": parse.parse_datetime,
    "bool": parse.parse_bool,
    "tags": parse.parse_tags,
    "choice": parse.parse_choice,
    "choice-lower": parse.parse_choice,
    "number": parse.parse_number,
    "number-written": parse.parse_number,
}


@pytest.mark.parametrize("kind", list(AWKWARD))
def test_the_arrow_parsers_read_what_the_pandas_parsers_read(kind):
    values = AWKWARD[kind]
    in_arrow = pd.Series(values, dtype="str")  # as the Arrow reader hands them over
    in_python = pd.Series(values, dtype=object)  # as a Parquet or Excel file's cells may be
    assert parse.arrow_text(in_arrow) is not None and parse.arrow_text(in_python) is None
    (fast, fast_bad), (slow, slow_bad) = PARSERS[kind](in_arrow), PARSERS[kind](in_python)
    pd.testing.assert_series_equal(fast, slow, check_exact=True)
    pd.testing.assert_series_equal(fast_bad, slow_bad, check_exact=True)


@pytest.mark.parametrize(
    ("values", "increasing"),
    [
        (["C1", "C2", "C3"], True),
        (["C1", "C3", "C2"], False),
        (["C1", "C1", "C2"], False),  # a repeat is not an increase: pandera then names it
        (["C1", None, "C2"], False),
        (["C1"], False),
    ],
)
def test_a_key_listed_in_order_is_unique_without_hashing(values, increasing):
    assert contract.strictly_increasing(pd.Series(values, dtype="str")) is increasing


def test_a_repeated_key_is_still_reported_when_the_rest_are_in_order(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,first_name\nC1,Ann\nC2,Bob\nC2,Cy\nC3,Di\n")
    problems: list = []
    reading.read_table(path, schema.TABLES["customers"], problems)
    assert [(p.column, p.rows) for p in problems] == [("customer_id", ((3, "C2"), (4, "C2")))]


def test_an_export_read_with_its_mapping_delimiter_reads_alike(tmp_path):
    data = "\ufeffCust ID;Amount\nC1;12,50\nC2;\n".encode()
    path = tmp_path / "export.csv"
    fast = reading.arrow_cells(data, "utf-8-sig", ";")
    slow = reading.read_csv_text(path, data.decode("utf-8-sig"), [], ";")
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert reading.arrow_cells(data, "ascii", ";") is None  # only UTF-8 text is read by Arrow


@pytest.mark.parametrize(
    ("row", "at"),
    [("C999,Extra,Person,,,,,,,,,one too many", 1), (",,,,,,,,,,,,,,", 1), ("C999,Extra,Person,,,,,,,,,x", 3)],
    ids=["a value too many first", "delimiters too many first", "a value too many later"],
)
def test_a_row_longer_than_the_header_is_named_not_shifted(sample_copy, row, at):
    """Given a longer first row, pandas took its extra values as an index and moved every value of
    the file a column over (found by fuzzing the readers against each other); the command names
    the line instead."""
    customers = sample_copy / "customers.csv"
    lines = customers.read_text().splitlines()
    customers.write_text("\n".join([*lines[:at], row, *lines[at:]]) + "\n")
    result = playbook("validate", str(sample_copy))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    said = result.stdout + result.stderr
    assert "customers.csv" in said and f"line {at + 1}" in said
    assert "no row longer than the header" in said or "Expected 11 fields" in said


PIECES = [*'ab ,"\n\r\t;é1|', "\u00a0", "id", "x", "\r\n", "id,name\n", "\ufeff"]


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=50))
def test_any_text_reads_the_same_either_way(tmp_path_factory, pieces):
    """Random files of delimiters, quotes, spaces, line ends and headers: the reader as shipped
    gives the careful reader's cells and problems, and never fails with a traceback."""
    data = "".join(pieces).encode()
    path = tmp_path_factory.mktemp("fuzz") / "table.csv"
    path.write_bytes(data)
    problems: list = []
    cells = reading.read_raw(path, problems)
    expected, expected_problems = careful(path, data)
    assert problems == expected_problems
    assert (cells is None) == (expected is None)
    if expected is not None:
        pd.testing.assert_frame_equal(cells, expected, check_exact=True)
        assert cells.attrs == expected.attrs


TWO_DIGITS = st.integers(0, 99).map(lambda i: f"{i:02d}")
ISO_LIKE = st.builds(
    lambda year, month, day, sep, hour, minute, second: (
        f"{year}-{month}-{day}" + (f"{sep}{hour}:{minute}" + (f":{second}" if second else "") if sep else "")
    ),
    st.sampled_from(["2024", "1900", "2100", "1899", "2101"]),
    TWO_DIGITS,
    TWO_DIGITS,
    st.sampled_from(["", "T", " "]),
    TWO_DIGITS,
    TWO_DIGITS,
    st.one_of(st.none(), TWO_DIGITS),
)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(ISO_LIKE, min_size=1, max_size=3))
def test_arrows_iso_dates_are_pandas_iso_dates(values):
    """Dates in ISO form with any day, hour, minute or second (2024-02-30, 24:00, :60, years
    outside 1900–2100): Arrow's strict parser reads what pandas reads, and rejects what it rejects."""
    (fast, fast_bad), (slow, slow_bad) = (
        parse.parse_datetime(pd.Series(values, dtype="str")),
        parse.parse_datetime(pd.Series(values, dtype=object)),
    )
    pd.testing.assert_series_equal(fast, slow, check_exact=True)
    pd.testing.assert_series_equal(fast_bad, slow_bad, check_exact=True)


SPACES = [chr(c) for c in range(0x110000) if chr(c).isspace()] + ["\ufeff", "\u200b", "\u180e"]


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(st.text(st.sampled_from([*SPACES, "a", "é", "1", "C", "-", "中"]), max_size=6), min_size=1, max_size=4))
def test_text_with_any_whitespace_is_trimmed_the_same_either_way(values):
    """Text beginning or ending with any character Python counts as whitespace (and a few it
    does not): the Arrow path, which first looks at each value's first and last byte, trims what
    pandas trims."""
    values = [v or None for v in values]  # the readers hand blanks over as missing
    for parser in (parse.parse_text, parse.parse_choice, parse.parse_number):
        (fast, fast_bad), (slow, slow_bad) = (
            parser(pd.Series(values, dtype="str")),
            parser(pd.Series(values, dtype=object)),
        )
        pd.testing.assert_series_equal(fast, slow, check_exact=True)
        pd.testing.assert_series_equal(fast_bad, slow_bad, check_exact=True)


def test_loaded_touches_hold_the_outbound_ones_first_each_part_in_file_order():
    """Loading moves every column of a touch with it: outbound touches first, then inbound ones,
    each part in the file's order, so the analyses slice outbound touches instead of copying."""
    in_file = reading.read_table(sample_dir() / "touches.csv", schema.TABLES["touches"], [])
    loaded = _read_and_validate(sample_dir()).tables["touches"]
    inbound = in_file["direction"].eq("inbound").fillna(False).to_numpy(bool)
    assert inbound.sum() > 0 and inbound[: -int(inbound.sum())].any()  # the sample mixes them
    expected = pd.concat([in_file[~inbound], in_file[inbound]]).reset_index(drop=True)
    expected.attrs.clear()
    pd.testing.assert_frame_equal(loaded, expected, check_exact=True)
