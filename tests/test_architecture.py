"""The house rules docs/architecture.md states that a linter does not check: every function in
toolkit/ fits on a screen (60 lines at most), and the notebooks are committed without outputs."""

from __future__ import annotations

import ast
import json

from tests.conftest import ROOT


def test_no_function_in_the_toolkit_is_longer_than_60_lines():
    long = []
    for path in sorted((ROOT / "toolkit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 60:
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not long, long


def test_notebooks_are_committed_without_outputs():
    for path in sorted((ROOT / "playbooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        assert all(not c.get("outputs") and not c.get("execution_count") for c in cells if c["cell_type"] == "code"), (
            path
        )
