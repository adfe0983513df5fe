from datetime import datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.inputs.parse import parse_bool, parse_datetime, parse_number, parse_tags


def test_dates_in_iso_and_common_export_forms():
    raw = pd.Series(
        [
            "2024-03-01",
            "2024-03-01T14:05:00",
            "2024-03-01 14:05",
            "03/01/2024",
            "03/01/2024 14:05",
            "03/01/2024 2:05 PM",
            "2024-03-01T14:05:00Z",
            None,
            "soon",
        ]
    )
    parsed, bad = parse_datetime(raw)
    assert list(parsed[:7].dt.date.astype(str)) == ["2024-03-01"] * 7
    assert parsed[2] == pd.Timestamp("2024-03-01 14:05") == parsed[5]
    assert parsed[7] is pd.NaT and not bad[7]  # blank is unknown, not an error
    assert bad.tolist() == [False] * 8 + [True]


def test_a_column_is_read_whole_whichever_form_its_first_values_take():
    raw = pd.Series(["03/01/2024 2:05 PM"] * 60 + ["2024-03-01T14:05:00", "03/01/2024", "2024/03/01 14:05"])
    parsed, bad = parse_datetime(raw)
    assert not bad.any()
    assert parsed.tolist() == [pd.Timestamp("2024-03-01 14:05")] * 61 + [pd.Timestamp("2024-03-01")] + [
        pd.Timestamp("2024-03-01 14:05")
    ]


def test_booleans_accept_the_usual_words_in_any_case():
    parsed, bad = parse_bool(pd.Series(["Yes", "n", "1", "FALSE", "Y", "0", None, "maybe"]))
    assert parsed.tolist()[:6] == [True, False, True, False, True, False]
    assert parsed.isna().tolist()[6:] == [True, True]
    assert bad.tolist() == [False] * 7 + [True]


def test_numbers_accept_currency_and_thousands():
    parsed, bad = parse_number(pd.Series(["$1,234.50", " 7 ", "-15", "n/a", None]))
    assert parsed.tolist()[:3] == [1234.5, 7.0, -15.0]
    assert bad.tolist() == [False, False, False, True, False]


def test_integers_refuse_fractions():
    parsed, bad = parse_number(pd.Series(["4", "4.5"]), integer=True)
    assert parsed[0] == 4 and bad.tolist() == [False, True]


def test_tags_are_normalised():
    parsed, _ = parse_tags(pd.Series([" Price ; INFO ", ";", None]))
    assert parsed[0] == "price;info" and pd.isna(parsed[1]) and pd.isna(parsed[2])


def _european(text: str) -> str:
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**9), max_value=10**9), st.sampled_from(["{:,.2f}", "{:.2f}", "${:,.2f}", "{:,.0f}"]))
def test_money_reads_back_exactly_in_either_convention_and_is_never_rescaled(cents, form):
    value = cents / 100 if ".2f" in form else float(cents)
    written = form.format(value).replace("$-", "-$")
    parsed, bad = parse_number(pd.Series([written]))
    assert not bad.iloc[0] and parsed.iloc[0] == pytest.approx(value)
    european = _european(written)
    parsed, bad = parse_number(pd.Series([european]), decimal=",")
    assert not bad.iloc[0] and parsed.iloc[0] == pytest.approx(value)
    misread, bad = parse_number(pd.Series([european]))  # read with the wrong convention
    assert bad.iloc[0] or misread.iloc[0] == pytest.approx(value)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1800, 1, 1), max_value=datetime(2200, 12, 31)))
def test_dates_read_back_exactly_inside_1900_to_2100_and_are_bad_outside(moment):
    parsed, bad = parse_datetime(pd.Series([moment.isoformat(timespec="seconds")]))
    if 1900 <= moment.year <= 2100:
        assert not bad.iloc[0] and parsed.iloc[0] == pd.Timestamp(moment.replace(microsecond=0))
    else:
        assert bad.iloc[0] and pd.isna(parsed.iloc[0])
