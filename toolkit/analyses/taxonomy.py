"""The give/ask taxonomy: what a touch gives the customer and what it asks of them.

Touches exported with ``gives``/``asks`` tags keep them. A touch whose tags
are both blank is classified from its subject and its campaign's name by the
keyword rules of ``data/taxonomy.toml`` (a user can pass their own): every
tag with a matching pattern applies. Each touch records where its tags came
from: ``tagged`` (in the data), ``rule`` (a keyword rule), ``override`` (a
person re-tagged the subject) or ``unclassified``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from toolkit import joins
from toolkit.inputs.config import Rules


def classify_text(text: pd.Series, rules: Rules) -> tuple[pd.Series, pd.Series]:
    """(gives, asks) for each text: ``;``-joined tags in taxonomy order, NA when none matched."""
    found: dict[str, list[pd.Series]] = {"gives": [], "asks": []}
    unique = pd.Series(text.dropna().unique(), dtype="str")
    if unique.empty:  # every touch carries its own tags: nothing for the rules to read
        none = pd.Series(pd.NA, index=text.index, dtype="str")
        return none, none.copy()
    for kind, tag, pats in rules.patterns():
        if pats:
            hit = unique.str.contains("|".join(f"(?:{p})" for p in pats), case=False, regex=True)
            found[kind].append(hit.map({True: tag, False: ""}))
    out = []
    for kind in ("gives", "asks"):
        if found[kind]:
            joined = pd.concat(found[kind], axis=1).apply(lambda r: ";".join(t for t in r if t), axis=1)
        else:
            joined = pd.Series("", index=unique.index)
        tags = joined.replace("", pd.NA).astype("str").array
        at = joins.positions(text, unique)
        out.append(pd.Series(tags.take(at, allow_fill=True), index=text.index, dtype="str"))
    return out[0], out[1]


def classify_touches(
    touches: pd.DataFrame,
    campaigns: pd.DataFrame | None,
    rules: Rules,
    overrides: dict[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Touches with final ``gives``/``asks`` and ``tag_source``.

    The rules read a touch's subject and its campaign's name; each distinct
    (subject, campaign) is classified once, however many touches share it.
    ``overrides`` maps a subject to (gives, asks) that a person chose in the
    taxonomy explorer; they replace rule results for touches with that subject.
    The input frame is not modified.
    """
    out = touches.copy()
    blank = (out["gives"].isna() & out["asks"].isna()).to_numpy()
    subject, subjects = pd.factorize(out["subject"])
    campaign, campaign_ids = pd.factorize(out["campaign_id"])
    width = len(campaign_ids) + 1
    combo, combos = pd.factorize((subject[blank] + 1) * width + campaign[blank] + 1)
    text = rule_text(
        subjects.array.take(combos // width - 1, allow_fill=True),
        campaign_ids.array.take(combos % width - 1, allow_fill=True),
        campaigns,
    )
    gives, asks = classify_text(text, rules)
    rule = np.full(len(out), -1)
    rule[blank] = combo
    for column, found in (("gives", gives), ("asks", asks)):
        out[column] = joins.filled(out[column], pd.Series(found.array.take(rule, allow_fill=True)))
    matched = (gives.notna() | asks.notna()).to_numpy()
    source = np.zeros(len(out), np.int8)  # tagged
    source[blank] = np.where(matched[combo], 1, 2)
    out["tag_source"] = joins.labels(source, SOURCES, out.index)
    return apply_overrides(out, overrides or {})


SOURCES = ["tagged", "rule", "unclassified"]


def rule_text(subject: pd.api.extensions.ExtensionArray, campaign_id, campaigns: pd.DataFrame | None) -> pd.Series:
    """What the rules read: the subject and the campaign's name, joined by " | "."""
    if campaigns is not None and "name" in campaigns:
        name = (
            campaigns["name"]
            .astype("str")
            .array.take(joins.positions(pd.Series(campaign_id), campaigns["campaign_id"]), allow_fill=True)
        )
    else:
        name = pd.array([pd.NA] * len(subject), dtype="str")
    return (pd.Series(subject, dtype="str").fillna("") + " | " + pd.Series(name, dtype="str").fillna("")).str.strip(
        " |"
    )


def apply_overrides(classified: pd.DataFrame, overrides: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Classified touches with the tags a person chose per subject; touches tagged in the data keep
    their tags. The input frame is not modified."""
    out = classified.copy() if overrides else classified
    for subject, (g, a) in overrides.items():
        mask = out["subject"].eq(subject) & out["tag_source"].ne("tagged")
        out.loc[mask, "gives"] = g or pd.NA
        out.loc[mask, "asks"] = a or pd.NA
        out.loc[mask, "tag_source"] = "override"
    return out


def explain(text: str, rules: Rules) -> pd.DataFrame:
    """Why a text was classified as it was: each (kind, tag, pattern) that matched, and the words."""
    rows = []
    for kind, tag, pats in rules.patterns():
        for pat in pats:
            match = re.search(pat, text or "", flags=re.I)
            if match:
                rows.append({"kind": kind, "tag": tag, "pattern": pat, "matched": match.group(0)})
    return pd.DataFrame(rows, columns=["kind", "tag", "pattern", "matched"])


def tag_sources(classified: pd.DataFrame) -> pd.DataFrame:
    """How many touches were tagged in the data, classified by rule, re-tagged, or left unclassified."""
    counts = classified["tag_source"].value_counts()
    order = [s for s in ("tagged", "rule", "override", "unclassified") if s in counts]
    return pd.DataFrame({"source": order, "touches": [int(counts[s]) for s in order]})


def unclassified_subjects(classified: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The most common subjects no rule matched: where to extend the rules first."""
    left = classified.loc[classified["tag_source"] == "unclassified", "subject"]
    return left.fillna("(no subject)").value_counts().head(n).rename_axis("subject").reset_index(name="touches")


def current_tags(classified: pd.DataFrame, subject: str) -> tuple[str, str]:
    """The (gives, asks) of the first touch with ``subject`` ("" for none), as the explorer shows them."""
    row = classified.loc[classified["subject"] == subject, ["gives", "asks"]].head(1)
    if row.empty:
        return "", ""
    gives, asks = ("" if v is None or v != v else str(v) for v in row.iloc[0])
    return gives, asks


def retaggable_subjects(classified: pd.DataFrame) -> list[str]:
    """Subjects a person may re-tag (not tagged in the data), the most common first."""
    return list(classified.loc[classified["tag_source"] != "tagged", "subject"].value_counts().index)
