"""Where things live: the files that ship with the project (``data/…``, ``playbooks/…``) and
the cache folder.

In a source checkout (``pip install -e .``) shipped files sit beside the package; in a wheel they
are packaged as ``toolkit/shipped/…``. Never the network.
"""

from __future__ import annotations

import importlib.resources
import os
import tomllib
from pathlib import Path


def shipped(*parts: str) -> Path:
    """The path of a shipped file, e.g. ``shipped("data", "cadence.toml")``."""
    packaged = importlib.resources.files("toolkit") / "shipped"
    base = Path(str(packaged)) if packaged.is_dir() else Path(__file__).resolve().parent.parent
    return base.joinpath(*parts)


def read_toml(path: str | Path) -> dict:
    """A TOML file as a dict (shipped files and user overrides alike)."""
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def user_toml(path: Path, name: str) -> dict:
    """A TOML file the user wrote (a CLIENTS.toml, a mapping), as a dict; a UsageError beginning
    with ``name`` when it is missing or is not TOML."""
    from toolkit.errors import UsageError

    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{name}: not valid TOML ({exc})") from None


def sample_dir() -> Path:
    """The committed sample dealership: a relationship-driven store with one transactional
    salesperson, about 2,000 customers and three years of history (``data/sample``)."""
    return shipped("data", "sample")


def benchmarks() -> dict:
    """Public benchmarks (``data/benchmarks.toml``): name → value, year, source, measure."""
    return read_toml(shipped("data", "benchmarks.toml"))


def cache_root() -> Path:
    """Where validated tables and the report's Vega bundle are cached
    (``$DEALER_PLAYBOOKS_CACHE`` or ~/.cache/dealer-playbooks)."""
    env = os.environ.get("DEALER_PLAYBOOKS_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "dealer-playbooks"
