"""A synthetic dealership with every table of the data contract.

:func:`generate_sample` returns plausible tables for a store of ``customers``
customers over three years up to ``as_of``; :func:`write_sample` writes them
as a dealer folder. The same seed gives the same data.

Personas set how the staff behave:

* ``relationship`` — follows the sold cadence personally, books the first
  service, keeps records complete, sends campaigns that mostly give and
  targets offers at owners of the make;
* ``transactional`` — template touches, few follow-ups, thin records, campaigns
  that mostly ask and offers blasted to everyone;
* ``mixed`` (the committed sample) — a relationship-driven store with one
  transactional salesperson (S04), so a trainer can compare staff.

The data carries the quirks of real CRM exports: placeholder and malformed
e-mails, phones in five formats and some invalid, duplicate customer records,
booleans written as Y/N/yes/1, campaigns with blank give/ask tags that the
taxonomy's keyword rules must classify, and internal pre-delivery repair
orders.

A store that gives has planted causes for the engagement model and the holdout
readout to find (see ``CLICK_VISIT_CHANCE``); every store has one finished
randomised holdout test (the ``holdouts`` table).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.resources import read_toml, shipped

PERSONAS = ("relationship", "transactional", "mixed")
DAY = np.timedelta64(1, "D")


# The share of each step's touches that staff actually make, beside their persona's habit: every
# store in the generator neglects the three-month check-in, so the sold follow-up has one step
# that is genuinely weaker than the others for its evidence rules to find.
STEP_FOLLOW_THROUGH = {"quarter": 0.6}

# Causes planted in a store that gives (relationship and mixed), so that the engagement model and
# the holdout readout have something real to find; a store that only asks (transactional) gets
# none, and its report must recommend no move. They are drawn from their own random stream, so
# every other table is the same as without them.
CLICK_VISIT_CHANCE = 0.4  # an e-mail click brings a customer-pay service visit 20–240 days later
TEST_VISIT_CHANCE = 0.15  # the tested campaign brings a visit 7–60 days later to those it was sent
TEST_HOLDOUT_SHARE = 0.2  # the share of the tested campaign's audience kept back
TEST_READ_DAYS = 200  # the tested campaign started at least this long before as_of: its read is finished


@dataclass(frozen=True)
class Traits:
    """How one persona's staff behave; each number is a probability."""

    cadence_hit: float  # a sold follow-up step gets a touch
    personalised: float  # a follow-up touch is written by a person, not a template
    email: float  # a valid e-mail is captured
    phone: float  # a valid phone is captured
    postal: float  # a postal code is captured
    household: float  # household members are linked
    vehicle_known: float  # the customer's vehicles are on file
    first_set: float  # first service appointment set within 30 days of the sale
    show: float  # the customer shows for it
    retain: float  # the buyer keeps coming back for service
    ask_extra: float  # a follow-up touch also asks for a review, referral or sale


TRAITS = {
    "relationship": Traits(0.85, 0.75, 0.92, 0.94, 0.97, 0.85, 0.95, 0.70, 0.86, 0.72, 0.10),
    "transactional": Traits(0.25, 0.12, 0.68, 0.80, 0.85, 0.25, 0.75, 0.22, 0.62, 0.38, 0.70),
}

