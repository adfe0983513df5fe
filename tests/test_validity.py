"""Contact validity by the data contract's rules: e-mails and North American phones, valid,
invalid (on file but unusable) and missing, each edge case worked by hand."""

from __future__ import annotations

import re
import sys

import pandas as pd
import pytest

from toolkit.analyses import validity
from toolkit.inputs.parse import WHITESPACE

EMAILS = {
    " Ann@Example.COM ": "valid",
    "o'brien+cars@mail.example.com": "valid",
    "a@b.co": "valid",
    "x" * 64 + "@gmail.com": "valid",
    "x" * 65 + "@gmail.com": "invalid",  # local part over 64 characters
    "john..doe@gmail.com": "invalid",  # doubled dot
    ".john@gmail.com": "invalid",  # leading dot
    "john.@gmail.com": "invalid",  # trailing dot
    "bob@gmail": "invalid",  # one label
    "a@b.c": "invalid",  # last label of one letter
    "a@b.123": "invalid",  # last label of digits
    "a@-b.com": "invalid",  # label starting with a hyphen
    "a@b-.com": "invalid",  # label ending with one
    "a@b@c.com": "invalid",
    "x y@z.com": "invalid",
    "josé@mail.com": "invalid",  # a letter outside a-z
    "noemail@noemail.com": "missing",
    "NONE@NONE.COM": "missing",
    "declined@lakeside.com": "missing",
    "   ": "missing",
    None: "missing",
}
PHONES = {
    "(415) 555-2671": "valid",
    "+1 415 555 2671": "valid",
    "14155552671": "valid",
    "415.555.2671": "valid",
    "415-555-2671 x204": "valid",  # the extension is dropped
    "415-555-2671 ext. 12": "valid",
    "1-800-FLOWERS": "valid",  # letters spelt as digits: 800-356-9377
    "123-456-7890": "invalid",  # area code starts with 1
    "(911) 555-2671": "invalid",  # N11 area code
    "415-411-2671": "invalid",  # N11 exchange
    "415-155-2671": "invalid",  # exchange starts with 1
    "555-1234": "invalid",  # too few digits
    "25551234567": "invalid",  # 11 digits without the leading 1
    "0000000000": "invalid",
    "1111111111": "invalid",
    "+44 20 7946 0958": "invalid",  # not North American
    "": "missing",
    None: "missing",
}


@pytest.mark.parametrize(("value", "expected"), EMAILS.items())
def test_email_rules(value, expected):
    assert validity.email_status(pd.Series([value], dtype="str")).iloc[0] == expected


@pytest.mark.parametrize(("value", "expected"), PHONES.items())
def test_phone_rules(value, expected):
    assert validity.phone_status(pd.Series([value], dtype="str")).iloc[0] == expected


def test_normal_forms_compare_alike():
    emails = pd.Series([" Ann@Example.COM ", "ann@example.com", "john..doe@x.com"], dtype="str")
    assert validity.normal_email(emails).tolist()[:2] == ["ann@example.com"] * 2
    assert validity.normal_email(emails).isna().tolist() == [False, False, True]
    phones = pd.Series(["(415) 555-2671", "+1 415 555 2671", "415-555-2671 x9", "123-456-7890"], dtype="str")
    assert validity.normal_phone(phones).tolist()[:3] == ["4155552671"] * 3
    assert validity.normal_phone(phones).isna().tolist() == [False, False, False, True]


def test_each_invalid_contact_says_what_is_wrong():
    customers = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "email": ["john..doe@gmail.com", "ok@gmail.com", None, "bob@gmail"],
            "phone": ["415-555-2671", "123-456-7890", "(911) 555-2671", None],
        },
        dtype="str",
    )
    checked = validity.checked_contacts(customers)
    got = validity.invalid_contacts(checked)
    assert got[["customer_id", "field"]].values.tolist() == [
        ["C1", "email"],
        ["C4", "email"],
        ["C2", "phone"],
        ["C3", "phone"],
    ]
    problems = dict(zip(got["customer_id"] + got["field"], got["problem"], strict=True))
    assert "two periods" in problems["C1email"] and "period" in problems["C4email"]
    assert problems["C2phone"] == "area code starts with 0 or 1"
    assert problems["C3phone"].startswith("area code of the N11 kind")
    masked = validity.invalid_contacts(checked, masked=True)
    assert masked["value"].tolist() == ["c1@example.invalid", "c4@example.invalid", "tel-C2", "tel-C3"]
    status = validity.contact_status(checked).set_index("field")
    assert status.loc["email", ["valid", "invalid", "missing"]].tolist() == [1, 2, 1]
    assert status.loc["phone", ["valid", "invalid", "missing"]].tolist() == [1, 2, 1]
    assert status.loc["phone", "invalid_share"] == pytest.approx(0.5)


def test_email_pattern_spells_out_pythons_whitespace():
    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    assert set(re.findall(r"\s", everything)) == set(re.findall(f"[{WHITESPACE}]", everything))
    emails = pd.Series(["a b@x.com", "a\u00a0b@x.com", "ab@x.com", "a@b\u3000c.com"], dtype="str")
    assert validity.normal_email(emails).notna().tolist() == [False, False, True, False]


def test_the_rules_agree_with_email_validator_on_what_they_accept():
    """Every address the contract accepts, email-validator (syntax only) accepts too."""
    import email_validator

    for value, expected in EMAILS.items():
        if expected == "valid":
            email_validator.validate_email(value.strip().lower(), check_deliverability=False)


def test_a_file_whose_contacts_all_work_has_nothing_to_correct():
    customers = pd.DataFrame({"customer_id": ["C1"], "email": ["ok@gmail.com"], "phone": ["415-555-2671"]}, dtype="str")
    got = validity.invalid_contacts(validity.checked_contacts(customers))
    assert got.empty and list(got.columns) == ["customer_id", "field", "value", "problem"]
