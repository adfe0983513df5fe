"""Tables as people read them: labelled headers, formatted numbers, yes/no, escaped values."""

from __future__ import annotations

import pandas as pd

from toolkit.presentation.display import table_html
from toolkit.presentation.labels import label


def test_a_table_reads_in_words_and_formatted_numbers():
    frame = pd.DataFrame(
        {
            "step": ["thank_you", "quarter"],
            "sales": [1234, 5],
            "cluster_id": [12345, 2],
            "survivor": [True, False],
            "give_ask_ratio": [1.5, None],
            "response_rate": [0.1234, 0.5],
            "name": ["<b>Ann</b>", "Bo"],
        }
    )
    page = table_html(frame, percent=("response_rate",))
    assert "<th>Step</th>" in page and '<th class="num">Gives per ask</th>' in page and "<th>Survivor</th>" in page
    assert "<td>Thank-you</td>" in page and "<td>Quarter</td>" not in page and "<td>quarter</td>" in page
    assert '<td class="num">1,234</td>' in page and '<td class="num">12345</td>' in page  # an ID keeps its digits
    assert "<td>yes</td>" in page and "<td>no</td>" in page
    assert '<td class="num">1.50</td>' in page and '<td class="num">n/a</td>' in page
    assert '<td class="num">12.3%</td>' in page
    assert "&lt;b&gt;Ann&lt;/b&gt;" in page and "<b>Ann" not in page


def test_a_name_without_a_label_reads_with_spaces():
    assert label("median_days_to_first_touch") == "Median days to first touch"
    assert label("days_since_sale") == "Days since sale" and label("bdc") == "BDC"


def test_money_reads_in_whole_units_with_the_dealers_currency():
    frame = pd.DataFrame({"channel": ["mail"], "cost": [12000.4], "per_cost": [1.234]})
    page = table_html(frame, money=("cost",), currency="USD")
    assert '<th class="num">Cost (USD)</th>' in page and '<td class="num">12,000</td>' in page
    assert '<td class="num">1.23</td>' in page  # a ratio of money is not money
    assert '<th class="num">Cost</th>' in table_html(frame, money=("cost",))  # no currency given: none shown


def test_amounts_in_sentences_carry_the_currency():
    from toolkit.presentation.words import money

    assert money(11572.4, "USD") == "11,572 USD" and money(-980, "eur") == "-980 EUR"
    assert money(11572.4) == "11,572" and money(None, "USD") == "n/a" and money(-0.4, "USD") == "0 USD"
