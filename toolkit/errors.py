"""One family of exceptions, so the command line can map each to an exit code."""

from __future__ import annotations

from dataclasses import dataclass, field


class ToolkitError(Exception):
    """Base of every error the toolkit raises on purpose."""


class UsageError(ToolkitError):
    """The caller asked for something that does not exist or does not fit (exit 2)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in a dealer's data folder.

    ``rows`` holds up to five ``(row_label, value)`` pairs; ``row_label`` is the
    line number in a CSV file (the header is line 1) or the 1-based row of a
    Parquet file.
    """

    file: str
    column: str | None
    expected: str
    rows: tuple[tuple[int, str], ...] = ()
    count: int = 0
    unit: str = "line"  # "line" of a CSV file, "row" of a Parquet file

    def __str__(self) -> str:
        where = self.file if self.column is None else f"{self.file}, column '{self.column}'"
        text = f"{where}: {self.expected}"
        if self.rows:
            shown = "; ".join(f"{self.unit} {line}: {value!r}" for line, value in self.rows)
            more = f" (and {self.count - len(self.rows)} more)" if self.count > len(self.rows) else ""
            text += f"\n    {shown}{more}"
        return text


@dataclass
class DataError(ToolkitError):
    """A data folder breaks the data contract; ``problems`` lists every problem found."""

    folder: str
    problems: list[Problem] = field(default_factory=list)
    after: str = ""  # a closing line: what the user can do next

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{self.folder}: {n} problem{'s' if n != 1 else ''} in the data"
        return "\n".join([head, *(f"  - {p}" for p in self.problems), *([self.after] if self.after else [])])


class RenderError(ToolkitError):
    """A playbook failed while it was executed or exported (exit 1)."""
