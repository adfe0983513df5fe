"""The real `playbook` command, run in a subprocess."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from toolkit.resources import sample_dir


def playbook(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("playbook")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd, timeout=900)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_help_names_every_command():
    result = playbook("--help")
    assert result.returncode == 0
    for command in ("demo", "render", "batch", "validate", "sample"):
        assert command in result.stdout
    assert "exit codes" in result.stdout


def test_validate_the_shipped_sample():
    before = _digest(sample_dir())
    result = playbook("validate", str(sample_dir()))
    assert result.returncode == 0, result.stderr
    assert "Lakeside Toyota: the data follows the contract (as of 2025-06-30)" in result.stdout
    assert "touches" in result.stdout
    assert _digest(sample_dir()) == before


def test_validate_a_broken_copy_names_file_column_and_lines(sample_copy):
    path = sample_copy / "appointments.csv"
    lines = path.read_text().splitlines()
    row = next(i for i, line in enumerate(lines) if ",shown," in line)
    lines[row] = lines[row].replace(",shown,", ",showed up,")
    path.write_text("\n".join(lines) + "\n")
    before = _digest(sample_copy)
    result = playbook("validate", str(sample_copy))
    assert result.returncode == 2
    assert "appointments.csv, column 'status': one of: scheduled, shown, no_show, cancelled" in result.stderr
    assert f"line {row + 1}: 'showed up'" in result.stderr
    assert "Traceback" not in result.stderr
    assert _digest(sample_copy) == before


def test_validate_a_missing_folder():
    result = playbook("validate", "/no/such/folder")
    assert result.returncode == 2 and "no such folder" in result.stderr and "Traceback" not in result.stderr


def test_sample_writes_a_valid_persona(tmp_path):
    result = playbook(
        "sample", "--out", str(tmp_path / "t"), "--customers", "200", "--persona", "transactional", "--seed", "5"
    )
    assert result.returncode == 0, result.stderr
    assert 'persona = "transactional"' in (tmp_path / "t" / "dealer.toml").read_text()
    assert playbook("validate", str(tmp_path / "t")).returncode == 0


def test_usage_errors_exit_2():
    assert playbook("sample").returncode == 2
    assert playbook("frobnicate").returncode == 2
    result = playbook("sample", "--out", "/tmp/x", "--customers", "3")
    assert result.returncode == 2 and "at least 10" in result.stderr
