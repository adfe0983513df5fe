"""The data contract: which tables a dealer folder holds and what each column may contain.

This is the single source of truth for ``toolkit.inputs`` (loading and validation),
``toolkit.sample`` (the generator writes exactly these columns) and the docs.
"""

from __future__ import annotations

from dataclasses import dataclass

CHANNELS = ("email", "sms", "phone", "mail", "in_person", "video", "chat")
DIRECTIONS = ("outbound", "inbound")
EVENT_TYPES = ("email_open", "email_click", "web_visit", "clinic", "event", "review", "referral")
APPOINTMENT_STATUSES = ("scheduled", "shown", "no_show", "cancelled")
PAY_TYPES = ("customer", "warranty", "internal", "recall")
CONDITIONS = ("new", "used", "cpo")
HOLDOUT_GROUPS = ("treatment", "holdout")  # a randomised test: sent the campaign, or kept back
GIVE_TAGS = ("price", "info", "invite", "gift", "reminder")
ASK_TAGS = ("appointment", "contact_info", "sale", "review", "referral")


@dataclass(frozen=True)
class Column:
    """One column: its name, kind of value, and the rules a value must follow.

    kind is one of ``id`` (text identifier), ``text``, ``datetime``, ``bool``,
    ``number``, ``integer`` or ``tags`` (``;``-separated words from ``allowed``).
    """

    name: str
    kind: str = "text"
    required: bool = False
    allowed: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Table:
    """A table of the contract: its columns, the columns that identify a row, its date."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    date: str | None = None  # rows dated after as_of are left out of every analysis
    references: tuple[tuple[str, str], ...] = ()  # (column, table whose key it names)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name, kind="text", required=False, allowed=None, low=None, high=None):
    return Column(name, kind, required, allowed, low, high)


SCORE_RANGE = (1, 5)  # a survey answer: 1 strongly disagree … 5 strongly agree

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "customers",
            (
                _c("customer_id", "id", True),
                _c("household_id", "id"),
                _c("first_name"),
                _c("last_name"),
                _c("email"),
                _c("phone"),
                _c("postal_code"),
                _c("email_opt_in", "bool"),
                _c("sms_opt_in", "bool"),
                _c("created_at", "datetime"),
                _c("salesperson_id", "id"),
                _c("store_id", "id"),
            ),
            key=("customer_id",),
            date="created_at",
            references=(("salesperson_id", "staff"),),
        ),
        Table(
            "vehicles",
            (
                _c("vin", "id", True),
                _c("customer_id", "id", True),
                _c("year", "integer", low=1900, high=2100),
                _c("make"),
                _c("model"),
                _c("segment"),
                _c("acquired_at", "datetime"),
            ),
            key=("vin", "customer_id"),
            date="acquired_at",
            references=(("customer_id", "customers"),),
        ),
        Table(
            "sales",
            (
                _c("deal_id", "id", True),
                _c("customer_id", "id", True),
                _c("sold_at", "datetime", True),
                _c("vin", "id"),
                _c("salesperson_id", "id"),
                _c("condition", allowed=CONDITIONS),
                _c("front_gross", "number"),
                _c("back_gross", "number"),
                _c("store_id", "id"),
            ),
            key=("deal_id",),
            date="sold_at",
            references=(("customer_id", "customers"), ("salesperson_id", "staff")),
        ),
        Table(
            "touches",
            (
                _c("touch_id", "id", True),
                _c("customer_id", "id", True),
                _c("occurred_at", "datetime", True),
                _c("channel", required=True, allowed=CHANNELS),
                _c("direction", allowed=DIRECTIONS),
                _c("staff_id", "id"),
                _c("campaign_id", "id"),
                _c("template", "bool"),
                _c("subject"),
                _c("gives", "tags", allowed=GIVE_TAGS),
                _c("asks", "tags", allowed=ASK_TAGS),
                _c("offer_make"),
                _c("offer_segment"),
                _c("store_id", "id"),
            ),
            key=("touch_id",),
            date="occurred_at",
            references=(("customer_id", "customers"), ("staff_id", "staff"), ("campaign_id", "campaigns")),
        ),
        Table(
            "events",
            (
                _c("event_id", "id", True),
                _c("customer_id", "id", True),
                _c("occurred_at", "datetime", True),
                _c("type", required=True, allowed=EVENT_TYPES),
                _c("touch_id", "id"),
                _c("campaign_id", "id"),
            ),
            key=("event_id",),
            date="occurred_at",
            references=(("customer_id", "customers"), ("touch_id", "touches"), ("campaign_id", "campaigns")),
        ),
        Table(
            "appointments",
            (
                _c("appointment_id", "id", True),
                _c("customer_id", "id", True),
                _c("set_at", "datetime", True),
                _c("scheduled_for", "datetime", True),
                _c("status", required=True, allowed=APPOINTMENT_STATUSES),
                _c("vin", "id"),
                _c("source"),
                _c("store_id", "id"),
            ),
            key=("appointment_id",),
            date="set_at",
            references=(("customer_id", "customers"),),
        ),
        Table(
            "repair_orders",
            (
                _c("ro_id", "id", True),
                _c("customer_id", "id", True),
                _c("opened_at", "datetime", True),
                _c("vin", "id"),
                _c("pay_type", allowed=PAY_TYPES),
                _c("total", "number"),
                _c("store_id", "id"),
            ),
            key=("ro_id",),
            date="opened_at",
            references=(("customer_id", "customers"),),
        ),
        Table(
            "staff",
            (_c("staff_id", "id", True), _c("name"), _c("role"), _c("department"), _c("store_id", "id")),
            key=("staff_id",),
        ),
        Table(
            "campaigns",
            (
                _c("campaign_id", "id", True),
                _c("name"),
                _c("channel", allowed=CHANNELS),
                _c("cost", "number", low=0),
                _c("started_at", "datetime"),
            ),
            key=("campaign_id",),
            date="started_at",
        ),
        Table(
            "holdouts",
            (
                _c("campaign_id", "id", True),
                _c("customer_id", "id", True),
                _c("group", required=True, allowed=HOLDOUT_GROUPS),
                _c("assigned_at", "datetime"),
            ),
            key=("campaign_id", "customer_id"),
            date="assigned_at",
            references=(("customer_id", "customers"), ("campaign_id", "campaigns")),
        ),
        Table(
            "survey",
            (
                _c("respondent_id", "id", True),
                _c("department", required=True),
                _c("question_id", "id", True),
                _c("score", "integer", True, low=SCORE_RANGE[0], high=SCORE_RANGE[1]),
                _c("answered_at", "datetime"),
                _c("store_id", "id"),
            ),
            key=("respondent_id", "question_id"),
            date="answered_at",
        ),
    )
}

DEALER_FILE = "dealer.toml"
