"""Checking a render's parameters before any kernel starts.

Each parameter is checked against the type its notebook's parameters cell gives it (papermill
reads the annotation), and against what it means: dates are dates, periods run forwards, counts
and days are positive, costs are not negative, a salesperson is one the data knows, ``as_of``
falls inside the data. A bad one is a :class:`~toolkit.errors.UsageError` naming it (exit 2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from toolkit.errors import UsageError

DATES = ("as_of", "period_start", "period_end", "sold_from", "sold_to")
PERIODS = (("period_start", "period_end"), ("sold_from", "sold_to"))
AT_LEAST_ONE = ("streak_threshold", "min_irrelevant_offers", "lookback_days", "outcome_days")
FROM_THE_COMMAND = {
    "data_dir": "--data",
    "mask_personal": "--mask-personal",
}  # set by the command itself, never with -p
TYPES = {"str": str, "int": int, "bool": bool, "dict": dict, "float": float}


def check_types(declared: dict[str, dict], parameters: dict) -> None:
    """Refuse a value whose type is not the one its notebook declares (``-p lookback_days=abc``),
    and a parameter the command sets itself (``-p data_dir=…``; use ``--data``)."""
    for name, value in parameters.items():
        if name in FROM_THE_COMMAND:
            raise UsageError(f"{name} is set by {FROM_THE_COMMAND[name]}, not by -p {name}=…")
        kind = TYPES.get(declared.get(name, {}).get("inferred_type_name", ""))
        if kind is None:
            continue
        fits = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            fits = True
        if not fits:
            hint = ""
            if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
                hint = f"; a value that looks like a number is read as one: write -p '{name}=\"{value}\"'"
            raise UsageError(f"{name} must be {_kind_words(kind)}, not {value!r} ({declared[name]['help']}){hint}")


def _kind_words(kind: type) -> str:
    return {str: "text", int: "a whole number", bool: "true or false", dict: "a table such as {…}"}.get(
        kind, "a number"
    )


def date_of(name: str, value: object) -> dt.date | None:
    """A date parameter's value as a date (None when blank); refuses anything but YYYY-MM-DD."""
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"{name} must be a date written YYYY-MM-DD, not {value!r}") from None


def check_values(parameters: dict) -> None:
    """Refuse dates that are not dates, periods that end before they start, counts below one and
    negative costs."""
    dates = {name: date_of(name, parameters.get(name)) for name in DATES}
    for start, end in PERIODS:
        first, last = dates[start], dates[end]
        if first and last and first > last:
            raise UsageError(f"{start} ({first}) is after {end} ({last}); a period runs forwards")
    for name in AT_LEAST_ONE:
        if name in parameters and parameters[name] < 1:
            raise UsageError(f"{name} must be at least 1, not {parameters[name]!r}")
    for channel, cost in (parameters.get("cost_overrides") or {}).items():
        if isinstance(cost, bool) or not isinstance(cost, (int, float)) or cost < 0:
            raise UsageError(f"cost_overrides: the cost of {channel!r} must be a number of at least 0, not {cost!r}")


def check_against_data(parameters: dict, as_of: str | None, dealer) -> None:
    """Refuse a salesperson or store the data does not know (naming the known ones) and an ``as_of`` before
    all of the data's activity or after its end."""
    who = parameters.get("salesperson") or ""
    if who and who != "everyone":
        known = known_salespeople(dealer)
        if who not in known:
            listed = ", ".join(known[:20]) + (" …" if len(known) > 20 else "")
            raise UsageError(f"salesperson {who!r} is not in the data; the salespeople are: {listed or 'none'}")
    chosen = parameters.get("store") or ""
    if chosen:
        from toolkit.inputs.dealer import stores

        known = stores(dealer)
        if chosen not in known:
            listed = ", ".join(known[:20]) + (" …" if len(known) > 20 else "")
            raise UsageError(
                f"store {chosen!r} is not in the data; the stores are: {listed or 'none (no table has a store_id)'}"
            )
    from toolkit.inputs.dealer import activity_span

    cut = date_of("as_of", as_of)
    first, last = activity_span(dealer.folder)
    if cut and first and cut < first:
        raise UsageError(f"as_of {cut} is before the data's first activity ({first}); nothing would be counted")
    if cut and last and cut > last:
        raise UsageError(
            f"as_of {cut} is after the data's last activity ({last}); every recent window would look empty"
        )


def known_salespeople(dealer) -> list[str]:
    """The salesperson ids the data knows: those its sales and customers name."""
    ids: set[str] = set()
    for table in ("sales", "customers"):
        if table in dealer:
            ids |= set(dealer[table]["salesperson_id"].dropna())
    return sorted(ids)


FOCUS = ("store", "salesperson", "sold_from", "sold_to", "period_start", "period_end")  # they select a part


def focus(parameters: dict) -> list[tuple[str, str]]:
    """The parameters that narrow a report to part of the data (a salesperson, a period), in a
    fixed order, with their values; blank and "everyone" narrow nothing."""
    return [(k, str(parameters[k])) for k in FOCUS if parameters.get(k) not in (None, "", "everyone")]


def focus_words(parameters: dict) -> str:
    """:func:`focus` as words for a title: "salesperson S04, sold from 2025-01-01"."""
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in focus(parameters))


def report_folder(playbook: str, parameters: dict) -> str:
    """The folder a render writes under --out: the playbook's name, followed by its focus when it
    has one (``sold_follow_up--salesperson-S04``), so a focused render never replaces the
    store-wide report."""
    return "--".join([playbook, *(f"{k}-{_folder_safe(v)}" for k, v in focus(parameters))])


def _folder_safe(value: str) -> str:
    """``value`` as part of a folder name: letters, digits, ".", "_" and "-"; a value that had to
    change also carries a digest of itself, so two values never share a folder ("A/B" and "A_B")."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", value)
    if safe == value:
        return value
    return f"{safe[:60]}-{hashlib.blake2b(value.encode(), digest_size=4).hexdigest()}"
