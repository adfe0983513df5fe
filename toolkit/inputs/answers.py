"""Collecting self-assessment answers: checking one respondent's answers and adding them to the
survey file without ever leaving half a file, and a blank template for paper collection.
"""

from __future__ import annotations

import csv
import fcntl
import io
import uuid
from pathlib import Path

import pandas as pd

from toolkit import files
from toolkit.errors import UsageError

SURVEY_COLUMNS = ["respondent_id", "department", "question_id", "score", "answered_at"]


def validate_answers(department: str, scores: dict[str, int], statements: pd.DataFrame, departments: list[str]) -> None:
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


def append_answers(
    survey_file: str | Path,
    department: str,
    scores: dict[str, int],
    respondent_id: str,
    answered_at: str,
    statements: pd.DataFrame,
    departments: list[str],
) -> int:
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
        writer.writerows(
            {
                "respondent_id": respondent_id,
                "department": department,
                "question_id": qid,
                "score": score,
                "answered_at": answered_at,
            }
            for qid, score in scores.items()
        )
        files.write_text(path, buffer.getvalue())
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


def write_template(
    path: str | Path, statements: pd.DataFrame, respondent_id: str = "R001", department: str = ""
) -> Path:
    """A CSV for paper collection: one row per statement with the score left blank."""
    path = Path(path)
    lines = [",".join(SURVEY_COLUMNS + ["statement"])]
    for row in statements.itertuples():
        text = row.text.replace('"', '""')
        lines.append(f'{respondent_id},{department},{row.id},,,"{text}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
