"""Telling kernels apart among a command's processes, however they were started."""

from __future__ import annotations

import psutil

SERVER = "toolkit.running.kernel_server"


def is_kernel(proc: psutil.Process) -> bool:
    """A kernel started cold (``-m ipykernel_launcher``), or forked by the kernel server (which
    shows the server's command line, under the server itself)."""
    try:
        return "ipykernel" in " ".join(proc.cmdline()) or SERVER in proc.cmdline() and SERVER in proc.parent().cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
        return False


def render_process(kernel: psutil.Process) -> int:
    """The process that asked for ``kernel``: its parent, or for a forked kernel the parent of the
    kernel server that forked it."""
    parent = kernel.parent()
    return parent.ppid() if SERVER in parent.cmdline() else parent.pid
