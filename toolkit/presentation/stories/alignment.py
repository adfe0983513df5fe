"""The customer-experience self-assessment in words: the whole dealership against the public
benchmarks, the departments, the widest gaps, and what to do next.

Each function builds its sentences from the tables and KPIs an analysis returned; the numbers
it prints are those values, formatted (tests/test_stories.py checks them against the tables).
"""

from __future__ import annotations

import pandas as pd

from toolkit.analyses.alignment import LACKING_ALIGNMENT, STRONGLY_ALIGNED, statements_to_work_on
from toolkit.presentation.words import compare, share


def describe_overall(kpis: dict, no_strategy: float | None) -> str:
    """Two or three sentences on the whole dealership, with the public benchmarks beside it."""
    if not kpis.get("respondents"):
        return "No one has answered the self-assessment yet."
    return (
        f"{kpis['respondents']} people answered. The alignment index is **{kpis['alignment_index']:.2f} of 5**; "
        f"{share(kpis['strongly_aligned_share'])} of respondents are strongly aligned (mean ≥ {STRONGLY_ALIGNED}) and "
        f"{share(kpis['lack_of_alignment_share'])} report a lack of alignment (mean ≤ {LACKING_ALIGNMENT}).\n\n"
        f"- Strongly aligned: {compare(kpis['strongly_aligned_share'], 'cx_strongly_aligned')}\n"
        f"- Lack of alignment: {compare(kpis['lack_of_alignment_share'], 'cx_lack_of_alignment', better='lower')}\n"
        f"- Do not see a formal strategy: {compare(no_strategy, 'cx_no_formal_strategy', better='lower')}\n\n"
        "The benchmarks describe organisations, the dealer's figures describe people within one; "
        "read them as a yardstick, not a like-for-like comparison."
    )


def describe_departments(summary: pd.DataFrame, kpis: dict) -> str:
    """Which departments score highest and lowest, and which disagree most within themselves."""
    if summary.empty:
        return "No answers to compare."
    top, bottom = summary.iloc[0], summary.iloc[-1]
    split = summary.dropna(subset=["spread"]).sort_values("spread", ascending=False)
    text = (
        f"**{top['department']}** scores highest ({top['mean_score']:.2f}) and **{bottom['department']}** lowest "
        f"({bottom['mean_score']:.2f}): a gap of {kpis['department_gap']:.2f} points."
    )
    if not split.empty:
        text += (
            f" Within departments, **{split.iloc[0]['department']}** disagrees most with itself "
            f"(spread {split.iloc[0]['spread']:.2f} between its respondents)."
        )
    return text


def describe_gaps(gaps: pd.DataFrame) -> str:
    """The statement on which departments see the dealership most differently."""
    if gaps.empty:
        return "No answers to compare."
    g = gaps.iloc[0]
    return (
        f"Departments disagree most on **{g['question_id']}** (“{g['text']}”): {g['high_department']} "
        f"averages {g['high']:.1f}, {g['low_department']} {g['low']:.1f}. The lowest-scoring statement overall is "
        f"**{gaps.sort_values('mean_score').iloc[0]['question_id']}** "
        f"({gaps['mean_score'].min():.1f} of 5)."
    )


def actions(kpis: dict, gaps: pd.DataFrame, n: int = 3) -> list[str]:
    """Concrete next steps computed from the answers."""
    if not kpis.get("respondents"):
        return ["Collect answers: no one has filled in the self-assessment yet."]
    todo = []
    for row in statements_to_work_on(gaps, n).itertuples():
        todo.append(
            f"Work on **{row.question_id}** — “{row.text}” (mean {row.mean_score:.1f} of 5; "
            f"{row.low_department} {row.low:.1f} vs {row.high_department} {row.high:.1f})."
        )
    widest = gaps.iloc[0]
    todo.append(
        f"Bring **{widest['high_department']}** and **{widest['low_department']}** together on "
        f"{widest['question_id']}: they differ by {widest['gap']:.1f} points, the widest gap in the survey."
    )
    low_dept = min(kpis["department_means"], key=kpis["department_means"].get)
    todo.append(
        f"Ask **{low_dept}** (lowest department mean, {kpis['department_means'][low_dept]:.2f}) "
        "what gets in the way; its answers pull the index down most."
    )
    return todo


def describe_department(department: str) -> str:
    """The heading of one department's answers beside everyone else's."""
    return f"Answers of **{department}** beside the rest of the dealership, weakest first."
