"""Stable pseudonyms for the personal data a report shows, for reports that leave the dealership
(``--mask-personal``).

A pseudonym is made from the record's own ID (``C000123``, ``S04``), which every report already
shows: the same customer or salesperson gets the same pseudonym in every list, report and render,
so the dealership can map a row back to its CRM, and the pseudonym reveals nothing the ID does not.
A blank value stays blank, so a masked list still shows which contact details are missing.
"""

from __future__ import annotations

import pandas as pd

CONTACT_FIELDS = ("name", "phone", "email", "postal_code")


def customer_pseudonyms(customer_id: pd.Series, field: str) -> pd.Series:
    """The pseudonym of each customer's ``field`` (one of :data:`CONTACT_FIELDS`): ``Customer
    C000123``, ``tel-C000123``, ``c000123@example.invalid`` (a domain that can never receive mail),
    ``zip-C000123``."""
    ids = customer_id.astype("str")
    made = {
        "name": "Customer " + ids,
        "phone": "tel-" + ids,
        "email": ids.str.lower() + "@example.invalid",
        "postal_code": "zip-" + ids,
    }
    return made[field]


def masked_contacts(contacts: pd.DataFrame) -> pd.DataFrame:
    """``contacts`` (``customer_id`` and any of :data:`CONTACT_FIELDS`) with every value on file
    replaced by its pseudonym; blanks stay blank."""
    out = contacts.copy()
    for field in CONTACT_FIELDS:
        if field in out:
            out[field] = customer_pseudonyms(out["customer_id"], field).where(out[field].notna())
    return out


def masked_staff(staff: pd.DataFrame) -> pd.DataFrame:
    """``staff`` with each person's name replaced by ``Staff S04`` (their ID); no analysis reads
    staff names, so masking them at load changes no number."""
    if "name" not in staff:
        return staff
    return staff.assign(name=("Staff " + staff["staff_id"].astype("str")).where(staff["name"].notna()))
