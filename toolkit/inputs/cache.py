"""The cache of validated tables, so a render validates a folder once however many playbooks run.

Validated tables are kept as uncompressed, memory-mapped Arrow files under
:func:`toolkit.resources.cache_root`, in a folder named by a digest of the input files' content.
The digest of a large folder takes seconds, so it is remembered against the files' size,
modification time and inode; a folder's previous cache is removed when its content changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
from pyarrow import feather

from toolkit import files
from toolkit.errors import Problem
from toolkit.inputs import schema
from toolkit.inputs.reading import table_files
from toolkit.resources import cache_root

if TYPE_CHECKING:
    from toolkit.inputs.dealer import Dealer

# The cache's format and the contract it was validated against: a change to either (a column
# added to the contract) makes every earlier cache stale instead of silently read.
CACHE_VERSION = "4-" + hashlib.blake2b(repr(schema.TABLES).encode(), digest_size=8).hexdigest()


def cache_path(data_dir: str | os.PathLike) -> Path:
    """The cache folder of a data folder's current content (its validated tables, as Arrow files)."""
    return cache_root() / content_key(Path(data_dir))


def content_key(folder: Path) -> str:
    """A digest of the folder's input files. Hashing a dealer group's CSVs takes seconds, so the
    digest is remembered against the files' size, modification time and inode, and reused while
    those stay the same — unless a file changed within two seconds of the digest being taken,
    when a same-size rewrite could keep its timestamp (the digest is then computed afresh)."""
    paths = sorted(table_files(folder).values()) + [folder / schema.DEALER_FILE]
    stats = [_signature(p) for p in paths]
    memo = cache_root() / "keys" / f"{hashlib.blake2b(str(folder.resolve()).encode(), digest_size=16).hexdigest()}.json"
    try:
        saved = json.loads(memo.read_text())
    except (OSError, ValueError):
        saved = {}
    if (
        saved.get("version") == CACHE_VERSION
        and saved.get("files") == stats
        and all(s[2] < saved["written_ns"] - 2_000_000_000 for s in stats if s)
    ):
        return saved["key"]
    written_ns = time.time_ns()
    key = _digest(paths)
    with contextlib.suppress(OSError):  # a memo that cannot be written only costs the next run a digest
        files.write_text(
            memo, json.dumps({"version": CACHE_VERSION, "files": stats, "written_ns": written_ns, "key": key})
        )
    if saved.get("key") not in (None, key):
        _forget(saved["key"])
    return key


def _digest(paths: list[Path]) -> str:
    digest = hashlib.blake2b(CACHE_VERSION.encode(), digest_size=16)
    for path in paths:
        digest.update(path.name.encode())
        if path.is_file():
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 22):
                    digest.update(chunk)
    return digest.hexdigest()


def _forget(key: str) -> None:
    """Remove the cached tables of a folder's previous content, unless another folder has the same."""
    memos = (cache_root() / "keys").glob("*.json")
    if not any(f'"key": "{key}"' in m.read_text() for m in memos if m.is_file()):
        shutil.rmtree(cache_root() / key, ignore_errors=True)


def _signature(path: Path) -> list | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [path.name, st.st_size, st.st_mtime_ns, st.st_ino]


def write(dealer: Dealer, target: Path) -> None:
    """Cache a dealer's validated tables in ``target``, built beside it and moved in whole, so a
    half-written cache is never read; when another process got there first, its copy stays."""
    try:
        built = files.new_folder(target.parent, "tmp")
    except OSError:
        return
    try:
        for name, df in dealer.tables.items():
            feather.write_feather(
                pa.Table.from_pandas(df, preserve_index=False), built / f"{name}.arrow", compression="uncompressed"
            )
        meta = {
            "name": dealer.name,
            "as_of": dealer.as_of_text,
            "settings": dealer.settings,
            "warnings": [w.__dict__ for w in dealer.warnings],
        }
        (built / "meta.json").write_text(json.dumps(meta, default=str))
        files.move_into_place(built, target, replace=False)
    except OSError:
        shutil.rmtree(built, ignore_errors=True)  # no space, say: no cache


def read(cached: Path) -> tuple[str, pd.Timestamp | None, dict, dict[str, pd.DataFrame], list[Problem]]:
    """A cached folder's name, as_of, settings, tables (memory-mapped) and warnings."""
    meta = json.loads((cached / "meta.json").read_text())
    tables = {p.stem: feather.read_table(p, memory_map=True).to_pandas() for p in cached.glob("*.arrow")}
    warnings = [
        Problem(w["file"], w["column"], w["expected"], tuple(map(tuple, w["rows"])), w["count"], w["unit"])
        for w in meta["warnings"]
    ]
    as_of = pd.Timestamp(meta["as_of"]) if meta["as_of"] else None
    return meta["name"], as_of, meta["settings"], tables, warnings
