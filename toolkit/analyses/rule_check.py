"""How well the give/ask keyword rules read the dealer's own tags, and which rules to add.

Where touches carry ``gives``/``asks`` tags in the data, the rules are run on those touches too,
as if they were untagged, and compared with the tags: for each tag, *precision* is the share of
touches the rules give that tag that the dealer tagged so, *recall* the share of touches the
dealer tagged so that the rules find. Both are counted over touches (a campaign sent to 900
customers counts 900 times), with 95% Wilson intervals. A rule set that reads the tagged touches
well can be trusted on the untagged ones; one that misses a tag says which subjects it misses.

A suggested rule is a word of the missed subjects that, among the tagged touches, nearly always
comes with the missed tag (precision at least :data:`SUGGEST_PRECISION`); suggestions are ranked
by how many missed touches they would catch. They are suggestions: a person adds them to their
taxonomy file.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from toolkit.analyses.taxonomy import classify_text, rule_text
from toolkit.inputs.config import Rules

SUGGEST_PRECISION = 0.9  # a suggested word comes with the missed tag on at least this share of tagged touches
MIN_WORD = 3  # letters in the shortest word worth a rule
STOP_WORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "you",
        "your",
        "our",
        "with",
        "into",
        "from",
        "about",
        "what",
        "this",
        "that",
        "are",
        "was",
        "has",
        "have",
        "will",
        "can",
        "get",
        "all",
        "its",
        "out",
        "now",
        "more",
        "than",
        "just",
        "here",
    ]
)  # words too common in any message to signal a tag
ACCURACY_COLUMNS = [
    "kind",
    "tag",
    "tagged",
    "found",
    "precision",
    "precision_low",
    "precision_high",
    "recall",
    "recall_low",
    "recall_high",
]


def tagged_texts(classified: pd.DataFrame, campaigns: pd.DataFrame | None, rules: Rules) -> pd.DataFrame:
    """The distinct (subject, campaign) texts of the touches that carry tags in the data
    (``tag_source`` "tagged" in :func:`~toolkit.analyses.taxonomy.classify_touches`), with the
    dealer's tags, the rules' tags and ``touches`` (how many touches each stands for)."""
    key = np.zeros(len(classified), np.int64)
    for column in ("subject", "campaign_id", "gives", "asks"):  # one integer per distinct combination
        code, uniques = pd.factorize(classified[column])
        key = key * (len(uniques) + 1) + code + 1
    tagged = np.flatnonzero((classified["tag_source"] == "tagged").to_numpy())
    _, first, counts = np.unique(key[tagged], return_index=True, return_counts=True)
    combos = classified.iloc[tagged[first]][["subject", "campaign_id", "gives", "asks"]].reset_index(drop=True)
    combos["touches"] = counts
    combos["text"] = rule_text(combos["subject"].array, combos["campaign_id"].array, campaigns)
    combos["rule_gives"], combos["rule_asks"] = classify_text(combos["text"], rules)
    return combos


def _has(tags: pd.Series, tag: str) -> np.ndarray:
    return (";" + tags.fillna("").astype("str") + ";").str.contains(f";{tag};", regex=False).to_numpy()


def rule_accuracy(texts: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Per tag of the taxonomy: touches the dealer tagged so (``tagged``), touches the rules tag
    so (``found``), precision and recall with their 95% intervals (NaN where there is nothing to
    count). ``texts`` is :func:`tagged_texts`."""
    from statsmodels.stats.proportion import proportion_confint

    weight = texts["touches"].to_numpy()
    rows = []
    for kind, tag, _ in rules.patterns():
        truth, found = _has(texts[kind], tag), _has(texts[f"rule_{kind}"], tag)
        hits, tagged, guessed = weight[truth & found].sum(), weight[truth].sum(), weight[found].sum()
        row = {"kind": kind, "tag": tag, "tagged": int(tagged), "found": int(guessed)}
        for name, n in (("precision", guessed), ("recall", tagged)):
            low, high = proportion_confint(hits, n, method="wilson") if n else (np.nan, np.nan)
            row |= {name: hits / n if n else np.nan, f"{name}_low": low, f"{name}_high": high}
        rows.append(row)
    return pd.DataFrame(rows, columns=ACCURACY_COLUMNS)


def exact_share(texts: pd.DataFrame) -> tuple[int, int]:
    """(Tagged touches whose gives and asks the rules read exactly as the dealer tagged them,
    tagged touches)."""

    def tagset(tags: pd.Series) -> pd.Series:
        return tags.fillna("").astype("str").map(lambda t: frozenset(x for x in t.split(";") if x))

    same = (tagset(texts["gives"]) == tagset(texts["rule_gives"])) & (
        tagset(texts["asks"]) == tagset(texts["rule_asks"])
    )
    return int(texts.loc[same, "touches"].sum()), int(texts["touches"].sum())


def _words(text: pd.Series) -> pd.Series:
    return text.fillna("").str.lower().map(lambda t: frozenset(re.findall(rf"[a-z]{{{MIN_WORD},}}", t)) - STOP_WORDS)


def missed_subjects(texts: pd.DataFrame, rules: Rules, n: int = 10) -> pd.DataFrame:
    """The subjects whose dealer tags the rules miss most, by touches: ``kind``, ``tag``,
    ``subject`` and ``touches``."""
    parts = []
    for kind, tag, _ in rules.patterns():
        missed = _has(texts[kind], tag) & ~_has(texts[f"rule_{kind}"], tag)
        if missed.any():
            parts.append(texts.loc[missed, ["subject", "touches"]].assign(kind=kind, tag=tag))
    if not parts:
        return pd.DataFrame(columns=["kind", "tag", "subject", "touches"])
    out = pd.concat(parts).groupby(["kind", "tag", "subject"], sort=False)["touches"].sum().reset_index()
    return out.sort_values("touches", ascending=False, kind="stable").head(n).reset_index(drop=True)


def suggested_rules(texts: pd.DataFrame, rules: Rules, per_tag: int = 2) -> pd.DataFrame:
    """Words to add as rules for the tags the rules miss: ``kind``, ``tag``, ``pattern`` (the
    word, as a regular expression), ``catches`` (missed touches it would find), ``precision``
    (among tagged touches with the word, the share tagged so) and ``example`` (a missed subject).
    At most ``per_tag`` per tag, the most missed touches first."""
    words = _words(texts["text"])
    weight = texts["touches"].to_numpy()
    vocabulary = sorted(set().union(*words)) if len(words) else []
    has_word = {w: words.map(lambda ws, w=w: w in ws).to_numpy() for w in vocabulary}
    rows = []
    for kind, tag, _ in rules.patterns():
        truth = _has(texts[kind], tag)
        missed = truth & ~_has(texts[f"rule_{kind}"], tag)
        if not missed.any():
            continue
        candidates = set().union(*words[missed])
        scored = []
        for w in candidates:
            with_word = has_word[w]
            precision = weight[with_word & truth].sum() / weight[with_word].sum()
            if precision >= SUGGEST_PRECISION:
                catches = int(weight[with_word & missed].sum())
                example = texts.loc[with_word & missed, "subject"].iloc[0]
                scored.append((catches, precision, w, example))
        for catches, precision, w, example in sorted(scored, key=lambda s: (-s[0], -s[1], s[2]))[:per_tag]:
            rows.append(
                {
                    "kind": kind,
                    "tag": tag,
                    "pattern": rf"\b{w}\b",
                    "catches": catches,
                    "precision": precision,
                    "example": example,
                }
            )
    return pd.DataFrame(rows, columns=["kind", "tag", "pattern", "catches", "precision", "example"])
