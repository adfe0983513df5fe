"""Customer-experience alignment: a department-by-department self-assessment.

Every respondent scores each statement of the instrument (``data/survey.toml``)
from 1 (strongly disagree) to 5 (strongly agree). A high score means the
respondent sees that part of a customer-experience strategy in place; a wide
gap between departments means they do not see the same dealership.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import uuid
from pathlib import Path

import pandas as pd

from toolkit.errors import UsageError
from toolkit.resources import read_toml, shipped

STRONGLY_ALIGNED = 4.5  # a respondent whose mean score is at least this is strongly aligned
LACKING_ALIGNMENT = 2.5  # a respondent whose mean score is at most this reports a lack of alignment
SURVEY_COLUMNS = ["respondent_id", "department", "question_id", "score", "answered_at"]


def load_instrument(path: str | Path | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The statements (id, theme, text) and the department list of a survey instrument."""
    doc = read_toml(path or shipped("data", "survey.toml"))
    return pd.DataFrame(doc["statements"])[["id", "theme", "text"]], list(doc["departments"])


def respondent_means(survey: pd.DataFrame) -> pd.DataFrame:
    """One row per respondent: department and mean score over the statements they answered."""
    return (survey.groupby(["respondent_id", "department"], as_index=False)["score"].mean()
            .rename(columns={"score": "mean_score"}))


def summarise_departments(survey: pd.DataFrame) -> pd.DataFrame:
    """Per department: respondents, mean score, and the spread (standard deviation) of
    respondents' means within it — a wide spread means the department disagrees with itself."""
    people = respondent_means(survey)
    out = people.groupby("department").agg(respondents=("respondent_id", "nunique"),
                                           mean_score=("mean_score", "mean"),
                                           spread=("mean_score", "std"))
    return out.sort_values("mean_score", ascending=False).reset_index()


def alignment_kpis(survey: pd.DataFrame) -> dict:
    """The cx_alignment KPIs.

    - ``alignment_index``: the mean of every score given (1–5);
    - ``strongly_aligned_share``: respondents whose mean score is ≥ 4.5;
    - ``lack_of_alignment_share``: respondents whose mean score is ≤ 2.5;
    - ``department_means``: department → mean of its answers;
    - ``department_gap``: highest minus lowest department mean.
    """
    if survey.empty:
        return {"alignment_index": None, "strongly_aligned_share": None, "lack_of_alignment_share": None,
                "department_means": {}, "department_gap": None, "respondents": 0}
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


def no_formal_strategy_share(survey: pd.DataFrame, statements: pd.DataFrame) -> float | None:
    """Respondents whose mean on the "strategy" statements is ≤ 2.5: they do not see a formal
    customer-experience strategy (comparable with the 75% benchmark)."""
    ids = statements.loc[statements["theme"] == "strategy", "id"]
    answers = survey[survey["question_id"].isin(ids)]
    if answers.empty:
        return None
    return float((answers.groupby("respondent_id")["score"].mean() <= LACKING_ALIGNMENT).mean())


def describe_overall(kpis: dict, no_strategy: float | None) -> str:
    """Two or three sentences on the whole dealership, with the public benchmarks beside it."""
    from toolkit.narrative import compare, share

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
    text = (f"**{top['department']}** scores highest ({top['mean_score']:.2f}) and **{bottom['department']}** lowest "
            f"({bottom['mean_score']:.2f}): a gap of {kpis['department_gap']:.2f} points.")
    if not split.empty:
        text += (f" Within departments, **{split.iloc[0]['department']}** disagrees most with itself "
                 f"(spread {split.iloc[0]['spread']:.2f} between its respondents).")
    return text


def describe_gaps(gaps: pd.DataFrame) -> str:
    """The statement on which departments see the dealership most differently."""
    if gaps.empty:
        return "No answers to compare."
    g = gaps.iloc[0]
    return (f"Departments disagree most on **{g['question_id']}** (“{g['text']}”): {g['high_department']} "
            f"averages {g['high']:.1f}, {g['low_department']} {g['low']:.1f}. The lowest-scoring statement overall is "
            f"**{gaps.sort_values('mean_score').iloc[0]['question_id']}** "
            f"({gaps['mean_score'].min():.1f} of 5).")


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
        rows.append({"question_id": qid, "high_department": hi["department"], "high": hi["dept_mean"],
                     "low_department": lo["department"], "low": lo["dept_mean"], "gap": hi["dept_mean"] - lo["dept_mean"]})
    gaps = pd.DataFrame(rows)
    overall = survey.groupby("question_id")["score"].mean().rename("mean_score")
    gaps = gaps.merge(overall, on="question_id").merge(
        statements.rename(columns={"id": "question_id"}), on="question_id", how="left")
    return gaps.sort_values(["gap", "mean_score"], ascending=[False, True], ignore_index=True)


