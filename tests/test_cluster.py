"""The consultant's batch on a Dask distributed cluster: started from the command line, it gives
the same portfolio as local processes, its kernels run under the workers, a worker killed
mid-batch loses only its task, and a bad scheduler address is bad input."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from tests.processes import is_kernel, render_process
from tests.test_cli import playbook

pytest.importorskip("distributed")

BIN = Path(sys.executable).parent


def kernel_parents(under: Path) -> set[int]:
    """The render processes of the Jupyter kernels running in a folder below ``under`` (each render
    runs its kernel in the report's build folder)."""
    parents = set()
    for proc in psutil.process_iter():
        try:
            if is_kernel(proc) and Path(proc.cwd()).is_relative_to(under):
                parents.add(render_process(proc))
        except (psutil.Error, AttributeError):
            continue
    return parents


def watch_kernels(under: Path, seen: set[int], stop: threading.Event) -> threading.Thread:
    def loop():
        while not stop.is_set():
            seen.update(kernel_parents(under))
            time.sleep(0.1)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


@pytest.fixture()
def clients(tmp_path, sample_copy) -> Path:
    broken = tmp_path / "broken"
    shutil.copytree(sample_copy, broken)
    (broken / "sales.csv").write_text("deal_id,customer_id\nD1,C1\n")
    path = tmp_path / "clients.toml"
    path.write_text(f'[clients.lakeside]\ndata = "{sample_copy.name}"\n\n[clients.broken]\ndata = "broken"\n')
    return path


@pytest.fixture()
def command_line_cluster(tmp_path):
    """A scheduler and two single-threaded workers started with the ``dask`` command."""
    address_file = tmp_path / "scheduler.json"
    scheduler = subprocess.Popen(
        [str(BIN / "dask"), "scheduler", "--scheduler-file", str(address_file), "--port", "0", "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while not address_file.is_file() and time.time() < deadline:
        time.sleep(0.2)
    workers = subprocess.Popen(
        [
            str(BIN / "dask"),
            "worker",
            "--scheduler-file",
            str(address_file),
            "--nworkers",
            "2",
            "--nthreads",
            "1",
            "--no-dashboard",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from distributed import Client

    address = json.loads(address_file.read_text())["address"]
    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=60)
        pids = set(client.run(os.getpid).values())
    yield address, pids
    for process in (workers, scheduler):
        process.terminate()
        process.wait(timeout=30)


def test_a_batch_on_a_command_line_cluster_matches_the_local_batch(tmp_path, clients, command_line_cluster):
    address, worker_pids = command_line_cluster
    seen: set[int] = set()
    stop = threading.Event()
    watch_kernels(tmp_path / "cluster", seen, stop)
    on_cluster = playbook("batch", str(clients), "--out", str(tmp_path / "cluster"), "--scheduler", address)
    stop.set()
    assert on_cluster.returncode == 1, on_cluster.stderr  # the broken client, recorded as bad data
    assert seen and seen <= worker_pids  # every kernel was a child of a worker
    local = playbook("batch", str(clients), "--out", str(tmp_path / "local"), "--jobs", "2")
    assert local.returncode == 1, local.stderr
    for page in ("portfolio.csv", "index.html", "lakeside/index.html", "broken/error.txt"):
        assert (tmp_path / "cluster" / page).read_text() == (tmp_path / "local" / page).read_text(), page


def test_a_worker_killed_mid_batch_loses_only_its_task(tmp_path, clients):
    from distributed import Client, LocalCluster

    from toolkit.running.batch import render_batch

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        worker_pids = set(client.run(os.getpid).values())
        outcome: dict = {}
        batch = threading.Thread(
            target=lambda: outcome.update(
                summary=render_batch(clients, tmp_path / "out", progress=False, scheduler=cluster.scheduler_address)
            )
        )
        batch.start()
        deadline, killed = time.time() + 120, None
        while killed is None and time.time() < deadline:
            rendering = kernel_parents(tmp_path / "out") & worker_pids
            if rendering:
                killed = rendering.pop()
                os.kill(killed, signal.SIGKILL)
            time.sleep(0.05)
        batch.join(timeout=600)
    assert killed is not None and not batch.is_alive()
    statuses = {c.client_id: c.status for c in outcome["summary"].clients}
    assert statuses == {"lakeside": "ok", "broken": "bad data"}  # the killed task ran again elsewhere
    assert not list((tmp_path / "out" / "lakeside").glob(".build-*"))


def test_a_scheduler_that_does_not_answer_is_bad_input(tmp_path, clients, monkeypatch):
    monkeypatch.setenv("DEALER_PLAYBOOKS_CONNECT_SECONDS", "2")
    silent = playbook("batch", str(clients), "--out", str(tmp_path / "a"), "--scheduler", "tcp://127.0.0.1:9")
    assert silent.returncode == 2 and "no Dask scheduler answered there" in silent.stderr
    wrong = playbook("batch", str(clients), "--out", str(tmp_path / "b"), "--scheduler", "somewhere")
    assert wrong.returncode == 2 and "expected a scheduler address such as tcp://host:8786" in wrong.stderr
    assert "Traceback" not in silent.stderr + wrong.stderr
