"""Where a batch's renders run: local processes, or the workers of a Dask distributed cluster.

Both give standard :mod:`concurrent.futures` futures, so :mod:`toolkit.running.batch` runs one
loop for either. On a cluster each render runs in a worker's process (its kernel a child of the
worker) and writes into ``--out``: every worker must see the data folders and ``--out`` at the
same paths (docs/scale.md). A task whose worker is lost is retried once on another worker.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
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
        pool = LocalPool(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"), initializer=local_worker)
        try:
            yield pool
        except BaseException:  # Ctrl-C, SIGTERM or an error: stop the renders now, not when they end
            stop_workers(pool)
            raise
        pool.shutdown(wait=True)
        return
    with dask_client(scheduler) as client:
        yield client.get_executor(retries=1, pure=False)


CLEANUP_SECONDS = 10  # a stopped worker ends at the latest this long after its render began to unwind
STOP_SECONDS = 20  # how long the batch waits for a stopped worker before killing it


def local_worker() -> None:
    """Set up a local render process. It leaves Ctrl-C to the batch, which stops it with SIGTERM;
    SIGTERM ends its render, which removes its half-built folder (its kernel polls for its parent
    and follows it); and on Linux it is sent SIGTERM when the batch dies, however it dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _interrupt)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # the batch died before the line above
        os._exit(1)
    from toolkit.running import kernels

    kernels.prepare()  # its imports run while this worker validates its first client


class LocalPool(ProcessPoolExecutor):
    """Local render processes in which a stopped worker starts nothing more: every task runs
    through :func:`_guarded`."""

    def submit(self, fn, /, *args, **kwargs):
        return super().submit(_guarded, fn, *args, **kwargs)


_stopping = False


def _guarded(fn, *args, **kwargs):
    """Run one task in a local worker; once the worker is stopped, end the process instead of
    starting a task, or as soon as the stopped task has unwound (its render removed its folder)."""
    if _stopping:
        os._exit(1)
    try:
        return fn(*args, **kwargs)
    except KeyboardInterrupt:
        os._exit(1)


def _interrupt(signum, frame) -> None:
    """Stop this worker: its kernel is killed, its render unwinds (removing its half-built folder)
    and the process ends, within :data:`CLEANUP_SECONDS` at the latest, saying nothing more (the
    batch prints the one line)."""
    import threading

    import psutil  # ipykernel's own dependency

    global _stopping
    _stopping = True
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    for child in psutil.Process().children(recursive=True):
        child.kill()
    threading.Timer(CLEANUP_SECONDS, os._exit, (1,)).start()
    raise KeyboardInterrupt


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and send SIGTERM to every worker; one that has not finished
    cleaning up after :data:`STOP_SECONDS` is killed."""
    workers = list(getattr(pool, "_processes", {}).values())  # concurrent.futures keeps them here
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
    for worker in workers:
        worker.join(STOP_SECONDS)
        if worker.is_alive():
            worker.kill()


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
