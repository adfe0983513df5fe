"""Stopping a render or a batch (issue 22, "Faults"): SIGTERM or the death of `playbook batch`
stops its worker processes and their kernels, leaves no half-built folder and prints one line, no
tracebacks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest

from tests.processes import is_kernel
from toolkit.resources import sample_dir


def marked(mark: str) -> list[psutil.Process]:
    """The processes started under ``mark`` (an environment variable that children inherit)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("PLAYBOOK_TEST_MARK") == mark:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def start(tmp_path: Path, mark: str, command: str) -> subprocess.Popen:
    lines = [f'[clients.c{i}]\ndata = "{sample_dir()}"\n' for i in range(4)]
    (tmp_path / "clients.toml").write_text("\n".join(lines))
    exe = Path(sys.executable).with_name("playbook")
    args = {
        "batch": ["batch", str(tmp_path / "clients.toml"), "--jobs", "2"],
        "render": ["render", "all", "--data", str(sample_dir())],
    }[command]
    return subprocess.Popen(
        [str(exe), *args, "--out", str(tmp_path / "out")],
        env={**os.environ, "PLAYBOOK_TEST_MARK": mark},
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "stderr.txt").open("w"),  # a file: the workers hold it as long as they live
    )


def wait_until_rendering(tmp_path: Path, mark: str, batch: subprocess.Popen) -> None:
    deadline = time.time() + 120
    while time.time() < deadline:
        kernels = [p for p in marked(mark) if is_kernel(p)]
        if kernels and list((tmp_path / "out").glob("**/.build-*")):
            return
        assert batch.poll() is None, (tmp_path / "stderr.txt").read_text()
        time.sleep(0.2)
    pytest.fail("no render started within 120 s")


def gone(mark: str, seconds: float) -> list[psutil.Process]:
    deadline = time.time() + seconds
    while time.time() < deadline:
        left = [p for p in marked(mark) if p.status() != psutil.STATUS_ZOMBIE]
        if not left:
            return []
        time.sleep(0.5)
    return left


@pytest.mark.parametrize(
    ("command", "how"),
    [("batch", signal.SIGTERM), ("batch", signal.SIGKILL), ("render", signal.SIGTERM)],
    ids=["batch-sigterm", "batch-kill-9", "render-sigterm"],
)
def test_a_stopped_command_leaves_no_process_and_no_half_built_folder(tmp_path, command, how):
    mark = uuid.uuid4().hex
    batch = start(tmp_path, mark, command)
    wait_until_rendering(tmp_path, mark, batch)
    batch.send_signal(how)
    batch.wait(timeout=60)
    left = gone(mark, 45)
    stderr = (tmp_path / "stderr.txt").read_text()
    assert not left, [" ".join(p.cmdline())[:120] for p in left]
    if how == signal.SIGTERM:
        assert batch.returncode == 130
        assert "Traceback" not in stderr and stderr.strip().splitlines()[-1].startswith(f"playbook {command}: stopped")
        assert not list((tmp_path / "out").glob("**/.build-*"))
