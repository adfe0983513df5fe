"""A simulated customer file whose duplicates are known: households of one to four people who
share a surname (each their own first name), an address, a postal code and often a landline; and a few people entered twice,
the second time with a nickname, a typo in the surname, the e-mail shouted or left out, the phone
in another format or missing, the street abbreviated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.sample import FIRST, LAST

NICKNAMED = {
    "William": "Bill",
    "Robert": "Bob",
    "Elizabeth": "Liz",
    "Michael": "Mike",
    "James": "Jim",
    "Richard": "Rick",
    "Thomas": "Tom",
    "Joseph": "Joe",
    "Daniel": "Dan",
    "Patricia": "Pat",
    "Jennifer": "Jen",
    "Jessica": "Jess",
    "Susan": "Sue",
    "David": "Dave",
    "John": "Jack",
}
STREETS = ["Maple", "Oak", "Cedar", "Lakeview", "Washington", "Park", "Elm", "Hillcrest", "River", "Sunset"]


def _typo(name: str, rng: np.random.Generator) -> str:
    """The name with two neighbouring letters swapped or one letter doubled."""
    i = int(rng.integers(1, max(len(name) - 1, 2)))
    if rng.random() < 0.5 and i + 1 < len(name):
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + name[i] + name[i:]


def people_with_duplicates(n: int, seed: int, duplicate_share: float = 0.04) -> tuple[pd.DataFrame, set]:
    """(A customers table of about ``n`` people plus their second records, the true duplicate
    pairs as frozensets of two customer_ids)."""
    rng = np.random.default_rng(seed)
    sizes = rng.choice([1, 2, 3, 4], p=[0.5, 0.3, 0.14, 0.06], size=n)
    household = np.repeat(np.arange(n), sizes)[:n]
    h = household.max() + 1
    last = rng.choice(LAST, h)[household]
    postal = rng.integers(10000, 99999, h).astype(str)[household]
    address = np.array([f"{rng.integers(1, 9999)} {rng.choice(STREETS)} Street" for _ in range(h)])[household]
    landline = np.array([f"{rng.integers(2, 10)}{rng.integers(0, 10)}{rng.integers(2, 10)}" for _ in range(h)])
    landline = np.array([f"({a}) {rng.integers(200, 999)}-{rng.integers(0, 9999):04d}" for a in landline])[household]
    rank = pd.Series(household).groupby(household).cumcount().to_numpy()
    first = FIRST[(rng.integers(0, len(FIRST), h)[household] + 7 * rank) % len(FIRST)]  # no two alike at home
    mobile = np.array(
        [
            f"{rng.integers(2, 10)}{rng.integers(0, 10)}{rng.integers(2, 10)}-{rng.integers(200, 999)}-"
            f"{rng.integers(0, 9999):04d}"
            for _ in range(n)
        ]
    )
    people = pd.DataFrame(
        {
            "customer_id": [f"P{i:06d}" for i in range(n)],
            "household_id": [f"H{x:06d}" for x in household],
            "first_name": first,
            "last_name": last,
            "email": [f"{f.lower()}.{s.lower()}{rng.integers(1, 999)}@example.net" for f, s in zip(first, last)],
            "phone": np.where(rng.random(n) < 0.5, landline, mobile),
            "postal_code": postal,
            "address": address,
        }
    )
    people.loc[rng.random(n) < 0.2, "email"] = pd.NA
    twice = people[rng.random(n) < duplicate_share].copy()
    k = len(twice)
    twice["customer_id"] = [f"D{i:06d}" for i in range(k)]
    twice["household_id"] = pd.NA
    change = rng.random((k, 5))
    twice["first_name"] = [NICKNAMED.get(f, f) if c < 0.3 else f for f, c in zip(twice["first_name"], change[:, 0])]
    twice["last_name"] = [_typo(s, rng) if c < 0.2 else s for s, c in zip(twice["last_name"], change[:, 1])]
    email = twice["email"].astype("str")
    twice["email"] = np.select([change[:, 2] < 0.3, change[:, 2] < 0.5], [" " + email.str.upper() + " ", pd.NA], email)
    digits = twice["phone"].str.replace(r"\D", "", regex=True)
    twice["phone"] = np.select([change[:, 3] < 0.4, change[:, 3] < 0.55], ["1" + digits, pd.NA], twice["phone"])
    twice["address"] = np.where(change[:, 4] < 0.5, twice["address"].str.replace(" Street", " St."), twice["address"])
    truth = {frozenset(p) for p in zip(people.loc[twice.index, "customer_id"], twice["customer_id"])}
    return pd.concat([people, twice], ignore_index=True), truth
