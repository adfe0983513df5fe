"""Shared fixtures: a private cache per test session, and helpers to write dealer folders."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from toolkit.resources import sample_dir

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    import os

    os.environ["DEALER_PLAYBOOKS_CACHE"] = str(tmp_path_factory.mktemp("cache"))


def write_folder(folder: Path, tables: dict[str, str], dealer: str = 'name = "Test Motors"\n') -> Path:
    """A dealer folder from CSV texts (dedented), plus dealer.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    (folder / "dealer.toml").write_text(dealer)
    return folder


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A writable copy of the shipped sample dealership."""
    return Path(shutil.copytree(sample_dir(), tmp_path / "sample"))


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Path:
    """``playbook demo`` rendered once for the session: every playbook on the sample dealership."""
    from tests.test_cli import playbook

    out = tmp_path_factory.mktemp("demo") / "reports"
    result = playbook("demo", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert str(out / "index.html") in result.stdout
    return out


@pytest.fixture(scope="session")
def hostile_reports(tmp_path_factory) -> Path:
    """Every playbook rendered by the real command on the sample full of markup
    (:func:`tests.test_hostile_input.hostile_folder`); shared by the HTML and the browser checks."""
    from tests.test_cli import playbook
    from tests.test_hostile_input import hostile_folder

    root = tmp_path_factory.mktemp("hostile")
    data = hostile_folder(root / "data")
    result = playbook("render", "all", "--data", str(data), "--out", str(root / "out"))
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "out"
