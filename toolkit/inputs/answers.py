"""Collecting self-assessment answers: checking one respondent's answers and adding them to the
survey file without ever leaving half a file, and a blank template for paper collection.
"""

from __future__ import annotations

import csv
import fcntl
import io
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from toolkit import files
from toolkit.errors import UsageError
from toolkit.inputs.reading import BOMS, delimiter_of
from toolkit.inputs.schema import SCORE_RANGE

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
    low, high = SCORE_RANGE
    bad = {k: v for k, v in scores.items() if isinstance(v, bool) or not (isinstance(v, int) and low <= v <= high)}
    if bad:
        raise UsageError(f"scores are whole numbers from {low} to {high}; not {bad}")


def append_answers(
    survey_file: str | Path,
    department: str,
    scores: dict[str, int],
    respondent_id: str,
    answered_at: str,
    statements: pd.DataFrame,
    departments: list[str],
) -> int:
    """Add one respondent's answers to the end of ``survey_file``; returns the rows written, 0 when
    this respondent's answers are in the file already (a double submit writes once).

    The file's existing bytes are kept as they are — its rows, extra columns (left blank in the
    new rows), delimiter, encoding, byte-order mark and line ends — and the new rows are written
    the same way. The file is locked meanwhile, and the whole is written beside it and moved into
    place, so a reader never sees half a file. A file that cannot be read, is not text, or lacks a
    survey column is a UsageError naming it; nothing is written then.
    """
    validate_answers(department, scores, statements, departments)
    path = Path(survey_file)
    if path.is_dir():
        raise UsageError(f"{path.name} is a folder; answers are written to a survey CSV file")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        existing = _existing(path)
        layout = _layout(path, existing)
        if respondent_id in layout.respondents:
            return 0
        rows = [
            {
                "respondent_id": respondent_id,
                "department": department,
                "question_id": qid,
                "score": score,
                "answered_at": answered_at,
            }
            for qid, score in scores.items()
        ]
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer,
            fieldnames=layout.columns,
            delimiter=layout.delimiter,
            lineterminator=layout.newline,
            restval="",
            extrasaction="ignore",
        )
        if not existing:
            writer.writeheader()
        writer.writerows(rows)
        joint = b"" if not existing or existing.endswith((b"\n", b"\r")) else layout.newline.encode(layout.writes)
        added = buffer.getvalue().encode(layout.writes)
        files.write_with(path, lambda tmp: tmp.write_bytes(existing + joint + added))
    return len(rows)


def _existing(path: Path) -> bytes:
    try:
        return path.read_bytes() if path.exists() else b""
    except OSError as exc:
        raise UsageError(f"{path.name} cannot be read ({exc.strerror}); answers not saved") from None


@dataclass
class _Layout:
    columns: list[str]
    delimiter: str
    newline: str
    writes: str  # the codec that writes more of the file (no byte-order mark)
    respondents: set[str]


def _layout(path: Path, existing: bytes) -> _Layout:
    """How the survey file is written: its columns, delimiter, line end and encoding, and the
    respondents already in it."""
    if not existing.strip():
        return _Layout(SURVEY_COLUMNS, ",", "\n", "utf-8", set())
    encoding, writes = next(((read, write) for bom, read, write in BOMS if existing.startswith(bom)), ("utf-8",) * 2)
    try:
        text = existing.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise UsageError(f"{path.name} is not UTF-8 text; answers not saved (re-save it as UTF-8)") from None
    delimiter = delimiter_of(text.split("\n", 1)[0].rstrip("\r"))
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in SURVEY_COLUMNS[:4] if c not in columns]
    if missing:
        raise UsageError(f"{path.name} has no {', '.join(missing)} column; answers not saved")
    reader.fieldnames = columns
    respondents = {row.get("respondent_id") or "" for row in reader}
    return _Layout(columns, delimiter, "\r\n" if "\r\n" in text else "\n", writes, respondents)


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
