"""Whether a customer's e-mail and phone could reach them, by the data contract's rules.

A contact is *valid* when it follows the rules, *invalid* when something is on file that breaks
them (``john..doe@gmail.com``, ``123-456-7890``: the cheapest records to fix, since the customer
gave something), and *missing* when the field is blank or holds a placeholder that CRMs store
for "no e-mail" (``noemail@noemail.com``).

- E-mail: ``local@domain``; the local part of letters, digits and
  ``!#$%&'*+/=?^_`{|}~.-``, at most 64 characters, with no leading, trailing or doubled dot; the
  domain two or more dot-separated labels of letters, digits and inner hyphens, the last of two
  or more letters. Compared lower-cased and trimmed.
- Phone: a North American number, 10 digits once everything else is removed (11 with a leading
  1, which is dropped); area code and exchange each start with 2–9 and are not N11 (911, 411);
  not one digit repeated. A value with letters (``x204``, ``ext. 12``, ``1-800-FLOWERS``) is read
  by ``phonenumbers``, which drops the extension and spells the letters as digits.

The rules are vectorised, so a dealer group's 200,000 customers are checked in well under a
second; ``email-validator`` says in words what is wrong with each invalid e-mail.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from toolkit import privacy
from toolkit.inputs.parse import WHITESPACE

_LOCAL_ATOM = "[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL_RE = rf"^{_LOCAL_ATOM}(\.{_LOCAL_ATOM})*@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{{2,}}$"
LOCAL_MAX = 64
PLACEHOLDER_LOCAL = {
    "noemail",
    "no.email",
    "no-email",
    "none",
    "na",
    "n/a",
    "no",
    "declined",
    "refused",
    "unknown",
    "nomail",
    "noreply",
    "donotemail",
    "customer",
    "test",
    "x",
}
PLACEHOLDER_DOMAINS = {"noemail.com", "none.com", "na.com", "nomail.com", "noemail.net", "none.net"}
_PLACEHOLDER_LOCAL_RE = "^(?:" + "|".join(map(re.escape, sorted(PLACEHOLDER_LOCAL))) + ")@"
_PLACEHOLDER_DOMAIN_RE = "@(?:" + "|".join(map(re.escape, sorted(PLACEHOLDER_DOMAINS))) + ")$"
STATUSES = ("valid", "invalid", "missing")


def _trimmed_lower(values: pd.Series) -> pd.Series:
    text = values.astype("str").str.replace(f"^[{WHITESPACE}]+|[{WHITESPACE}]+$", "", regex=True).str.lower()
    return text.where(values.notna() & (text != ""))


def email_status(email: pd.Series) -> pd.Series:
    """Per value: ``"valid"``, ``"invalid"`` (something on file that breaks the rules) or
    ``"missing"`` (blank, or a placeholder for "no e-mail")."""
    e = _trimmed_lower(email)
    placeholder = e.str.match(_PLACEHOLDER_LOCAL_RE).fillna(False) | e.str.contains(_PLACEHOLDER_DOMAIN_RE).fillna(
        False
    )
    ok = e.str.match(EMAIL_RE).fillna(False).astype(bool) & (e.str.find("@") <= LOCAL_MAX)
    status = np.select([e.isna() | placeholder, ok], ["missing", "valid"], "invalid")
    return pd.Series(status, index=email.index, dtype="str")


def normal_email(email: pd.Series) -> pd.Series:
    """E-mails lower-cased and trimmed; invalid ones and placeholders become NA."""
    return _trimmed_lower(email).where(email_status(email) == "valid")


def _phone_digits(phone: pd.Series) -> pd.Series:
    """Each phone's digits, a leading 1 of 11 dropped; a value with letters read by
    ``phonenumbers`` (extension dropped, letters spelt as digits, another country's code kept)."""
    text = phone.astype("str").where(phone.notna())
    digits = text.str.replace(r"\D", "", regex=True)
    lettered = text.str.contains("[A-Za-z]", regex=True).fillna(False).astype(bool)
    if lettered.any():
        digits[lettered] = [_parsed_digits(v) for v in text[lettered]]
    digits = digits.where(digits != "")
    return digits.where(~((digits.str.len() == 11) & digits.str.startswith("1")), digits.str[1:])


def _parsed_digits(value: str) -> str:
    import phonenumbers

    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", value)
    national = str(number.national_number)
    return national if number.country_code == 1 else f"+{number.country_code}{national}"


def phone_problem(digits: pd.Series) -> pd.Series:
    """Why each phone (as :func:`_phone_digits` reads it) breaks the rules, in words; ``""``
    when it is valid, NA when missing."""
    area, exchange = digits.str[:3], digits.str[3:6]
    repeated = digits.str[1:] == digits.str[:-1]  # equal when shifted by one: one digit throughout
    checks = [
        (digits.isna(), pd.NA),
        (digits.str.startswith("+"), "not a North American number"),
        (digits.str.len() < 10, "too few digits"),
        (digits.str.len() > 10, "too many digits"),
        (repeated, "one digit repeated"),
        (~area.str[0].isin(list("23456789")), "area code starts with 0 or 1"),
        (area.str[1:] == "11", "area code of the N11 kind (such as 911)"),
        (~exchange.str[0].isin(list("23456789")), "exchange starts with 0 or 1"),
        (exchange.str[1:] == "11", "exchange of the N11 kind (such as 411)"),
    ]
    out = pd.Series("", index=digits.index, dtype="object")
    decided = pd.Series(False, index=digits.index)
    for condition, reason in checks:
        hit = condition.fillna(False).astype(bool) & ~decided
        out[hit] = reason
        decided |= hit
    return out.astype("str")


def phone_status(phone: pd.Series) -> pd.Series:
    """Per value: ``"valid"``, ``"invalid"`` or ``"missing"`` (blank or no digits at all)."""
    return _status_of(phone_problem(_phone_digits(phone)))


def _status_of(problem: pd.Series) -> pd.Series:
    """valid / invalid / missing from :func:`phone_problem`'s answer."""
    status = np.select([problem.isna(), problem == ""], ["missing", "valid"], "invalid")
    return pd.Series(status, index=problem.index, dtype="str")


def normal_phone(phone: pd.Series) -> pd.Series:
    """Phones as their 10 digits; invalid ones and blanks become NA."""
    digits = _phone_digits(phone)
    return digits.where(phone_problem(digits) == "")


def checked_contacts(customers: pd.DataFrame) -> pd.DataFrame:
    """``customers`` with each contact checked once: ``email_status`` and ``phone_status``
    (valid, invalid or missing), ``email_normal`` and ``phone_normal`` (NA unless valid) and
    ``phone_problem`` (why an invalid phone is, in words)."""
    digits = _phone_digits(customers["phone"])
    problem = phone_problem(digits)
    out = customers.copy()
    out["email_status"] = email_status(customers["email"])
    out["email_normal"] = _trimmed_lower(customers["email"]).where(out["email_status"] == "valid")
    out["phone_problem"] = problem
    out["phone_status"] = _status_of(problem)
    out["phone_normal"] = digits.where(problem == "")
    return out


def email_problem(email: str) -> str:
    """Why one e-mail that breaks the rules does, in words (``email-validator``'s, without any
    network lookup); the contract's own rule when the library would accept it."""
    import email_validator

    value = email.strip().lower()
    try:
        email_validator.validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except email_validator.EmailNotValidError as error:
        return str(error)
    if value.find("@") > LOCAL_MAX:
        return f"The part before the @-sign is longer than {LOCAL_MAX} characters."
    return "The address holds characters outside a-z, digits and the allowed punctuation."


def invalid_contacts(checked: pd.DataFrame, masked: bool = False) -> pd.DataFrame:
    """Every e-mail and phone on file that breaks the rules — the cheapest records to fix, since
    the customer gave something: ``customer_id``, ``field`` (``email`` or ``phone``), ``value``
    as stored (its pseudonym when ``masked``) and ``problem`` in words. E-mails first.
    ``checked`` is :func:`checked_contacts`."""
    emails = checked[checked["email_status"] == "invalid"]
    phones = checked[checked["phone_status"] == "invalid"]
    out = pd.concat(
        [
            pd.DataFrame(
                {
                    "customer_id": emails["customer_id"],
                    "field": "email",
                    "value": emails["email"],
                    "problem": [email_problem(v) for v in emails["email"].astype("str")],
                }
            ),
            pd.DataFrame(
                {
                    "customer_id": phones["customer_id"],
                    "field": "phone",
                    "value": phones["phone"],
                    "problem": phones["phone_problem"],
                }
            ),
        ],
        ignore_index=True,
    ).astype("str")
    if masked:
        pseudonyms = {f: privacy.customer_pseudonyms(out["customer_id"], f) for f in ("email", "phone")}
        out["value"] = pseudonyms["email"].where(out["field"] == "email", pseudonyms["phone"])
    return out


def contact_status(checked: pd.DataFrame) -> pd.DataFrame:
    """Per contact field (e-mail, phone): customers whose contact is valid, invalid (on file
    but breaking the rules) and missing, as counts and shares of all customers. ``checked`` is
    :func:`checked_contacts`."""
    counts = (
        pd.DataFrame({"email": checked["email_status"].value_counts(), "phone": checked["phone_status"].value_counts()})
        .reindex(list(STATUSES), fill_value=0)
        .fillna(0)
        .astype(int)
        .T
    )
    shares = (counts.div(max(len(checked), 1))).add_suffix("_share")
    return pd.concat([counts, shares], axis=1).rename_axis("field").reset_index()
