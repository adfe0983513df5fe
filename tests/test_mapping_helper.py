"""The mapping helper driven in the kernel (tests/browser/test_mapping_helper.py drives it in
JupyterLab): suggestions shown, a changed column converted and checked again, the mapping saved
for ``playbook import --mapping``."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.inputs.importing import imported
from toolkit.presentation.mapping_helper import MappingHelper, column_choices, source_label

DEALS = "DealNo,Buyer,Customer Number,DealDate,FrontGross,Notes\nD1,C9,C1,02/13/2024,12.50,<b>hi</b>\nD2,C9,C2,03/01/2024,7,\n"


@pytest.fixture
def helper(tmp_path, monkeypatch) -> MappingHelper:
    monkeypatch.delenv("DEALER_PLAYBOOK_STATIC", raising=False)
    source = tmp_path / "exports"
    source.mkdir()
    (source / "deals.csv").write_text(DEALS)
    (source / "q3.csv").write_text("Widget\n1\n")
    return MappingHelper(source, tmp_path / "mapping.toml")


def test_a_source_is_named_as_a_dealer_reads_it():
    assert source_label({"first_of": ["Cell Phone", "Home Phone"]}) == "Cell Phone, else Home Phone"
    assert source_label({"split": "Name1", "part": "last"}) == "Name1 (last name)"
    assert source_label({"column": "Do Not Email", "negate": True}) == "not Do Not Email"
    assert column_choices(["A", "B"], {"sum_of": ["A", "B"]}) == [("(none)", ""), ("A + B", {"sum_of": ["A", "B"]}),
                                                                    ("A", "A"), ("B", "B")]  # fmt: skip


def test_the_helper_shows_the_suggestion_and_its_converted_rows(helper):
    assert helper.file.value == "deals.csv" and helper.table.value == "sales"
    shown = {d.description: d.value for d in helper.columns.children[1:]}
    assert shown["deal_id *"] == "DealNo" and shown["customer_id *"] == "Customer Number" and shown["vin"] == ""
    assert "The first 2 rows follow the contract." in helper.result.value
    assert "&lt;b&gt;" not in helper.result.value and "<b>hi" not in helper.result.value  # Notes is not mapped


def test_changing_a_column_converts_and_checks_again_and_save_writes_what_import_reads(helper, tmp_path):
    choice = next(d for d in helper.columns.children[1:] if d.description == "front_gross")
    choice.value = "Notes"  # a wrong choice: the check says so
    assert "Notes → front_gross" in helper.result.value and "&#x27;&lt;b&gt;hi&lt;/b&gt;&#x27;" in helper.result.value
    choice.value = "FrontGross"
    customer = next(d for d in helper.columns.children[1:] if d.description == "customer_id *")
    customer.value = "Buyer"
    assert "follow the contract" in helper.result.value
    helper.file.value = "q3.csv"
    assert "a table: choose the one this export holds" in helper.result.value
    helper.table.value = "staff"
    next(d for d in helper.columns.children[1:] if d.description == "staff_id *").value = "Widget"
    helper.save()
    assert "Saved to" in helper.saved.value
    result = imported(helper.source, tmp_path / "mapping.toml", name="Test Motors")
    assert result.tables["sales"]["customer_id"].tolist() == ["C9", "C9"]
    assert result.tables["staff"]["staff_id"].tolist() == ["1"]


def test_without_a_front_end_the_helper_prints_the_suggested_mapping(tmp_path, monkeypatch, capsys):
    from toolkit.presentation.mapping_helper import map_exports

    monkeypatch.setenv("DEALER_PLAYBOOK_STATIC", "1")
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "deals.csv").write_text(DEALS)
    assert map_exports(tmp_path / "exports", tmp_path / "m.toml") is None
    assert 'deal_id = "DealNo"' in capsys.readouterr().out
    assert map_exports(Path(tmp_path / "nowhere"), tmp_path / "m.toml") is None
    assert "is not a folder" in capsys.readouterr().out
