"""Where a batch's renders run: local processes, or the workers of a Dask distributed cluster.

Both give standard :mod:`concurrent.futures` futures, so :mod:`toolkit.running.batch` runs one
loop for either. On a cluster each render runs in a worker's process (its kernel a child of the
worker) and writes into ``--out``: every worker must see the data folders and ``--out`` at the
same paths (docs/scale.md). A task whose worker is lost is retried once on another worker.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

from toolkit.errors import UsageError

LOCAL = "local"  # --scheduler local: a LocalCluster on this machine, one worker per core
CONNECT_SECONDS = "DEALER_PLAYBOOKS_CONNECT_SECONDS"  # how long to wait for a scheduler (default 20 s)


@contextmanager
def executor(jobs: int, scheduler: str | None = None) -> Iterator[Executor]:
    """``jobs`` local processes, or the Dask scheduler at ``scheduler`` (``tcp://host:port``, or
    ``"local"`` for a LocalCluster with one worker per core)."""
    if scheduler is None:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield pool
        return
    with dask_client(scheduler) as client:
        yield client.get_executor(retries=1, pure=False)


@contextmanager
def dask_client(scheduler: str):
    """A Dask client of the scheduler at ``scheduler`` (or of a new LocalCluster for ``"local"``);
    raises UsageError naming the address when Dask is not installed or nothing answers there."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError('--scheduler needs Dask distributed: pip install -e ".[dask]"') from None
    cluster = None
    if scheduler == LOCAL:
        cluster = LocalCluster(
            n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True, dashboard_address=None
        )
    elif not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        raise UsageError(f"--scheduler {scheduler!r}: expected a scheduler address such as tcp://host:8786, or local")
    try:
        client = Client(cluster or scheduler, timeout=float(os.environ.get(CONNECT_SECONDS, 20)))
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise UsageError(f"--scheduler {scheduler}: no Dask scheduler answered there ({exc})") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
