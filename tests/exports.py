"""Synthetic exports shaped like the DMS and CRM exports of data/field_names.csv, made from a
contract folder so an import can be checked value by value against the data it came from.

Each table is written the way one vendor's export writes it: its column names, its values
("E-Mail", "Showed", "N"), its dates (US month first, day first, Excel cells, a separate time)
and its file format (Excel, Windows-1252, semicolons with decimal commas, tabs in UTF-16).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

CHANNEL_WORDS = {"email": "E-Mail", "sms": "Text", "phone": "Phone Call", "mail": "Letter", "video": "Video Call",
                 "chat": "Live Chat", "in_person": "Walk-In"}  # fmt: skip
STATUS_WORDS = {"shown": "Showed", "no_show": "No Show", "cancelled": "Canceled", "scheduled": "Scheduled"}
PAY_LETTERS = {"customer": "C", "warranty": "W", "internal": "I", "recall": "R"}
CONDITION_LETTERS = {"new": "N", "used": "U", "cpo": "CPO"}
EVENT_WORDS = {"web_visit": "Web Visit", "email_open": "Email Open", "event": "Event", "email_click": "Email Click",
               "clinic": "Clinic", "review": "Review", "referral": "Referral"}  # fmt: skip
GROUP_WORDS = {"treatment": "Treatment", "holdout": "Control"}


def _table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype="str", keep_default_na=False, na_values=[""])


def _us_date(text: pd.Series) -> pd.Series:
    when = pd.to_datetime(text)
    return when.dt.strftime("%m/%d/%Y %H:%M").where(when.notna())


def _day_first(text: pd.Series) -> pd.Series:
    when = pd.to_datetime(text)
    return when.dt.strftime("%d/%m/%Y %H:%M").where(when.notna())


def _decimal_comma(text: pd.Series) -> pd.Series:
    return text.str.replace(".", ",", regex=False)


def customers_export(folder: Path) -> pd.DataFrame:
    """A CDK customer extract: "LAST,FIRST" in Name1, a cell phone or else a home phone, Y/N words."""
    c = _table(folder, "customers")
    home = c.index % 4 == 0  # every fourth customer gave only a home phone
    return pd.DataFrame(
        {
            "CustNo": c["customer_id"],
            "Name1": c["last_name"] + "," + c["first_name"],
            "CustomerMobilePhone": c["phone"].where(~home),
            "HomePhone": c["phone"].where(home),
            "Email1": c["email"],
            "ZipOrPostalCode": c["postal_code"],
            "Household ID": c["household_id"],
            "Email Opt In": c["email_opt_in"],
            "Text Opt In": c["sms_opt_in"],
            "Date Created": _us_date(c["created_at"]),
            "Sales Rep": c["salesperson_id"],
        }
    )


def sales_export(folder: Path) -> pd.DataFrame:
    """A CDK deal report: Excel date cells, N/U/CPO, gross as numbers."""
    s = _table(folder, "sales")
    return pd.DataFrame(
        {
            "DealNo": s["deal_id"],
            "ContractDate": pd.to_datetime(s["sold_at"]),
            "CustNo": s["customer_id"],
            "VIN": s["vin"],
            "Salesperson1": s["salesperson_id"],
            "NU": s["condition"].map(CONDITION_LETTERS),
            "FrontGross": pd.to_numeric(s["front_gross"]),
            "BackGross": pd.to_numeric(s["back_gross"]),
        }
    )


def repair_orders_export(folder: Path) -> pd.DataFrame:
    """A DealerVault service export written the European way: day-first dates, decimal commas."""
    r = _table(folder, "repair_orders")
    return pd.DataFrame(
        {
            "ronumber": r["ro_id"],
            "CustNo": r["customer_id"],
            "opendate": _day_first(r["opened_at"]),
            "Vin": r["vin"],
            "payment_method": r["pay_type"].map(PAY_LETTERS),
            "RO Total": _decimal_comma(r["total"]),
        }
    )


def touches_export(folder: Path) -> pd.DataFrame:
    """A CRM activity report: the date and the time in separate columns, channel and direction in words."""
    t = _table(folder, "touches")
    when = pd.to_datetime(t["occurred_at"])
    return pd.DataFrame(
        {
            "Activity ID": t["touch_id"],
            "Customer ID": t["customer_id"],
            "Activity Date": when.dt.strftime("%m/%d/%Y"),
            "Activity Time": when.dt.strftime("%I:%M %p"),
            "Activity Type": t["channel"].map(CHANNEL_WORDS),
            "Direction": t["direction"].str.title(),
            "Completed By": t["staff_id"],
            "Campaign ID": t["campaign_id"],
            "Template": t["template"],
            "Subject": t["subject"],
            "Gives": t["gives"],
            "Asks": t["asks"],
            "Offer Make": t["offer_make"],
            "Offer Segment": t["offer_segment"],
        }
    )


def events_export(folder: Path) -> pd.DataFrame:
    e = _table(folder, "events")
    return pd.DataFrame(
        {
            "Event ID": e["event_id"],
            "Customer ID": e["customer_id"],
            "Event Date": _us_date(e["occurred_at"]),
            "Event Type": e["type"].map(EVENT_WORDS),
            "Touch ID": e["touch_id"],
            "Campaign ID": e["campaign_id"],
        }
    )


def appointments_export(folder: Path) -> pd.DataFrame:
    """A DealerVault appointment export."""
    a = _table(folder, "appointments")
    return pd.DataFrame(
        {
            "appointment_number": a["appointment_id"],
            "CustNo": a["customer_id"],
            "appointment_create_date": _us_date(a["set_at"]),
            "appointment_date": _us_date(a["scheduled_for"]),
            "Appointment Status": a["status"].map(STATUS_WORDS),
            "Vin": a["vin"],
            "Appointment Source": a["source"],
        }
    )


def vehicles_export(folder: Path) -> pd.DataFrame:
    v = _table(folder, "vehicles")
    return pd.DataFrame(
        {
            "VIN": v["vin"],
            "CustNo": v["customer_id"],
            "Model Year": v["year"],
            "Make": v["make"],
            "Model": v["model"],
            "Body Style": v["segment"],
            "Purchase Date": _us_date(v["acquired_at"]),
        }
    )


def staff_export(folder: Path) -> pd.DataFrame:
    s = _table(folder, "staff")
    return s.rename(columns={"staff_id": "User ID", "name": "Full Name", "role": "Role", "department": "Department"})


def campaigns_export(folder: Path) -> pd.DataFrame:
    c = _table(folder, "campaigns")
    return pd.DataFrame(
        {
            "Campaign ID": c["campaign_id"],
            "Campaign Name": c["name"],
            "Channel": c["channel"].map(CHANNEL_WORDS),
            "Campaign Cost": "$" + c["cost"],
            "Start Date": _us_date(c["started_at"]),
        }
    )


def holdouts_export(folder: Path) -> pd.DataFrame:
    h = _table(folder, "holdouts")
    return h.assign(group=h["group"].map(GROUP_WORDS))


def write_exports(folder: Path, source: Path) -> Path:
    """Every table of the contract folder ``folder`` as a vendor-shaped export in ``source``."""
    source.mkdir(parents=True, exist_ok=True)
    customers_export(folder).to_csv(source / "CUSTOMER_EXTRACT.csv", index=False, encoding="cp1252")
    sales_export(folder).to_excel(source / "Deals.xlsx", index=False)
    repair_orders_export(folder).to_csv(source / "service_ros.csv", index=False, sep=";")
    touches_export(folder).to_csv(source / "Activities.txt", index=False, sep="\t", encoding="utf-16")
    events_export(folder).to_csv(source / "engagement.csv", index=False, encoding="utf-8-sig")
    appointments_export(folder).to_csv(source / "appointments.csv", index=False)
    vehicles_export(folder).to_csv(source / "Owned Vehicles.csv", index=False, sep="|")
    staff_export(folder).to_excel(source / "employees.xlsx", index=False)
    campaigns_export(folder).to_csv(source / "campaigns.csv", index=False)
    holdouts_export(folder).to_csv(source / "holdout_test.csv", index=False)
    _table(folder, "survey").to_csv(source / "survey.tsv", index=False, sep="\t")
    (source / "dealer.toml").write_bytes((folder / "dealer.toml").read_bytes())
    (source / "README.txt.bak").write_text("notes the DMS left\n")
    return source