def statements_to_work_on(gaps: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The ``n`` statements to work on first: lowest overall agreement, the wider gap breaking ties."""
    return gaps.sort_values(["mean_score", "gap"], ascending=[True, False]).head(n).reset_index(drop=True)


def alignment_actions(kpis: dict, gaps: pd.DataFrame, n: int = 3) -> list[str]:
    """Concrete next steps computed from the answers."""
    if not kpis.get("respondents"):
        return ["Collect answers: no one has filled in the self-assessment yet."]
    actions = []
    for row in statements_to_work_on(gaps, n).itertuples():
        actions.append(f"Work on **{row.question_id}** — “{row.text}” (mean {row.mean_score:.1f} of 5; "
                       f"{row.low_department} {row.low:.1f} vs {row.high_department} {row.high:.1f}).")
    widest = gaps.iloc[0]
    actions.append(f"Bring **{widest['high_department']}** and **{widest['low_department']}** together on "
                   f"{widest['question_id']}: they differ by {widest['gap']:.1f} points, the widest gap in the survey.")
    low_dept = min(kpis["department_means"], key=kpis["department_means"].get)
    actions.append(f"Ask **{low_dept}** (lowest department mean, {kpis['department_means'][low_dept]:.2f}) "
                   "what gets in the way; its answers pull the index down most.")
    return actions


# --- collecting answers ---------------------------------------------------------------------


def validate_answers(department: str, scores: dict[str, int], statements: pd.DataFrame,
                     departments: list[str]) -> None:
    """Raise UsageError unless the department is known and every statement has a score 1–5."""
    if department not in departments:
        raise UsageError(f"department must be one of {', '.join(departments)}, not {department!r}")
    missing = sorted(set(statements["id"]) - set(scores))
    if missing:
        raise UsageError(f"every statement needs a score; missing: {', '.join(missing)}")
    unknown = sorted(set(scores) - set(statements["id"]))
    if unknown:
        raise UsageError(f"unknown statements: {', '.join(unknown)}")
    bad = {k: v for k, v in scores.items() if not (isinstance(v, int) and 1 <= v <= 5)}
    if bad:
        raise UsageError(f"scores are whole numbers from 1 to 5; not {bad}")


def append_answers(survey_file: str | Path, department: str, scores: dict[str, int], respondent_id: str,
                   answered_at: str, statements: pd.DataFrame, departments: list[str]) -> int:
    """Append one respondent's answers to ``survey_file``; returns the rows written.

    The file is locked while it is rewritten, the new content is written to a
    temporary file and moved into place (never half a file), and a respondent
    id that is already in the file is refused, so a double submit writes once.
    """
    validate_answers(department, scores, statements, departments)
    path = Path(survey_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        existing = path.read_text(encoding="utf-8-sig") if path.is_file() else ""
        rows = list(csv.DictReader(io.StringIO(existing))) if existing.strip() else []
        if any(r.get("respondent_id") == respondent_id for r in rows):
            raise UsageError(f"respondent {respondent_id} has already submitted; answers not written twice")
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=SURVEY_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        writer.writerows({"respondent_id": respondent_id, "department": department, "question_id": qid,
                          "score": score, "answered_at": answered_at} for qid, score in scores.items())
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(buffer.getvalue(), encoding="utf-8")
        tmp.replace(path)
    return len(scores)


def answers_file(survey_file: str, data_dir: str) -> Path:
    """Where the form writes: ``survey_file``, else survey.csv in ``data_dir``, else
    survey_answers.csv in the working folder — never into the shipped sample."""
    if survey_file:
        return Path(survey_file)
    return Path(data_dir) / "survey.csv" if data_dir else Path("survey_answers.csv")


def new_respondent_id() -> str:
    """A fresh respondent id for one form submission."""
    return f"W{uuid.uuid4().hex[:8]}"


def write_template(path: str | Path, statements: pd.DataFrame, respondent_id: str = "R001",
                   department: str = "") -> Path:
    """A CSV for paper collection: one row per statement with the score left blank."""
    path = Path(path)
    lines = [",".join(SURVEY_COLUMNS + ["statement"])]
    for row in statements.itertuples():
        text = row.text.replace('"', '""')
        lines.append(f'{respondent_id},{department},{row.id},,,"{text}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
