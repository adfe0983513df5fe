"""The customer-experience self-assessment in words: the whole dealership against the public
benchmarks, the departments, the widest gaps, and what to do next.

Each function builds its sentences from the tables and KPIs an analysis returned; the numbers
it prints are those values, formatted (tests/test_stories.py checks them against the tables).
"""

from __future__ import annotations

import pandas as pd

from toolkit.analyses.alignment import (
    LACKING_ALIGNMENT,
    MIN_RESPONDENTS,
    STRONGLY_ALIGNED,
    statements_to_work_on,
    tied_with,
)
from toolkit.analyses.evidence import ALPHA, units_to_settle
from toolkit.presentation.actions import Action, Evidence, evidence_of
from toolkit.presentation.words import context, share


def describe_overall(kpis: dict, no_strategy: float | None) -> str:
    """Two or three sentences on the whole dealership, with the public benchmarks beside it."""
    if not kpis.get("respondents"):
        return "No one has answered the self-assessment yet."
    return (
        f"{kpis['respondents']} people answered. The alignment index is **{kpis['alignment_index']:.2f} of 5**; "
        f"{share(kpis['strongly_aligned_share'])} of respondents are strongly aligned (mean ≥ {STRONGLY_ALIGNED}) and "
        f"{share(kpis['lack_of_alignment_share'])} report a lack of alignment (mean ≤ {LACKING_ALIGNMENT}).\n\n"
        f"- Strongly aligned: {share(kpis['strongly_aligned_share'])} of respondents here; "
        f"{context('cx_strongly_aligned')}\n"
        f"- Lack of alignment: {share(kpis['lack_of_alignment_share'])} here; {context('cx_lack_of_alignment')}\n"
        f"- Do not see a formal strategy: {share(no_strategy)} here; {context('cx_no_formal_strategy')}\n\n"
        "The benchmarks describe organisations, the dealer's figures describe people within one; "
        "read them as a yardstick, not a like-for-like comparison."
    )


def describe_departments(summary: pd.DataFrame, kpis: dict, departments: pd.DataFrame | None = None) -> str:
    """Which departments score highest and lowest (ties named as ties), whether any of them is
    apart from the others beyond chance (``departments`` is
    :func:`~toolkit.analyses.alignment.department_evidence`), and which disagrees most within itself."""
    if summary.empty:
        return "No answers to compare."
    top, bottom = summary.iloc[0], summary.iloc[-1]
    split = summary.dropna(subset=["spread"]).sort_values("spread", ascending=False)
    highest, lowest = (" and ".join(f"**{d}**" for d in tied_with(summary, i)) for i in (0, -1))
    text = (
        f"{highest} {'tie' if ' and ' in highest else 'scores'} highest ({top['mean_score']:.2f}) and {lowest} "
        f"{'tie ' if ' and ' in lowest else ''}lowest ({bottom['mean_score']:.2f}): a gap of "
        f"{kpis['department_gap']:.2f} points."
    )
    if departments is not None and not departments["verdict"].isin(["below", "above"]).any():
        text += (
            f" With {kpis['respondents']} respondents, no department's mean is apart from the others' beyond "
            "chance: read the order as a question to ask, not a ranking."
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


def actions(
    kpis: dict, gaps: pd.DataFrame, departments: pd.DataFrame, gap_chance: float | None, n: int = 3
) -> list[Action]:
    """Next steps from the answers: the statements with the least agreement; the widest gap only
    when it is wider than chance gives (``gap_chance`` is
    :func:`~toolkit.analyses.alignment.widest_gap_chance`); the department to talk to only when
    its respondents clearly score below everyone else (``departments`` is
    :func:`~toolkit.analyses.alignment.department_evidence`)."""
    if not kpis.get("respondents"):
        return [Action("collect_answers", "survey", "Collect answers: no one has filled in the self-assessment yet.")]
    todo = [
        Action(
            "work_on",
            row.question_id,
            (
                f"Work on **{row.question_id}** — “{row.text}” (mean {row.mean_score:.1f} of 5; "
                f"{row.low_department} {row.low:.1f} vs {row.high_department} {row.high:.1f})."
            ),
            Evidence(estimate=float(row.mean_score)),
        )
        for row in statements_to_work_on(gaps, n).itertuples()
    ]
    widest = gaps.iloc[0]
    if gap_chance is not None and gap_chance < ALPHA:
        todo.append(
            Action(
                "bring_together",
                widest["question_id"],
                (
                    f"Bring **{widest['high_department']}** and **{widest['low_department']}** together on "
                    f"{widest['question_id']}: they differ by {widest['gap']:.1f} points, the widest gap in the survey "
                    f"and wider than shuffled departments give ({gap_chance:.1%} of shuffles)."
                ),
                Evidence(estimate=float(widest["gap"])),
            )
        )
    else:
        todo.append(
            Action(
                "within_noise",
                "statement_gaps",
                (
                    f"The widest gap between departments ({widest['gap']:.1f} points on {widest['question_id']}) is no wider "
                    f"than chance gives with {kpis['respondents']} respondents (shuffling their departments gives one as "
                    f"wide {gap_chance:.0%} of the time): ask more people in each department before reading it as a split."
                ),
                Evidence(estimate=float(widest["gap"]), n=kpis["respondents"]),
            )
        )
    todo.append(focus_department(departments))
    return todo


HALF_POINT = 0.5  # the smallest gap between departments worth settling, on the 1-5 scale


HALF_POINT = 0.5  # the smallest gap between departments worth settling, on the 1-5 scale


def focus_department(departments: pd.DataFrame) -> Action:
    """The department whose respondents clearly score below everyone else; else a note."""
    below = departments[departments["verdict"] == "below"].sort_values("mean")
    if len(below):
        dept, row = below.index[0], below.iloc[0]
        return Action(
            "focus_department",
            str(dept),
            (
                f"Ask **{dept}** what gets in the way: its {int(row['n'])} respondents average {row['mean']:.2f} "
                f"(95% interval {row['lower']:.2f}–{row['upper']:.2f}) against {row['rest']:.2f} for everyone else."
            ),
            evidence_of(row, "mean"),
        )
    few = departments.index[departments["verdict"] == "too few"]
    small = f" ({', '.join(map(str, few))} with fewer than {MIN_RESPONDENTS} respondents)" if len(few) else ""
    spread = float(departments["sd"].dropna().mean()) if departments["sd"].notna().any() else 1.0
    need = max(units_to_settle(0.0, spread, len(departments), smallest=HALF_POINT), MIN_RESPONDENTS)
    return Action(
        "within_noise",
        "departments",
        (
            f"No department scores clearly below the others{small}: ask every department, not one, what gets in the "
            f"way. About {need} respondents per department would tell a half-point gap apart."
        ),
    )


def describe_department(department: str) -> str:
    """The heading of one department's answers beside everyone else's."""
    return f"Answers of **{department}** beside the rest of the dealership, weakest first."
