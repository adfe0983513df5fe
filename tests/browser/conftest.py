"""Real front ends on loopback ports, driven by headless Chromium through Playwright.

Playwright's own browser download does not work here, so the tests drive Debian's chromium
(/usr/bin/chromium, installed by .ci/run). JupyterLab runs without windowing so every cell
of a notebook is in the page.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from toolkit.resources import sample_dir
from toolkit.running.workspace import prepare_helpers, prepare_playbooks

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: int = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds}s")


WARM = [
    "toolkit.presentation.stories.reciprocity",
    "toolkit.presentation.stories.knowledge",
    "toolkit.presentation.stories.cadence",
    "toolkit.presentation.stories.engagement",
    "toolkit.presentation.stories.alignment",
    "toolkit.presentation.widgets",
    "statsmodels.stats.proportion",
    "statsmodels.stats.weightstats",
    "statsmodels.stats.multitest",
    "statsmodels.stats.power",
    "statsmodels.duration.survfunc",
    "statsmodels.regression.linear_model",
    "scipy.sparse.csgraph",
    "ipywidgets",
    "altair",
    "anywidget",
]


def warm_imports() -> None:
    """Import once what the playbooks' kernels import, so that on a fresh install the first kernel
    does not spend the tests' time writing bytecode for statsmodels, scipy and altair."""
    subprocess.run([sys.executable, "-c", "; ".join(f"import {m}" for m in WARM)], check=True, timeout=600)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    """Working copies of the playbooks reading a copy of the sample (form answers land there), and
    the mapping helper reading the sample as vendor exports."""
    from tests.exports import write_exports

    warm_imports()
    root = tmp_path_factory.mktemp("browser")
    data = Path(shutil.copytree(sample_dir(), root / "data"))
    prepare_playbooks(root / "playbooks", data)
    prepare_helpers(root / "playbooks", write_exports(sample_dir(), root / "exports"))
    return root / "playbooks"


def _serve(args: list[str], url: str, log: Path):
    env = {k: v for k, v in os.environ.items() if k != "DEALER_PLAYBOOK_STATIC"}
    with log.open("w") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_for(url)
    except RuntimeError:
        proc.kill()
        raise RuntimeError(log.read_text()[-3000:]) from None
    return proc


@pytest.fixture(scope="session")
def lab(workdir, tmp_path_factory):
    port = free_port()
    settings = tmp_path_factory.mktemp("lab-settings")
    tracker = settings / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    news = settings / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    bindir = Path(sys.executable).parent
    proc = _serve(
        [
            str(bindir / "jupyter"),
            "lab",
            f"--ServerApp.root_dir={workdir}",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--no-browser",
            "--allow-root",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={settings / 'ws'}",
        ],
        f"http://127.0.0.1:{port}/lab",
        settings / "lab.log",
    )
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(30)


@pytest.fixture(scope="session")
def voila(workdir, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    bindir = Path(sys.executable).parent
    proc = _serve(
        [str(bindir / "voila"), str(workdir), f"--port={port}", "--Voila.ip=127.0.0.1", "--no-browser"],
        f"http://127.0.0.1:{port}/voila/tree",
        log,
    )
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(30)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
