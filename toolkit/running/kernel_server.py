"""The kernel server: a process that imports what every playbook imports once, then forks a fresh
kernel for each notebook a render executes (:mod:`toolkit.running.kernels` is its client side).

A render otherwise pays about 3 seconds for each kernel to start Python and import pandas, Altair,
ipywidgets, statsmodels and the toolkit; a forked kernel starts with them in memory, shared with
the server until written to. Each kernel runs one notebook and is then shut down, so nothing one
notebook sets (options, widgets, variables) reaches another: the server itself never runs a
notebook, only imports modules.

It reads one request per line on standard input — ``{"argv": [...], "env": {...}, "cwd": "..."}``,
the kernel's command-line arguments, environment and working folder — and answers each on
standard output with ``{"pid": N}``. It ends when standard input closes (its render process has
ended, however it ended).
"""

from __future__ import annotations

import atexit
import gc
import importlib
import json
import os
import pkgutil
import random
import signal
import sys
import threading

# What a playbook's kernel imports, beyond the toolkit itself (measured by listing a finished
# kernel's modules): the kernel, the frames, the charts and widgets, and the statistics and
# record linkage the analyses import when they run.
PRELOADED = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "numpy",
    "pandas",
    "pyarrow",
    "altair",
    "vl_convert",
    "ipywidgets",
    "anywidget",
    "scipy.stats",
    "scipy.sparse.csgraph",
    "statsmodels.genmod.generalized_linear_model",
    "statsmodels.genmod.families",
    "statsmodels.tools.tools",
    "statsmodels.duration.survfunc",
    "statsmodels.stats.multitest",
    "statsmodels.stats.power",
    "statsmodels.stats.proportion",
    "statsmodels.stats.weightstats",
    "duckdb",
    "splink",
    "splink.comparison_library",
    "splink.comparison_level_library",
)
SKIPPED = ("toolkit.cli", "toolkit.running")  # the command line and the render side: no kernel imports them


def preload() -> None:
    """Import :data:`PRELOADED` and every toolkit module a notebook can import; a module that is
    not installed (an optional extra) is skipped, as a kernel would fail on it alone."""
    import toolkit

    names = list(PRELOADED)
    for info in pkgutil.walk_packages(toolkit.__path__, "toolkit."):
        if not info.name.startswith(SKIPPED):
            names.append(info.name)
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            continue


def become_kernel(request: dict, channels: tuple[int, int]) -> None:
    """In a forked child: take the request's working folder, environment and arguments, and run
    an IPython kernel until it is shut down; never returns."""
    code = 1
    try:
        for fd in channels:
            os.close(fd)
        os.setsid()  # its own process group, as a launched kernel has: an interrupt reaches it alone
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the kernel waits for its own subprocesses
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["JPY_PARENT_PID"] = str(os.getppid())  # the kernel ends when this server does
        random.seed()  # a fresh process's random state, not the server's copied to every kernel
        sys.modules["numpy"].random.seed()
        argv = [*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]  # its default was read here
        sys.argv = ["ipykernel_launcher", *argv]
        code = _run_kernel(argv)
    finally:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _run_kernel(argv: list[str]) -> int:
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(argv)
    import ipywidgets

    ipywidgets._handle_ipython()  # what importing ipywidgets in a running kernel does first
    app.start()
    return 0


def serve(requests, replies, channels: tuple[int, int]) -> None:
    """Fork a kernel for each request line until the requests end."""
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            become_kernel(request, channels)
        replies.write(json.dumps({"pid": pid}) + "\n")
        replies.flush()


def main() -> None:
    # The protocol keeps standard input and output to itself: anything an import prints goes to
    # standard error instead, and the kernels read nothing.
    requests_fd, replies_fd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the render's to handle; it closes our input
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # ended kernels are reaped at once
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # the debugger's import-time warning
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel puts the notebook's folder back
    preload()
    gc.freeze()  # what was imported stays out of every kernel's garbage collections, and so unshared memory
    replies = os.fdopen(replies_fd, "w")
    if threading.active_count() != 1:  # a thread would be lost in every fork, holding what it held
        replies.write(json.dumps({"error": "an import started a thread"}) + "\n")
        return
    replies.write(json.dumps({"ready": os.getpid()}) + "\n")
    replies.flush()
    with os.fdopen(requests_fd) as requests:
        serve(requests, replies, (requests_fd, replies_fd))


if __name__ == "__main__":
    main()