# Campaign themes: (subject, gives, asks, offer make, weight in a relationship store,
# weight in a transactional store). "{make}"/"{model}" are filled per campaign.
THEMES = [
    ("Service special: $49.95 synthetic oil change", "price;reminder", "appointment", None, 3, 3),
    ("Winter tire clinic: you're invited", "invite;info", "", None, 2, 0.5),
    ("Owner's tips: getting ready for summer road trips", "info", "", None, 3, 0.5),
    ("Your maintenance is due: book online", "reminder", "appointment", None, 3, 2),
    ("Recall notice: what to know about your vehicle", "info;reminder", "appointment", None, 1, 1),
    ("A thank-you gift: free car wash on us", "gift", "", None, 2, 0.3),
    ("Your {make} is worth more than you think: trade-in values", "", "sale", "{make}", 1, 4),
    ("Year-end sales event: new {make} {model} at 0.9% APR", "price", "sale", "{make}", 1, 3),
    ("New {make} {model} arrivals in stock", "", "sale", "{make}", 1, 3),
    ("How did we do? Leave us a review", "", "review", None, 0.5, 2),
    ("Refer a friend and get $100", "price", "referral", None, 0.5, 2),
    ("Update your contact details", "", "contact_info", None, 0.5, 1.5),
    ("A message from our general manager", "info", "", None, 1, 0.5),
    ("Spring into something new", "", "sale", None, 0.5, 1.5),
]
MAKES = {
    "Toyota": [
        ("Camry", "sedan"),
        ("Corolla", "sedan"),
        ("RAV4", "suv"),
        ("Highlander", "suv"),
        ("Tacoma", "truck"),
        ("Sienna", "minivan"),
        ("bZ4X", "ev"),
    ],
    "Honda": [("Civic", "sedan"), ("Accord", "sedan"), ("CR-V", "suv"), ("Odyssey", "minivan")],
    "Ford": [("F-150", "truck"), ("Escape", "suv"), ("Mustang Mach-E", "ev")],
    "Chevrolet": [("Silverado", "truck"), ("Equinox", "suv"), ("Malibu", "sedan")],
    "Nissan": [("Rogue", "suv"), ("Altima", "sedan")],
    "Subaru": [("Outback", "suv"), ("Forester", "suv")],
}
MAKE_SHARE = {"Toyota": 0.62, "Honda": 0.11, "Ford": 0.09, "Chevrolet": 0.08, "Nissan": 0.05, "Subaru": 0.05}
FIRST = np.array(
    [
        "James",
        "Mary",
        "Robert",
        "Patricia",
        "John",
        "Jennifer",
        "Michael",
        "Linda",
        "David",
        "Elizabeth",
        "William",
        "Barbara",
        "Richard",
        "Susan",
        "Joseph",
        "Jessica",
        "Thomas",
        "Sarah",
        "Carlos",
        "Maria",
        "Wei",
        "Priya",
        "Ahmed",
        "Fatima",
        "Luis",
        "Ana",
        "Daniel",
        "Karen",
        "Kevin",
        "Nancy",
        "Jason",
        "Lisa",
        "Brian",
        "Emily",
        "Omar",
        "Grace",
    ]
)
LAST = np.array(
    [
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Jones",
        "Garcia",
        "Miller",
        "Davis",
        "Rodriguez",
        "Martinez",
        "Hernandez",
        "Lopez",
        "Gonzalez",
        "Wilson",
        "Anderson",
        "Thomas",
        "Taylor",
        "Moore",
        "Jackson",
        "Martin",
        "Lee",
        "Perez",
        "Thompson",
        "White",
        "Harris",
        "Sanchez",
        "Clark",
        "Ramirez",
        "Lewis",
        "Robinson",
        "Walker",
        "Young",
        "Allen",
        "King",
        "Wright",
        "Scott",
        "Nguyen",
        "Patel",
        "Kim",
    ]
)
DOMAINS = np.array(["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "comcast.net"])
PLACEHOLDER_EMAILS = np.array(
    ["noemail@noemail.com", "none@none.com", "na@na.com", "declined@lakeside.com", "NOEMAIL@NOEMAIL.COM"]
)
SALESPEOPLE = [
    ("S01", "Dana Whitfield"),
    ("S02", "Marcus Greene"),
    ("S03", "Elena Ruiz"),
    ("S04", "Troy Hammond"),
    ("S05", "Priya Shah"),
    ("S06", "Ben Okafor"),
]
OTHER_STAFF = [
    ("A01", "Sam Kowalski", "service advisor", "service"),
    ("A02", "Rita Moreno", "service advisor", "service"),
    ("B01", "Jordan Lee", "BDC agent", "bdc"),
    ("M01", "Alex Chen", "marketing manager", "marketing"),
    ("F01", "Grace Park", "finance manager", "finance"),
    ("G01", "Helen Brooks", "general manager", "leadership"),
]
STORE_NAMES = {"relationship": "Maple Ridge Toyota", "transactional": "Quickline Toyota", "mixed": "Lakeside Toyota"}


def generate_sample(
    customers: int = 2000, persona: str = "mixed", seed: int = 7, as_of: str = "2025-06-30"
) -> tuple[dict, dict[str, pd.DataFrame]]:
    """``(dealer settings, tables)`` for a synthetic store; see the module docstring.

    Each of ``customers`` has 0–3 vehicles; about two thirds of them bought at
    least once in the three years to ``as_of``.
    """
    if persona not in PERSONAS:
        raise ValueError(f"persona must be one of {', '.join(PERSONAS)}, not {persona!r}")
    if customers < 10:
        raise ValueError("a sample needs at least 10 customers")
    g = _Generator(
        np.random.default_rng(seed), customers, persona, pd.Timestamp(as_of), planted=np.random.default_rng([seed, 1])
    )
    return g.settings(), g.tables()


# The identifiers of each generated table, which a dealer group's stores keep apart by a prefix
# ("ST02-C00017"), and the tables that carry the optional store_id of the contract.
IDS = {
    "customers": ("customer_id", "household_id", "salesperson_id"),
    "vehicles": ("vin", "customer_id"),
    "sales": ("deal_id", "customer_id", "vin", "salesperson_id"),
    "touches": ("touch_id", "customer_id", "staff_id", "campaign_id"),
    "events": ("event_id", "customer_id", "touch_id", "campaign_id"),
    "appointments": ("appointment_id", "customer_id", "vin"),
    "repair_orders": ("ro_id", "customer_id", "vin"),
    "staff": ("staff_id",),
    "campaigns": ("campaign_id",),
    "survey": ("respondent_id",),
    "holdouts": ("campaign_id", "customer_id"),
}
STORE_TABLES = ("customers", "sales", "touches", "appointments", "repair_orders", "staff", "survey")
CONTRAST = {"relationship": "transactional", "mixed": "transactional", "transactional": "relationship"}


def generate_group(
    customers: int = 6000, stores: int = 3, persona: str = "mixed", seed: int = 7, as_of: str = "2025-06-30"
) -> tuple[dict, dict[str, pd.DataFrame]]:
    """``(dealer settings, tables)`` for a dealer group of ``stores`` stores (``ST01`` …) sharing
    ``customers`` evenly. Every store is of ``persona`` except the last, which is its contrast
    (:data:`CONTRAST`: a transactional store in a relationship or mixed group), so a group always
    has one store that is clearly different. Each store's ids carry its store id as a prefix and
    its rows carry ``store_id``."""
    if stores < 1:
        raise ValueError("a group needs at least one store")
    settings: dict = {}
    parts = []
    for k in range(stores):
        kind = CONTRAST[persona] if stores > 1 and k == stores - 1 else persona
        size = customers // stores + (k < customers % stores)
        store_settings, tables = generate_sample(size, kind, seed + k, as_of)
        settings = settings or store_settings
        parts.append(_in_store(tables, f"ST{k + 1:02d}"))
    tables = {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]}
    return {**settings, "name": f"{STORE_NAMES[persona]} Group", "persona": persona}, tables


def _in_store(tables: dict[str, pd.DataFrame], store: str) -> dict[str, pd.DataFrame]:
    out = {}
    for name, df in tables.items():
        df = df.copy()
        for column in IDS.get(name, ()):
            if column in df:
                text = df[column].astype("string")
                df[column] = (store + "-" + text).where(text.fillna("").ne(""), text).astype(object)
        if name in STORE_TABLES:
            df["store_id"] = store
        out[name] = df
    return out


def write_sample(
    out: str | Path,
    customers: int = 2000,
    persona: str = "mixed",
    seed: int = 7,
    as_of: str = "2025-06-30",
    fmt: str = "csv",
    stores: int = 0,
) -> Path:
    """Generate a sample — a dealer group of ``stores`` stores when that is 1 or more
    (:func:`generate_group`) — and write it as a dealer folder (CSV or Parquet tables + dealer.toml)."""
    settings, tables = (
        generate_group(customers, stores, persona, seed, as_of)
        if stores
        else generate_sample(customers, persona, seed, as_of)
    )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        if fmt == "parquet":
            df.to_parquet(out / f"{name}.parquet", index=False)
        else:
            df.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    lines = [
        f'name = "{settings["name"]}"',
        f"brands = {settings['brands']!r}".replace("'", '"'),
        f'timezone = "{settings["timezone"]}"',
        f'currency = "{settings["currency"]}"',
        f"as_of = {settings['as_of']}",
        f'persona = "{settings["persona"]}"',
        f"seed = {seed}",
    ]
    (out / "dealer.toml").write_text("\n".join(lines) + "\n")
    return out


def _iso(ts: pd.Series | np.ndarray) -> np.ndarray:
    """ISO 8601 text to the second (numpy formats millions of timestamps in well under a second)."""
    return np.datetime_as_string(np.asarray(ts, dtype="datetime64[s]"), unit="s")


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    """``prefix`` + a zero-padded running number, 1..n."""
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))


