"""A house rule of docs/architecture.md that no linter checks: every function in toolkit/ fits on
a screen (60 lines at most). That notebooks are committed without outputs is checked with the
registry, in tests/test_playbooks.py."""

from __future__ import annotations

import ast

from tests.conftest import ROOT


def test_no_function_in_the_toolkit_is_longer_than_60_lines():
    long = []
    for path in sorted((ROOT / "toolkit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 60:
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not long, long
