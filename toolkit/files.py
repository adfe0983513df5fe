"""Writing files so that a reader sees the old file or the new one, never half of one.

Everything the toolkit writes goes through here: a text file (a report, an index, a CSV, a cache
memo), a file another library writes (a notebook, an Arrow table), and a whole folder (a report
set, a cache entry), which is built beside its final place and moved in when complete.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically, creating its folder."""
    write_with(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: object) -> object:
    """``value`` as a CSV cell a spreadsheet shows as typed: text that a spreadsheet would read
    as a formula (``=HYPERLINK(…)``, ``+1``, ``@SUM``) gets a leading apostrophe; numbers are
    left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: list[dict], columns: list[str] | None = None) -> str:
    """``rows`` as CSV text: a column for each of ``columns`` (else for every key any row has),
    text made spreadsheet-safe, blanks for missing values."""
    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    return columns_csv_text(columns, [[row.get(c) for row in rows] for c in columns])


def columns_csv_text(columns: list[str], values: list[list]) -> str:
    """A table given a column at a time (``values[i]`` holds column ``columns[i]``) as CSV text,
    text made spreadsheet-safe, blanks for missing values."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(zip(*([spreadsheet_text(v) for v in column] for column in values)))
    return buffer.getvalue()


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> None:
    """``rows`` as a CSV file (:func:`csv_text`)."""
    write_text(path, csv_text(rows, columns))


def write_with(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` for a temporary path beside ``path``, then move the result into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes it private; the user's umask decides
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def new_folder(parent: Path, prefix: str) -> Path:
    """An empty hidden folder in ``parent`` to build a folder in before :func:`move_into_place`."""
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{prefix}-", dir=parent))
    os.chmod(folder, 0o777 & ~umask())  # mkdtemp makes it private; the user's umask decides
    return folder


@functools.cache
def umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def move_into_place(built: Path, final: Path, replace: bool = True) -> None:
    """Make the complete folder ``built`` become ``final``. An existing ``final`` is replaced
    (``replace``) or kept, in which case ``built`` is removed: the first writer wins."""
    if not final.exists():
        try:
            built.rename(final)
            return
        except OSError:
            if not final.exists():
                raise
    if not replace:
        shutil.rmtree(built, ignore_errors=True)
        return
    old = final.with_name(f".old-{final.name}-{uuid.uuid4().hex[:8]}")
    final.rename(old)
    built.rename(final)
    shutil.rmtree(old, ignore_errors=True)
