"""How long a workshop app takes to open, as a participant waits for it.

    python benchmarks/app_bench.py [--opens 3]

Serves a workshop folder of the sample store twice, as `playbook workshop` serves it (each app's
kernel kept ready and replaced in the background, kernels forked from the kernel server) and as
apps were served before (no kernel kept ready, every kernel started cold:
DEALER_PLAYBOOKS_FORKED_KERNELS=0 and --ready 0). Opens every app ``--opens`` times in headless
Chromium (Debian's /usr/bin/chromium), each time once the server has refilled its ready kernel
and the server and its kernels are idle (the alignment app is never kept ready: it opens on a new
kernel, forked when shipped), and times from the click to the app's first control. Prints the seconds of each open and the
ratio of the reference to the shipped way, and writes benchmarks/results/apps-<date>.json. Not a
test.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

from recorded import machine, write_results

from toolkit.playbooks import REGISTRY
from toolkit.running.workspace import NOT_KEPT_READY, prepare_workshop, voila_args

CONTROL = ".widget-dropdown, .widget-button, .widget-toggle-buttons"  # every app's first control is one


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(folder: Path, ready: int, forked: bool) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    log = folder / f"voila-{port}.log"
    env = {k: v for k, v in os.environ.items() if k != "DEALER_PLAYBOOK_STATIC"}
    env["DEALER_PLAYBOOKS_FORKED_KERNELS"] = "1" if forked else "0"
    with log.open("w") as out:
        proc = subprocess.Popen(
            voila_args(folder, port, open_browser=False, ready=ready), stdout=out, stderr=subprocess.STDOUT, env=env
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/voila/tree", timeout=2)
            return proc, url, log
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(log.read_text()[-2000:])


def refilled(log: Path, app: str, times: int, timeout: float = 120) -> None:
    """Wait until the server has said ``times`` times that the app's ready kernel is in place."""
    said = f"Kernel pool of mixed/{app}.ipynb is filled"
    deadline = time.monotonic() + timeout
    while log.read_text().count(said) < times and time.monotonic() < deadline:
        time.sleep(0.2)


def quiet(proc: subprocess.Popen, timeout: float = 120) -> None:
    """Wait until the server and its kernels have been idle for a second: the kernel kept ready
    has worked its page out (Voila says a pool is filled when its kernel starts, before that)."""
    import psutil

    def busy(tree) -> float:
        total = 0.0
        for p in tree:
            try:
                total += p.cpu_percent(None)  # since the previous call on the same process
            except psutil.Error:
                continue
        return total

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        busy(tree)
        time.sleep(1.0)
        if busy(tree) < 10:
            return


def opening_seconds(browser, url: str, app: str) -> float:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        started = time.perf_counter()
        page.goto(f"{url}/voila/render/mixed/{app}.ipynb", wait_until="commit", timeout=120_000)
        page.wait_for_selector(CONTROL, timeout=240_000)
        return time.perf_counter() - started
    finally:
        page.goto("about:blank")  # the page unloads and gives its kernel back, as a closed tab does
        page.close()


def measure(browser, folder: Path, opens: int, shipped: bool) -> dict[str, list[float]]:
    proc, url, log = serve(folder, ready=1 if shipped else 0, forked=shipped)
    try:
        seconds = {}
        for app in REGISTRY:
            seconds[app] = []
            for n in range(opens):
                if shipped and app not in NOT_KEPT_READY:
                    refilled(log, app, n + 1)
                quiet(proc)
                seconds[app].append(opening_seconds(browser, url, app))
        return seconds
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opens", type=int, default=3, help="times each app is opened (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        folder = prepare_workshop(Path(tmp) / "workshop", ["mixed"])
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            shipped = measure(browser, folder, args.opens, shipped=True)
            cold = measure(browser, folder, args.opens, shipped=False)
        finally:
            browser.close()
    print(f"{'app':20} {'opens, as shipped (s)':>30} {'opens, cold (s)':>26} {'cold ÷ shipped':>15}")
    ratios = {}
    for app in REGISTRY:
        later = statistics.median(shipped[app][1:] or shipped[app])
        ratios[app] = statistics.median(cold[app][1:] or cold[app]) / later
        print(
            f"{app:20} {' '.join(f'{s:5.1f}' for s in shipped[app]):>30} "
            f"{' '.join(f'{s:5.1f}' for s in cold[app]):>26} {ratios[app]:15.1f}"
        )
    result = {
        "date": str(date.today()),
        "machine": machine(),
        "opens": args.opens,
        "seconds_shipped": shipped,
        "seconds_cold": cold,
        "cold_over_shipped_after_first": ratios,
    }
    write_results("apps", result)


if __name__ == "__main__":
    main()