class _Generator:
    """Builds the tables in dependency order; each method adds one table."""

    def __init__(
        self, rng: np.random.Generator, n: int, persona: str, as_of: pd.Timestamp, planted: np.random.Generator
    ):
        self.rng, self.n, self.persona, self.as_of = rng, n, persona, as_of
        self.planted = planted  # the stream of the holdout test and the planted causes
        self.start = as_of - pd.DateOffset(years=3)
        self.store = "transactional" if persona == "transactional" else "relationship"
        self.plan = read_toml(shipped("data", "cadence.toml"))["steps"]
        self.sp_persona = {
            sid: (
                "transactional"
                if persona == "transactional" or (persona == "mixed" and sid == "S04")
                else "relationship"
            )
            for sid, _ in SALESPEOPLE
        }

    def settings(self) -> dict:
        return {
            "name": STORE_NAMES[self.persona],
            "brands": ["Toyota"],
            "timezone": "America/Chicago",
            "currency": "USD",
            "as_of": str(self.as_of.date()),
            "persona": self.persona,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        self.customers = self._customers()
        self.vehicles = self._vehicles()
        self.sales = self._sales()
        self.campaigns, campaign_touches = self._campaigns()
        self.touches = self._touches(campaign_touches)
        self.events = self._events()
        self.repair_orders, service_appts = self._repair_orders()
        self.appointments = self._appointments(service_appts)
        self.holdouts = self._holdout_test()
        self.repair_orders = self._with_planted_visits()
        return {
            "customers": self._export_customers(),
            "vehicles": self._export(self.vehicles, "acquired_at"),
            "sales": self._export(self.sales, "sold_at"),
            "touches": self._export_touches(),
            "events": self._export(self.events, "occurred_at"),
            "appointments": self._export(self.appointments, "set_at", "scheduled_for"),
            "repair_orders": self._export(self.repair_orders, "opened_at"),
            "staff": self._staff(),
            "campaigns": self._export(self.campaigns, "started_at"),
            "survey": self._survey(),
            "holdouts": self.holdouts,
        }

    # -- helpers -------------------------------------------------------------------------

    def _trait(self, name: str, persona: pd.Series) -> np.ndarray:
        return persona.map({p: getattr(t, name) for p, t in TRAITS.items()}).to_numpy(float)

    def _chance(self, p) -> np.ndarray:
        return self.rng.random(np.shape(p) if np.ndim(p) else None) < p

    def _days(self, low, high, size) -> np.ndarray:
        return self.rng.integers(low, np.asarray(high) + 1, size) * DAY

    def _time_of_day(self, size) -> np.ndarray:
        return self.rng.integers(8 * 60, 19 * 60, size) * np.timedelta64(1, "m")

    @staticmethod
    def _export(df: pd.DataFrame, *dates: str) -> pd.DataFrame:
        out = df.copy()
        for col in dates:
            out[col] = _iso(out[col])
        return out.drop(columns=[c for c in out.columns if c.startswith("_")])

    # -- customers and households ---------------------------------------------------------

    def _customers(self) -> pd.DataFrame:
        rng, n = self.rng, self.n
        sizes = rng.choice([1, 2, 3, 4], p=[0.55, 0.27, 0.13, 0.05], size=n)
        household = np.repeat(np.arange(n), sizes)[:n]
        hh_count = household.max() + 1
        sp_ids = np.array([s for s, _ in SALESPEOPLE])
        hh_sp = rng.choice(sp_ids, hh_count)
        df = pd.DataFrame({"customer_id": [f"C{i:06d}" for i in range(1, n + 1)], "_hh": household})
        df["salesperson_id"] = hh_sp[household]
        df["_persona"] = df["salesperson_id"].map(self.sp_persona)
        drawn = rng.choice(len(FIRST), n)  # the same draws as choosing from FIRST itself
        head = pd.Series(np.arange(n)).groupby(household).transform("first").to_numpy()
        rank = pd.Series(household).groupby(household).cumcount().to_numpy()
        df["first_name"] = FIRST[(drawn[head] + 7 * rank) % len(FIRST)]  # no two alike at home
        df["last_name"] = rng.choice(LAST, hh_count)[household]
        # how engaged and loyal the customer is: customers treated as a relationship answer more
        df["_propensity"] = (
            rng.gamma(2.0, 0.5, n) * df["_persona"].map({"relationship": 1.25, "transactional": 0.7}).to_numpy()
        )
        span = (self.as_of - self.start).days + 2 * 365
        df["created_at"] = (self.as_of - pd.Timedelta(days=10)) - self._days(0, span, n) + self._time_of_day(n)
        df["email"] = self._emails(df)
        df["phone"] = self._phones(df, household)
        postal = pd.Series(rng.integers(10000, 99999, hh_count).astype(str))[household].to_numpy()
        df["postal_code"] = np.where(self._chance(self._trait("postal", df["_persona"])), postal, "")
        linked = self._chance(self._trait("household", df["_persona"]))
        df["household_id"] = np.where(linked, [f"H{h:06d}" for h in household], "")
        words_yes, words_no = np.array(["Y", "yes", "1", "TRUE", "true"]), np.array(["N", "no", "0", "FALSE"])
        for col, p in (("email_opt_in", 0.8), ("sms_opt_in", 0.55)):
            yes = self._chance(np.full(n, p))
            df[col] = np.where(yes, rng.choice(words_yes, n), rng.choice(words_no, n))
            df.loc[self._chance(np.full(n, 0.05)), col] = ""
        return self._with_duplicates(df)

    def _emails(self, df: pd.DataFrame) -> np.ndarray:
        rng, n = self.rng, len(df)
        local = (
            df["first_name"].str.lower()
            + "."
            + df["last_name"].str.lower()
            + pd.Series(rng.integers(1, 999, n).astype(str))
        )
        good = local + "@" + rng.choice(DOMAINS, n)
        captured = self._chance(self._trait("email", df["_persona"]))
        fallback = np.where(self._chance(np.full(n, 0.45)), rng.choice(PLACEHOLDER_EMAILS, n), "")
        fallback = np.where(self._chance(np.full(n, 0.08)), local + "@gmail", fallback)  # malformed
        return np.where(captured, good, fallback)

    def _phones(self, df: pd.DataFrame, household: np.ndarray) -> np.ndarray:
        rng, n = self.rng, len(df)
        area = rng.integers(201, 989, n)
        mid = rng.integers(200, 999, n)
        last = rng.integers(0, 9999, n)
        # a household often shares one landline
        shared = self._chance(np.full(n, 0.35))
        first_of_hh = pd.Series(np.arange(n)).groupby(household).transform("first").to_numpy()
        area, mid, last = (np.where(shared, x[first_of_hh], x) for x in (area, mid, last))
        digits = pd.Series(area.astype(str)) + pd.Series(mid.astype(str)) + pd.Series(last).astype(str).str.zfill(4)
        style = rng.integers(0, 5, n)
        forms = [
            "(" + digits.str[:3] + ") " + digits.str[3:6] + "-" + digits.str[6:],
            digits.str[:3] + "-" + digits.str[3:6] + "-" + digits.str[6:],
            digits.str[:3] + "." + digits.str[3:6] + "." + digits.str[6:],
            "+1 " + digits.str[:3] + " " + digits.str[3:6] + " " + digits.str[6:],
            digits,
        ]
        phone = np.select([style == i for i in range(5)], forms)
        captured = self._chance(self._trait("phone", df["_persona"]))
        junk = rng.choice(np.array(["555-1234", "0000000000", "111-111-1111", ""]), n)
        return np.where(captured, phone, junk)

    def _with_duplicates(self, df: pd.DataFrame) -> pd.DataFrame:
        """About 3% of customers get a second record (a web lead entered again)."""
        dup = df[
            self._chance(np.full(len(df), 0.03))
            & (df["email"].str.contains("@.*\\.", regex=True) | (df["phone"].str.len() >= 10))
        ].copy()
        k = len(dup)
        dup["customer_id"] = [f"C{i:06d}" for i in range(len(df) + 1, len(df) + k + 1)]
        shout = self._chance(np.full(k, 0.5))
        dup["email"] = np.where(shout, " " + dup["email"].str.upper() + " ", dup["email"])
        dup["phone"] = np.where(~shout, "1" + dup["phone"].str.replace(r"\D", "", regex=True), dup["phone"])
        dup["household_id"] = ""
        dup["created_at"] = dup["created_at"] + self._days(30, 400, k)
        dup.loc[dup["created_at"] > self.as_of, "created_at"] = self.as_of - pd.Timedelta(days=1)
        dup["_propensity"] = 0.0
        return pd.concat([df, dup], ignore_index=True)

    def _export_customers(self) -> pd.DataFrame:
        cols = [
            "customer_id",
            "household_id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "postal_code",
            "email_opt_in",
            "sms_opt_in",
            "created_at",
            "salesperson_id",
        ]
        out = self.customers[cols].copy()
        out["created_at"] = _iso(out["created_at"])
        return out

    # -- vehicles and sales ----------------------------------------------------------------

    def _vehicles(self) -> pd.DataFrame:
        rng = self.rng
        real = self.customers[self.customers["_propensity"] > 0]
        count = rng.choice([0, 1, 2, 3], p=[0.08, 0.55, 0.29, 0.08], size=len(real))
        owner = real.loc[real.index.repeat(count)].reset_index(drop=True)
        m = len(owner)
        makes = np.array(list(MAKE_SHARE))
        make = rng.choice(makes, m, p=list(MAKE_SHARE.values()))
        model_idx = (rng.random(m) * np.array([len(MAKES[k]) for k in make])).astype(int)
        model = [MAKES[k][i] for k, i in zip(make, model_idx)]
        recent = self._chance(np.full(m, 0.78))  # acquired within the three years
        window = (self.as_of - self.start).days
        acquired = np.where(
            recent, self.as_of - self._days(0, window, m), self.start - self._days(30, 3000, m)
        ) + self._time_of_day(m)
        acq = pd.Series(pd.to_datetime(acquired))
        new = self._chance(np.full(m, 0.6))
        year = np.where(new, acq.dt.year + rng.integers(0, 2, m), acq.dt.year - rng.integers(1, 9, m))
        vin = (
            ["1" + "".join(rng.choice(list("ABCDEFGHJKLMNPRSTUVWXYZ0123456789"), 15)) + f"{i % 10}" for i in range(m)]
            if m < 50000
            else [f"VIN{i:014d}" for i in range(m)]
        )
        df = pd.DataFrame(
            {
                "vin": vin,
                "customer_id": owner["customer_id"],
                "year": year,
                "make": make,
                "model": [x[0] for x in model],
                "segment": [x[1] for x in model],
                "acquired_at": acq,
                "_new": new,
                "_recent": recent,
                "_persona": owner["_persona"],
                "_salesperson": owner["salesperson_id"],
                "_propensity": owner["_propensity"],
            }
        )
        known = self._chance(self._trait("vehicle_known", df["_persona"]))
        self.unlisted_vehicles = df[~known]
        return df[known].reset_index(drop=True)

    def _sales(self) -> pd.DataFrame:
        """Vehicles acquired in the window: most were bought here; the others elsewhere."""
        rng = self.rng
        pool = pd.concat([self.vehicles, self.unlisted_vehicles], ignore_index=True)
        bought = pool[pool["_recent"] & self._chance(np.full(len(pool), 0.8))].reset_index(drop=True)
        k = len(bought)
        is_brand = bought["make"].eq("Toyota").to_numpy()
        condition = np.where(bought["_new"] & is_brand, "new", np.where(self._chance(np.full(k, 0.3)), "cpo", "used"))
        own_sp = self._chance(np.full(k, 0.9))
        sp = np.where(own_sp, bought["_salesperson"], rng.choice([s for s, _ in SALESPEOPLE], k))
        sales = pd.DataFrame(
            {
                "deal_id": [f"D{i:06d}" for i in range(1, k + 1)],
                "customer_id": bought["customer_id"],
                "sold_at": bought["acquired_at"],
                "vin": bought["vin"],
                "salesperson_id": sp,
                "condition": condition,
                "front_gross": np.round(rng.normal(1600, 900, k), 2),
                "back_gross": np.round(np.clip(rng.normal(1200, 700, k), 0, None), 2),
            }
        )
        sales["_persona"] = sales["salesperson_id"].map(self.sp_persona)
        sales["_propensity"] = bought["_propensity"].to_numpy()
        return sales.sort_values("sold_at", ignore_index=True).assign(
            deal_id=lambda d: [f"D{i:06d}" for i in range(1, len(d) + 1)]
        )

    # -- campaigns and touches ---------------------------------------------------------------

    def _campaigns(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        rng = self.rng
        col = 4 if self.store == "relationship" else 5
        weights = np.array([t[col] for t in THEMES], float)
        months = pd.date_range(self.start + pd.Timedelta(days=5), self.as_of, freq="MS")
        rows, sends = [], []
        ids = self.customers["customer_id"].to_numpy(object)
        created = self.customers["created_at"].to_numpy("datetime64[ns]")
        owns = {
            make: self.customers["customer_id"].isin(grp).to_numpy()
            for make, grp in self.vehicles.groupby("make")["customer_id"]
        }
        reach = 0.38 if self.store == "relationship" else 0.55  # about 4M touches for 200,000 customers
        for i, month in enumerate(np.repeat(months, 2)):
            theme = THEMES[rng.choice(len(THEMES), p=weights / weights.sum())]
            subject, gives, asks, offer, *_ = theme
            make = rng.choice(["Toyota", "Toyota", "Toyota", "Honda", "Ford"]) if offer else ""
            model = MAKES[make][rng.integers(len(MAKES[make]))][0] if offer else ""
            subject = subject.format(make=make, model=model)
            channel = rng.choice(["email", "email", "email", "sms", "mail"])
            started = month + pd.Timedelta(days=int(rng.integers(0, 14)), hours=9)
            cid = f"K{i + 1:03d}"
            blank_tags = self._chance(0.35)  # exported without tags: the keyword rules must classify
            chosen = (created < np.datetime64(started)) & self._chance(np.full(len(ids), reach))
            if offer and self.store == "relationship":
                chosen &= owns.get(make, np.zeros(len(ids), bool)) | self._chance(np.full(len(ids), 0.12))
            audience = ids[chosen]
            per_piece = {"email": 0.02, "sms": 0.04, "mail": 0.85}[channel]
            rows.append(
                {
                    "campaign_id": cid,
                    "name": subject.split(":")[0],
                    "channel": channel,
                    "cost": round(250 + per_piece * len(audience), 2),
                    "started_at": started,
                }
            )
            sends.append(
                pd.DataFrame(
                    {
                        "customer_id": audience,
                        "occurred_at": started + self._days(0, 3, len(audience)),
                        "channel": channel,
                        "direction": "outbound",
                        "staff_id": "M01",
                        "campaign_id": cid,
                        "template": "true",
                        "subject": subject,
                        "gives": "" if blank_tags else gives,
                        "asks": "" if blank_tags else asks,
                        "offer_make": make,
                        "offer_segment": "",
                        "_gives": gives,
                        "_asks": asks,
                    }
                )
            )
        return pd.DataFrame(rows), pd.concat(sends, ignore_index=True)

    def _touches(self, campaign_touches: pd.DataFrame) -> pd.DataFrame:
        follow = self._follow_up_touches()
        inbound = self._inbound_touches()
        df = pd.concat([campaign_touches, follow, inbound], ignore_index=True)
        when = df["occurred_at"].to_numpy()
        keep = np.flatnonzero(when <= np.datetime64(self.as_of + pd.Timedelta(hours=23)))
        df = df.iloc[keep[np.argsort(when[keep], kind="stable")]].reset_index(drop=True)  # one copy, not two
        df["touch_id"] = _ids("T", len(df), 7)
        return df

    def _follow_up_touches(self) -> pd.DataFrame:
        rng, sales = self.rng, self.sales
        step_tags = {
            "thank_you": ("gift", ""),
            "check_in": ("info", ""),
            "first_service_reminder": ("reminder", "appointment"),
            "quarter": ("info", ""),
            "half_year": ("reminder", "appointment"),
            "anniversary": ("gift", ""),
        }
        subjects = {
            "thank_you": "Thank you for choosing us",
            "check_in": "How is the new car?",
            "first_service_reminder": "Time for your first service",
            "quarter": "Checking in after three months",
            "half_year": "Your six-month maintenance",
            "anniversary": "Happy one-year anniversary",
        }
        parts = []
        for step, window in self.plan.items():
            k = len(sales)
            hit = self._chance(self._trait("cadence_hit", sales["_persona"]) * STEP_FOLLOW_THROUGH.get(step, 1.0))
            late = self._chance(np.full(k, 0.08))
            offset = np.where(
                late, window["end"] + rng.integers(1, 20, k), rng.integers(window["start"], window["end"] + 1, k)
            )
            personal = self._chance(self._trait("personalised", sales["_persona"]))
            extra = self._chance(self._trait("ask_extra", sales["_persona"]))
            gives, asks = step_tags[step]
            ask = np.where(extra, rng.choice(["review", "referral", "sale"], k), asks)
            ask = np.where(extra & (asks != ""), asks + ";" + ask, ask)
            gives_col = np.where(extra & self._chance(np.full(k, 0.6)), "", gives)
            part = pd.DataFrame(
                {
                    "customer_id": sales["customer_id"],
                    # never before the moment of the sale: a thank-you on the day comes after it
                    "occurred_at": np.maximum(
                        sales["sold_at"].dt.normalize() + offset * DAY + self._time_of_day(k),
                        sales["sold_at"] + 20 * np.timedelta64(1, "m"),
                    ),
                    "channel": np.where(
                        personal, rng.choice(["phone", "email", "sms", "video"], k), rng.choice(["email", "sms"], k)
                    ),
                    "direction": "outbound",
                    "staff_id": sales["salesperson_id"],
                    "campaign_id": "",
                    "template": np.where(personal, "false", "true"),
                    "subject": subjects[step],
                    "gives": gives_col,
                    "asks": ask,
                    "offer_make": "",
                    "offer_segment": "",
                }
            )
            parts.append(part[hit])
        df = pd.concat(parts, ignore_index=True)
        df["_gives"], df["_asks"] = df["gives"], df["asks"]
        return df

    def _inbound_touches(self) -> pd.DataFrame:
        rng, cust = self.rng, self.customers
        k = int(len(cust) * 0.6)
        who = cust.sample(k, replace=True, random_state=rng.integers(1 << 31))
        span = (self.as_of - self.start).days
        return pd.DataFrame(
            {
                "customer_id": who["customer_id"].to_numpy(),
                "occurred_at": self.as_of - self._days(0, span, k) + self._time_of_day(k),
                "channel": rng.choice(["phone", "chat", "email"], k),
                "direction": "inbound",
                "staff_id": rng.choice(["B01", "A01", "A02"], k),
                "campaign_id": "",
                "template": "",
                "subject": rng.choice(
                    ["Question about my bill", "Service question", "Price quote request", "Recall question"], k
                ),
                "gives": "",
                "asks": "",
                "offer_make": "",
                "offer_segment": "",
                "_gives": "",
                "_asks": "",
            }
        )

    def _export_touches(self) -> pd.DataFrame:
        cols = [
            "touch_id",
            "customer_id",
            "occurred_at",
            "channel",
            "direction",
            "staff_id",
            "campaign_id",
            "template",
            "subject",
            "gives",
            "asks",
            "offer_make",
            "offer_segment",
        ]
        out = self.touches[cols].copy()
        out["occurred_at"] = _iso(out["occurred_at"])
        return out

    # -- engagement -------------------------------------------------------------------------

    def _events(self) -> pd.DataFrame:
        cols = ["touch_id", "customer_id", "occurred_at", "channel", "campaign_id", "_gives", "_asks"]
        t = self.touches.loc[self.touches["direction"] == "outbound", cols].reset_index(drop=True)
        t["_propensity"] = t["customer_id"].map(self.customers.set_index("customer_id")["_propensity"])
        gives, asks = t["_gives"].ne(""), t["_asks"].ne("")
        base = np.select([gives & ~asks, gives & asks, asks], [0.30, 0.20, 0.09], 0.12) * t["_propensity"].to_numpy()
        email = t["channel"].eq("email").to_numpy()
        opened = email & self._chance(np.clip(base, 0, 0.95))
        clicked = opened & self._chance(np.where(gives, 0.22, 0.08))
        answered = ~email & self._chance(np.clip(base * 0.4, 0, 0.9))  # a web visit after an sms or letter
        invited = t["_gives"].str.contains("invite").to_numpy() & self._chance(np.clip(0.1 * t["_propensity"], 0, 1))
        reviewed = t["_asks"].str.contains("review").to_numpy() & self._chance(np.full(len(t), 0.05))
        referred = t["_asks"].str.contains("referral").to_numpy() & self._chance(np.full(len(t), 0.02))
        parts = []
        for mask, kind, low, high in (
            (opened, "email_open", 0, 3),
            (clicked, "email_click", 0, 4),
            (answered, "web_visit", 0, 6),
            (invited, "clinic", 7, 14),
            (reviewed, "review", 1, 10),
            (referred, "referral", 5, 30),
        ):
            sel = t[mask]
            parts.append(
                pd.DataFrame(
                    {
                        "customer_id": sel["customer_id"].to_numpy(),
                        "occurred_at": sel["occurred_at"].to_numpy()
                        + self._days(low, high, len(sel))
                        + np.timedelta64(30, "m"),
                        "type": kind,
                        "touch_id": sel["touch_id"].to_numpy(),
                        "campaign_id": sel["campaign_id"].to_numpy(),
                    }
                )
            )
        parts.append(self._unprompted_events())
        df = pd.concat(parts, ignore_index=True)
        df = df[df["occurred_at"] <= self.as_of + pd.Timedelta(hours=23)].sort_values("occurred_at", ignore_index=True)
        df["event_id"] = _ids("E", len(df), 7)
        return df[["event_id", "customer_id", "occurred_at", "type", "touch_id", "campaign_id"]]

    def _unprompted_events(self) -> pd.DataFrame:
        rng, cust = self.rng, self.customers
        visits = rng.poisson(cust["_propensity"].to_numpy() * 2.5)
        who = cust.loc[cust.index.repeat(visits)]
        k = len(who)
        span = (self.as_of - self.start).days
        kinds = rng.choice(["web_visit", "web_visit", "web_visit", "event"], k)
        return pd.DataFrame(
            {
                "customer_id": who["customer_id"].to_numpy(),
                "occurred_at": self.as_of - self._days(0, span, k) + self._time_of_day(k),
                "type": kinds,
                "touch_id": "",
                "campaign_id": "",
            }
        )

    # -- service ------------------------------------------------------------------------------

    def _repair_orders(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        rng, sales = self.rng, self.sales
        k = len(sales)
        pdi = pd.DataFrame(
            {
                "customer_id": sales["customer_id"],
                "opened_at": sales["sold_at"].dt.normalize() - self._days(0, 1, k) + np.timedelta64(8, "h"),
                "vin": sales["vin"],
                "pay_type": "internal",
                "total": np.round(rng.uniform(120, 380, k), 2),
            }
        )
        retained = self._chance(
            np.clip(
                self._trait("retain", sales["_persona"]) * (0.6 + 0.4 * np.minimum(sales["_propensity"], 2)), 0, 0.97
            )
        )
        buyers = sales[retained]
        visits = rng.integers(1, 7, len(buyers))
        rows = buyers.loc[buyers.index.repeat(visits)].reset_index(drop=True)
        gap = self._days(100, 240, len(rows))
        first = self._days(40, 330, len(rows))
        nth = rows.groupby("deal_id").cumcount().to_numpy()
        step = pd.Series(gap).groupby(rows["deal_id"]).cumsum().to_numpy() - gap
        opened = (
            rows["sold_at"].dt.normalize().to_numpy()
            + np.where(nth == 0, first, first + step)
            + self._time_of_day(len(rows))
        )
        pay = rng.choice(["customer", "customer", "customer", "warranty", "recall"], len(rows))
        service = pd.DataFrame(
            {
                "customer_id": rows["customer_id"],
                "opened_at": opened,
                "vin": rows["vin"],
                "pay_type": pay,
                "total": np.round(rng.lognormal(5.7, 0.6, len(rows)), 2),
            }
        )
        other = self._outside_buyers_service()
        df = pd.concat([pdi, service, other], ignore_index=True)
        df = df[df["opened_at"] <= self.as_of + pd.Timedelta(hours=23)].sort_values("opened_at", ignore_index=True)
        df["ro_id"] = _ids("R", len(df), 7)
        df.loc[df["pay_type"].ne("customer"), "total"] = df["total"] * 0.8
        df["total"] = df["total"].round(2)
        appts = df[df["pay_type"].ne("internal")]
        return df[["ro_id", "customer_id", "opened_at", "vin", "pay_type", "total"]], appts

    def _outside_buyers_service(self) -> pd.DataFrame:
        """Owners who bought elsewhere but service here now and then."""
        rng = self.rng
        v = self.vehicles[~self.vehicles["vin"].isin(self.sales["vin"])]
        v = v[self._chance(np.full(len(v), 0.4))]
        span = (self.as_of - self.start).days
        return pd.DataFrame(
            {
                "customer_id": v["customer_id"],
                "opened_at": self.as_of - self._days(0, span, len(v)) + self._time_of_day(len(v)),
                "vin": v["vin"],
                "pay_type": rng.choice(["customer", "warranty"], len(v)),
                "total": np.round(rng.lognormal(5.5, 0.6, len(v)), 2),
            }
        )

    def _appointments(self, service_ros: pd.DataFrame) -> pd.DataFrame:
        rng, sales = self.rng, self.sales
        k = len(sales)
        set_first = self._chance(self._trait("first_set", sales["_persona"]))
        at_delivery = self._chance(np.full(k, 0.5))
        set_at = sales["sold_at"] + np.where(at_delivery, 0, 1) * self._days(0, 30, k)
        scheduled = sales["sold_at"].dt.normalize() + self._days(35, 90, k) + np.timedelta64(9, "h")
        shown = self._chance(self._trait("show", sales["_persona"]))
        status = np.where(shown, "shown", np.where(self._chance(np.full(k, 0.7)), "no_show", "cancelled"))
        status = np.where(scheduled > self.as_of, "scheduled", status)
        first = pd.DataFrame(
            {
                "customer_id": sales["customer_id"],
                "set_at": set_at,
                "scheduled_for": scheduled,
                "status": status,
                "vin": sales["vin"],
                "source": np.where(at_delivery, "delivery", "bdc"),
            }
        )[set_first]
        m = len(service_ros)
        later = pd.DataFrame(
            {
                "customer_id": service_ros["customer_id"].to_numpy(),
                "set_at": service_ros["opened_at"].to_numpy() - self._days(2, 14, m),
                "scheduled_for": service_ros["opened_at"].to_numpy(),
                "status": "shown",
                "vin": service_ros["vin"].to_numpy(),
                "source": rng.choice(["online", "phone", "bdc"], m),
            }
        )
        df = pd.concat([first, later], ignore_index=True)
        df = df[df["set_at"] <= self.as_of].sort_values("set_at", ignore_index=True)
        df["appointment_id"] = _ids("P", len(df), 7)
        return df[["appointment_id", "customer_id", "set_at", "scheduled_for", "status", "vin", "source"]]

    # -- the finished holdout test and the planted causes ----------------------------------------

    def _holdout_test(self) -> pd.DataFrame:
        """The ``holdouts`` rows of one finished randomised test: the latest e-mail campaign asking
        for a service appointment that started at least ``TEST_READ_DAYS`` before as_of, with a
        random ``TEST_HOLDOUT_SHARE`` of its audience kept back. The held-out customers' touches of
        it, and the events those touches would have brought, are removed."""
        sent = self.touches[self.touches["campaign_id"].ne("")]
        asks = sent.groupby("campaign_id")["_asks"].first()
        c = self.campaigns
        due = c[
            c["channel"].eq("email")
            & c["campaign_id"].map(asks).str.contains("appointment").to_numpy(bool)
            & (c["started_at"] <= self.as_of - pd.Timedelta(days=TEST_READ_DAYS))
        ]
        columns = ["campaign_id", "customer_id", "group", "assigned_at"]
        if due.empty:
            return pd.DataFrame(columns=columns)
        tested = due.sort_values("started_at").iloc[-1]
        audience = sent[sent["campaign_id"].eq(tested["campaign_id"])]
        held = np.zeros(len(audience), bool)
        held[self.planted.permutation(len(audience))[: int(round(TEST_HOLDOUT_SHARE * len(audience)))]] = True
        removed = audience["touch_id"][held]
        self.touches = self.touches[~self.touches["touch_id"].isin(removed)].reset_index(drop=True)
        self.events = self.events[~self.events["touch_id"].isin(removed)].reset_index(drop=True)
        return pd.DataFrame(
            {
                "campaign_id": tested["campaign_id"],
                "customer_id": audience["customer_id"].to_numpy(),
                "group": np.where(held, "holdout", "treatment"),
                "assigned_at": tested["started_at"].strftime("%Y-%m-%d"),
            }
        )[columns]

    def _with_planted_visits(self) -> pd.DataFrame:
        """The repair orders plus, in a store that gives, the customer-pay visits its e-mails cause:
        one after a click with chance ``CLICK_VISIT_CHANCE``, and one after the tested campaign for
        its treated customers with chance ``TEST_VISIT_CHANCE``. They carry the next order numbers,
        as visits entered later would."""
        if self.store != "relationship":
            return self.repair_orders
        rng = self.planted
        clicks = self.events[self.events["type"].eq("email_click")]
        clicked = clicks[rng.random(len(clicks)) < CLICK_VISIT_CHANCE]
        treated = self.holdouts[self.holdouts["group"].eq("treatment")]
        answered = treated[rng.random(len(treated)) < TEST_VISIT_CHANCE]
        who = np.concatenate([clicked["customer_id"].to_numpy(object), answered["customer_id"].to_numpy(object)])
        days = np.concatenate([rng.integers(20, 241, len(clicked)), rng.integers(7, 61, len(answered))]) * DAY
        start = np.concatenate(
            [
                clicked["occurred_at"].dt.normalize().to_numpy("datetime64[ns]"),
                pd.to_datetime(answered["assigned_at"]).to_numpy("datetime64[ns]"),
            ]
        )
        minutes = rng.integers(8 * 60, 19 * 60, len(who)) * np.timedelta64(1, "m")
        vin = self.vehicles.drop_duplicates("customer_id", keep="last").set_index("customer_id")["vin"]
        visits = pd.DataFrame(
            {
                "customer_id": who,
                "opened_at": start + days + minutes,
                "vin": pd.Series(who).map(vin).fillna("").to_numpy(object),
                "pay_type": "customer",
                "total": np.round(rng.lognormal(5.7, 0.6, len(who)), 2),
            }
        )
        visits = visits[visits["opened_at"] <= self.as_of + pd.Timedelta(hours=23)].sort_values("opened_at")
        visits.insert(0, "ro_id", _ids("R", len(self.repair_orders) + len(visits), 7)[len(self.repair_orders) :])
        return pd.concat([self.repair_orders, visits], ignore_index=True)

    # -- staff and survey ------------------------------------------------------------------------

    def _staff(self) -> pd.DataFrame:
        rows = [{"staff_id": s, "name": name, "role": "salesperson", "department": "sales"} for s, name in SALESPEOPLE]
        rows += [{"staff_id": s, "name": name, "role": role, "department": dept} for s, name, role, dept in OTHER_STAFF]
        return pd.DataFrame(rows)

    def _survey(self) -> pd.DataFrame:
        """Self-assessment answers: a relationship store scores higher and more evenly."""
        rng = self.rng
        instrument = read_toml(shipped("data", "survey.toml"))
        statements = instrument["statements"]
        headcount = {"sales": 4, "service": 3, "finance": 2, "marketing": 2, "bdc": 2, "operations": 2, "leadership": 2}
        base = 3.7 if self.store == "relationship" else 2.6
        dept_shift = {
            "relationship": {"leadership": 0.5, "service": 0.2, "finance": -0.4, "bdc": -0.2},
            "transactional": {"leadership": 1.2, "sales": 0.4, "service": -0.6, "bdc": -0.5},
        }[self.store]
        theme_shift = {
            "rewards": -0.6,
            "measures": -0.3,
            "handoffs": -0.2,
            "strategy": 0,
            "leadership": 0.2,
            "roles": 0.3,
            "feedback": -0.1,
        }
        rows, r = [], 0
        answered = self.as_of - pd.Timedelta(days=14)
        for dept, count in headcount.items():
            for _ in range(count):
                r += 1
                person = rng.normal(0, 0.35)
                for s in statements:
                    mean = base + dept_shift.get(dept, 0) + theme_shift.get(s["theme"], 0) + person
                    score = int(np.clip(np.rint(rng.normal(mean, 0.6)), 1, 5))
                    rows.append(
                        {
                            "respondent_id": f"R{r:03d}",
                            "department": dept,
                            "question_id": s["id"],
                            "score": score,
                            "answered_at": str((answered + pd.Timedelta(days=int(rng.integers(0, 7)))).date()),
                        }
                    )
        return pd.DataFrame(rows)
