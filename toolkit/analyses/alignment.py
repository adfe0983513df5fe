"""Customer-experience alignment: a department-by-department self-assessment.

Every respondent scores each statement of the instrument (``data/survey.toml``)
from 1 (strongly disagree) to 5 (strongly agree). A high score means the
respondent sees that part of a customer-experience strategy in place; a wide
gap between departments means they do not see the same dealership.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from toolkit.analyses import trends
from toolkit.inputs.schema import SCORE_RANGE

STRONGLY_ALIGNED = 4.5  # a respondent whose mean score is at least this is strongly aligned
LACKING_ALIGNMENT = 2.5  # a respondent whose mean score is at most this reports a lack of alignment


def respondent_means(survey: pd.DataFrame) -> pd.DataFrame:
    """One row per respondent: department and mean score over the statements they answered."""
    return (
        survey.groupby(["respondent_id", "department"], as_index=False)["score"]
        .mean()
        .rename(columns={"score": "mean_score"})
    )


def summarise_departments(survey: pd.DataFrame) -> pd.DataFrame:
    """Per department: respondents, mean score with its 95% interval (``low``/``high``, none for a
    single respondent), and the spread (standard deviation) of respondents' means within it — a wide
    spread means the department disagrees with itself."""
    people = respondent_means(survey)
    out = people.groupby("department").agg(
        respondents=("respondent_id", "nunique"), mean_score=("mean_score", "mean"), spread=("mean_score", "std")
    )
    evidence = department_evidence(survey)
    out["low"], out["high"] = evidence["lower"].clip(*SCORE_RANGE), evidence["upper"].clip(*SCORE_RANGE)
    return out.sort_values("mean_score", ascending=False).reset_index()


def kpis(survey: pd.DataFrame) -> dict:
    """The cx_alignment KPIs.

    - ``alignment_index``: the mean of every score given (1–5);
    - ``strongly_aligned_share``: respondents whose mean score is ≥ 4.5;
    - ``lack_of_alignment_share``: respondents whose mean score is ≤ 2.5;
    - ``department_means``: department → mean of its answers;
    - ``department_gap``: highest minus lowest department mean.
    """
    if survey.empty:
        return {
            "alignment_index": None,
            "strongly_aligned_share": None,
            "lack_of_alignment_share": None,
            "department_means": {},
            "department_gap": None,
            "respondents": 0,
        }
    people = respondent_means(survey)
    dept = survey.groupby("department")["score"].mean()
    return {
        "alignment_index": float(survey["score"].mean()),
        "strongly_aligned_share": float((people["mean_score"] >= STRONGLY_ALIGNED).mean()),
        "lack_of_alignment_share": float((people["mean_score"] <= LACKING_ALIGNMENT).mean()),
        "department_means": {k: float(v) for k, v in dept.sort_values(ascending=False).items()},
        "department_gap": float(dept.max() - dept.min()),
        "respondents": int(people["respondent_id"].nunique()),
    }


def trend_measure(survey: pd.DataFrame) -> trends.Measure:
    """``alignment_index`` by month of answer: the mean of every score given; a respondent's
    answers in a month are one unit (one person's answers are not independent voices); n counts
    the answers."""
    return _answers_measure(survey, survey.get("answered_at"))


def headline_measures(survey: pd.DataFrame, as_of: pd.Timestamp) -> list[trends.Measure]:
    """``alignment_index`` for :func:`toolkit.analyses.trends.by_store` (``store_id`` on the survey)."""
    return [_answers_measure(survey, pd.Series(pd.Timestamp(as_of), index=survey.index))]


def _answers_measure(survey: pd.DataFrame, when: pd.Series | None) -> trends.Measure:
    if when is None:
        when = pd.Series(pd.NaT, index=survey.index, dtype="datetime64[us, UTC]")
    return trends.measure(
        "alignment_index",
        "ratio",
        when,
        survey["score"],
        np.ones(len(survey)),
        store=survey.get("store_id"),
        cluster=survey["respondent_id"],
        what="answers",
    )


def no_formal_strategy_share(survey: pd.DataFrame, statements: pd.DataFrame) -> float | None:
    """Respondents whose mean on the "strategy" statements is ≤ 2.5: they do not see a formal
    customer-experience strategy (comparable with the 75% benchmark)."""
    ids = statements.loc[statements["theme"] == "strategy", "id"]
    answers = survey[survey["question_id"].isin(ids)]
    if answers.empty:
        return None
    return float((answers.groupby("respondent_id")["score"].mean() <= LACKING_ALIGNMENT).mean())


def weakest_department(summary: pd.DataFrame, departments: list[str]) -> str:
    """The department with the lowest mean score (the first of the instrument's when none answered)."""
    return summary.iloc[-1]["department"] if not summary.empty else departments[0]


def compare_department(survey: pd.DataFrame, statements: pd.DataFrame, department: str) -> pd.DataFrame:
    """One department's mean per statement beside everyone else's; most negative difference first."""
    mine = survey[survey["department"] == department].groupby("question_id")["score"].mean().rename("department_mean")
    rest = survey[survey["department"] != department].groupby("question_id")["score"].mean().rename("others_mean")
    out = pd.concat([mine, rest], axis=1).reset_index().rename(columns={"index": "question_id"})
    out["difference"] = out["department_mean"] - out["others_mean"]
    out = out.merge(statements.rename(columns={"id": "question_id"}), on="question_id", how="left")
    return out.sort_values("difference", ignore_index=True)


def department_theme_scores(survey: pd.DataFrame, statements: pd.DataFrame) -> pd.DataFrame:
    """Mean score per department and theme (long form, for a heatmap)."""
    joined = survey.merge(statements, left_on="question_id", right_on="id", how="left")
    joined["theme"] = joined["theme"].fillna("other")
    return joined.groupby(["department", "theme"], as_index=False)["score"].mean()


def statement_gaps(survey: pd.DataFrame, statements: pd.DataFrame) -> pd.DataFrame:
    """Per statement: overall mean, the highest- and lowest-scoring departments and the gap
    between them, widest gap first."""
    columns = ["question_id", "high_department", "high", "low_department", "low", "gap", "mean_score", "theme", "text"]
    if survey.empty:
        return pd.DataFrame(columns=columns)
    by = survey.groupby(["question_id", "department"])["score"].mean().rename("dept_mean").reset_index()
    rows = []
    for qid, grp in by.groupby("question_id"):
        hi, lo = grp.loc[grp["dept_mean"].idxmax()], grp.loc[grp["dept_mean"].idxmin()]
        rows.append(
            {
                "question_id": qid,
                "high_department": hi["department"],
                "high": hi["dept_mean"],
                "low_department": lo["department"],
                "low": lo["dept_mean"],
                "gap": hi["dept_mean"] - lo["dept_mean"],
            }
        )
    gaps = pd.DataFrame(rows)
    overall = survey.groupby("question_id")["score"].mean().rename("mean_score")
    gaps = gaps.merge(overall, on="question_id").merge(
        statements.rename(columns={"id": "question_id"}), on="question_id", how="left"
    )
    return gaps.sort_values(["gap", "mean_score"], ascending=[False, True], ignore_index=True)


def statements_to_work_on(gaps: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The ``n`` statements to work on first: lowest overall agreement, the wider gap breaking ties."""
    return gaps.sort_values(["mean_score", "gap"], ascending=[True, False]).head(n).reset_index(drop=True)


MIN_RESPONDENTS = 3  # a department with fewer respondents is "too few to tell"


def department_evidence(survey: pd.DataFrame) -> pd.DataFrame:
    """Per department: its respondents' mean score against everyone else's, with the 95% interval,
    Welch's test corrected for how many departments were compared (Holm) and a verdict
    (:func:`toolkit.analyses.evidence.means_vs_rest`); ``n`` is its respondents."""
    from toolkit.analyses.evidence import means_vs_rest

    people = respondent_means(survey)
    return means_vs_rest(people["mean_score"], people["department"], min_n=MIN_RESPONDENTS)


def widest_gap_chance(survey: pd.DataFrame, permutations: int = 2000, seed: int = 0) -> float | None:
    """How often chance alone gives a statement gap between departments as wide as the widest one
    seen: respondents' departments are shuffled ``permutations`` times and the widest gap over all
    statements recomputed each time (a permutation test of the largest gap). None without answers."""
    if survey.empty:
        return None
    answers = survey.pivot_table(index=["respondent_id", "department"], columns="question_id", values="score")
    scores = answers.to_numpy(float)
    departments = answers.index.get_level_values("department").to_numpy()
    rng = np.random.default_rng(seed)

    def widest(labels: np.ndarray) -> float:
        with warnings.catch_warnings():  # a department that skipped a statement has no mean on it
            warnings.simplefilter("ignore", RuntimeWarning)
            means = np.vstack([np.nanmean(scores[labels == d], axis=0) for d in np.unique(labels)])
            return float(np.nanmax(np.nanmax(means, axis=0) - np.nanmin(means, axis=0)))

    seen = widest(departments)
    as_wide = sum(widest(rng.permutation(departments)) >= seen - 1e-12 for _ in range(permutations))
    return (as_wide + 1) / (permutations + 1)


def tied_with(summary: pd.DataFrame, position: int, digits: int = 2) -> list[str]:
    """The departments whose mean score, shown to ``digits`` decimals, equals that of the department
    at ``position`` of :func:`summarise_departments` (0 the highest, -1 the lowest): a tie is named
    as one."""
    value = round(float(summary.iloc[position]["mean_score"]), digits)
    return list(summary.loc[summary["mean_score"].round(digits) == value, "department"])
