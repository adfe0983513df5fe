"""The lists a dealer acts on, with whom to contact and how: each row of a list (a buyer to call,
a customer to suppress, a duplicate to merge) gets the customer's name, phone and e-mail, their
salesperson's name and the reason they are on the list.

The contact details come from the customers and staff tables as the CRM holds them, or as stable
pseudonyms when the dealer was loaded with ``mask_personal`` (:mod:`toolkit.privacy`).
"""

from __future__ import annotations

import pandas as pd

from toolkit import privacy
from toolkit.inputs.dealer import Dealer

CONTACT_COLUMNS = ("customer_id", "name", "phone", "email", "salesperson_id", "salesperson_name", "reason")


def contact_details(customers: pd.DataFrame, masked: bool = False) -> pd.DataFrame:
    """Per customer: ``name`` (first and last name as on file), ``phone``, ``email`` and their
    ``salesperson_id``; a blank stays blank. Pseudonyms when ``masked``."""
    first = customers.get("first_name", pd.Series(pd.NA, index=customers.index)).astype("str").str.strip()
    last = customers.get("last_name", pd.Series(pd.NA, index=customers.index)).astype("str").str.strip()
    name = (first.fillna("") + " " + last.fillna("")).str.strip()
    out = pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "name": name.where(name != ""),
            "phone": customers.get("phone"),
            "email": customers.get("email"),
            "salesperson_id": customers.get("salesperson_id"),
        }
    )
    return privacy.masked_contacts(out) if masked else out


def staff_names(staff: pd.DataFrame | None) -> pd.Series:
    """Each staff member's name by ``staff_id``; empty when there is no staff table or it has no
    names."""
    if staff is None or "name" not in staff:
        return pd.Series(dtype="str")
    return staff.drop_duplicates("staff_id").set_index("staff_id")["name"]


def with_staff_names(frame: pd.DataFrame, staff: pd.DataFrame | None, column: str = "salesperson_id") -> pd.DataFrame:
    """``frame`` with a ``name`` column after ``column``: the name of the staff member whose id it
    holds, so that people are read by name beside their id. Unchanged without staff names."""
    names = staff_names(staff)
    if names.empty:
        return frame
    out = frame.copy()
    out.insert(out.columns.get_loc(column) + 1, "name", out[column].map(names))
    return out


def staff_label(value, staff: pd.DataFrame | None) -> str:
    """How people read a staff id: the person's name with the id ("Troy Hammond (S04)", or
    "Staff S04" when names are masked); a value that names nobody ("everyone", "all") as itself."""
    names = staff_names(staff)
    name = names.get(value) if value in names.index else None
    if name is None or pd.isna(name):
        return str(value)
    return str(name) if str(value) in str(name) else f"{name} ({value})"


def staff_options(values, staff: pd.DataFrame | None) -> list[tuple[str, str]]:
    """A staff picker's options as (what people read, value) pairs (:func:`staff_label`)."""
    return [(staff_label(v, staff), v) for v in values]


def contact_list(frame: pd.DataFrame, reason: pd.Series, dealer: Dealer) -> pd.DataFrame:
    """``frame`` (one row per entry of a list, with ``customer_id``) led by the columns of
    :data:`CONTACT_COLUMNS`: whom to contact, how, who looks after them and ``reason`` (aligned
    with ``frame``'s rows), then the list's own columns. The salesperson is the one ``frame``
    names (the seller of a deal), else the customer's own; a customer the customers table does not
    hold keeps blank contact details."""
    details = (
        contact_details(dealer["customers"], dealer.masked).drop_duplicates("customer_id").set_index("customer_id")
    )
    rows = frame.reset_index(drop=True)
    ids = rows["customer_id"]
    seller = rows["salesperson_id"] if "salesperson_id" in rows else ids.map(details["salesperson_id"])
    names = staff_names(dealer.tables.get("staff"))
    lead = pd.DataFrame(
        {
            "customer_id": ids,
            "name": ids.map(details["name"]),
            "phone": ids.map(details["phone"]),
            "email": ids.map(details["email"]),
            "salesperson_id": seller,
            "salesperson_name": seller.map(names),
            "reason": pd.Series(reason).reset_index(drop=True),
        }
    )
    rest = rows.drop(columns=[c for c in CONTACT_COLUMNS if c in rows])
    return pd.concat([lead, rest], axis=1)
