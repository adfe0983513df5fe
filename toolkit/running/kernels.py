"""Kernels for renders: forked from the kernel server (:mod:`toolkit.running.kernel_server`)
instead of started cold, so a render pays the imports of pandas, Altair, ipywidgets and the
toolkit once per render process rather than once per notebook.

papermill is given :class:`ForkedKernelManager`, a Jupyter kernel manager whose kernel process
comes from the server; everything else about the kernel (its connection file, messages,
interrupts, shut-down) is Jupyter's own. Each kernel runs one notebook and ends. Where forking
is not available (not Linux, the server failed to start, or ``DEALER_PLAYBOOKS_FORKED_KERNELS=0``)
a kernel starts cold, as Jupyter starts it: slower, never different.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import uuid
import weakref

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

SWITCH = "DEALER_PLAYBOOKS_FORKED_KERNELS"  # "0": start every kernel cold (for comparisons)
KERNEL_MODULE = "ipykernel_launcher"


class KernelServer:
    """The kernel server process of this render process, started on first use and ended with it."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "toolkit.running.kernel_server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            preexec_fn=_end_with_parent,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._requests, self._replies = self._process.stdin, self._process.stdout
        self._lock = threading.Lock()
        self._ready: bool | None = None

    def fork(self, argv: list[str], env: dict, cwd: str) -> int | None:
        """A new kernel's process id, or None when the server cannot fork one (it failed to start
        or has ended)."""
        with self._lock:
            if self._ready is None:
                self._ready = "ready" in self._reply()
            if not self._ready:
                return None
            try:
                self._requests.write(json.dumps({"argv": argv, "env": env, "cwd": cwd}) + "\n")
                self._requests.flush()
            except OSError:  # the server has ended
                self._ready = False
                return None
            reply = self._reply()
            if "pid" not in reply:
                self._ready = False
            return reply.get("pid")

    def _reply(self) -> dict:
        line = self._replies.readline()
        try:
            return json.loads(line) if line else {}
        except ValueError:
            return {}

    def close(self) -> None:
        """End the server now (its render process is done; it may still be importing): the
        kernels it forked have run their notebooks and been shut down."""
        with contextlib.suppress(OSError):
            self._requests.close()
        self._process.kill()
        self._process.wait()


def _end_with_parent() -> None:
    """In the server, before it runs: it receives SIGTERM when the thread that started it ends
    (Linux ties this to the thread), which is the render process's main thread except on a Dask
    worker; a server that ended is started again at the next kernel, which meanwhile starts cold."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


_server: KernelServer | None = None
_server_lock = threading.Lock()


def forking() -> bool:
    """Whether kernels are forked here: on Linux (which can watch a process that is not its
    child), unless :data:`SWITCH` is "0"."""
    return os.environ.get(SWITCH, "1") != "0" and sys.platform.startswith("linux") and hasattr(os, "pidfd_open")


def server() -> KernelServer | None:
    """This process's kernel server, started now if it is not running; None when kernels are not
    forked (:func:`forking`)."""
    global _server
    if not forking():
        return None
    with _server_lock:
        if _server is None or _server._process.poll() is not None:
            _server = KernelServer()
            atexit.register(_server.close)
        return _server


def prepare() -> None:
    """Start the kernel server now, so its imports run while the render validates the data."""
    server()


class Forked:
    """A Jupyter kernel manager's part that makes its kernel process a fork of the kernel server
    where kernels are forked (:func:`forking`), and a cold start otherwise."""

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkedProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


class ForkedKernelManager(Forked, AsyncKernelManager):
    """The kernel manager a render gives papermill; the kernels a render process launched can be
    killed at once (:func:`kill_running`)."""


_launched: weakref.WeakSet[ForkedProvisioner] = weakref.WeakSet()


def kill_running() -> None:
    """Kill every kernel this process launched that is still running (a render being stopped)."""
    for provisioner in list(_launched):
        if provisioner.pgid:
            with contextlib.suppress(OSError):  # it has ended
                os.killpg(provisioner.pgid, signal.SIGKILL)


class ForkedProvisioner(LocalProvisioner):
    """Jupyter's local provisioner, launching the kernel by a fork of the kernel server when the
    command is this Python's ipykernel (the python3 kernel); any other command launches as usual."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        _launched.add(self)
        argv = kernel_arguments(cmd)
        running = server() if argv is not None else None
        cwd = str(kwargs.get("cwd") or os.getcwd())
        env = dict(kwargs.get("env") or os.environ)
        # in a thread: the first fork waits for the server's imports, and a Voila server's other pages must not
        pid = await asyncio.to_thread(running.fork, argv, env, cwd) if running and argv is not None else None
        if pid is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedProcess(pid)  # type: ignore[assignment]  # what Jupyter uses of a Popen
        self.pid = self.pgid = pid  # the kernel leads its own process group
        self.cwd = cwd
        return self.connection_info


def kernel_arguments(cmd: list[str]) -> list[str] | None:
    """The kernel's own arguments when ``cmd`` starts this Python's ipykernel, else None."""
    if (
        len(cmd) >= 3
        and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)
        and cmd[1:3] == ["-m", KERNEL_MODULE]
    ):
        return cmd[3:]
    return None


class ForkedProcess:
    """A forked kernel, watched through a Linux pidfd, with the part of :class:`subprocess.Popen`
    that Jupyter's provisioner uses. It is the server's child, not ours, so its exit status is
    not known: an ended kernel reports 0."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._fd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # it has already ended
            self._fd, self.returncode = None, 0

    def poll(self) -> int | None:
        """None while the kernel runs, else 0."""
        return self.wait(0) if self.returncode is None else self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait up to ``timeout`` seconds (for ever if None) for the kernel to end; None if it has not."""
        if self.returncode is None and self._fd is not None:
            ended, _, _ = select.select([self._fd], [], [], timeout)
            if not ended:
                return None
            os.close(self._fd)
            self._fd, self.returncode = None, 0
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self._fd is not None:
            signal.pidfd_send_signal(self._fd, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)
