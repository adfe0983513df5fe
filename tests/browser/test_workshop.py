"""The workshop as a room uses it (issue 18, items 7 and 8): it opens on a landing page that leads
to every app and to the facilitator's guide, apps open on kernels kept ready, and a closed app
gives its kernel back."""

from __future__ import annotations

import time

import psutil
import pytest

from tests.browser.conftest import _serve, free_port, pytestmark  # noqa: F401  (skip without chromium)
from tests.browser.test_frontends import open_app
from tests.processes import is_kernel
from toolkit.playbooks import REGISTRY
from toolkit.running.workspace import REFILL_SECONDS, prepare_workshop, voila_args


@pytest.fixture(scope="module")
def workshop(tmp_path_factory):
    """A workshop folder of the sample store served exactly as ``playbook workshop`` serves it."""
    folder = prepare_workshop(tmp_path_factory.mktemp("workshop"), ["mixed"])
    port = free_port()
    proc = _serve(
        voila_args(folder, port, open_browser=False), f"http://127.0.0.1:{port}/voila/tree", folder / "voila.log"
    )
    yield f"http://127.0.0.1:{port}", proc, folder / "voila.log"
    proc.terminate()
    proc.wait(30)


def kernels(proc) -> int:
    """The kernels the workshop's server is running now; one that has just exited (a zombie not
    yet reaped, or gone) is not running."""
    running = 0
    for child in psutil.Process(proc.pid).children(recursive=True):
        try:
            running += is_kernel(child) and child.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:  # ZombieProcess included
            continue
    return running


def settled_kernels(proc, quiet: float = REFILL_SECONDS + 3.0, timeout: float = 120.0) -> int:
    """The kernel count once it has held still for ``quiet`` seconds: earlier pages' kernels shut
    down and the ready kernels they took replaced (which Voila starts REFILL_SECONDS later)."""
    deadline, count, since = time.monotonic() + timeout, kernels(proc), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = kernels(proc)
        if now != count:
            count, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return count


def test_the_workshop_opens_on_a_landing_page_that_leads_everywhere(workshop, browser, tmp_path):
    url, _, _ = workshop
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        open_app(page, f"{url}/voila/render/Welcome.ipynb", "text=Relationship playbooks workshop")
        for playbook in REGISTRY.values():
            assert page.locator(f"h3:has-text('{playbook.title}')").count() == 1
        assert page.locator("text=Lakeside Toyota").count() >= len(REGISTRY)
        page.screenshot(path=str(tmp_path / "landing.png"), full_page=True)
        with page.expect_navigation():
            page.locator("a:has-text('the guide')").click()
        assert "Facilitator" in page.title() and page.locator("text=Agenda").count() >= 1
        page.go_back()
        page.locator(f"a[href='mixed/{next(iter(REGISTRY))}.ipynb']").click()
        page.wait_for_url("**/mixed/*.ipynb", wait_until="commit")  # Voila streams the page as it runs
        page.wait_for_selector("text=What to do next", timeout=120_000)
        assert "Traceback" not in page.inner_text("body")
    finally:
        page.close()


def test_an_app_opens_on_a_kernel_kept_ready_except_the_survey_results(workshop, browser):
    url, _, log = workshop
    page = browser.new_page()
    try:
        open_app(page, f"{url}/voila/render/mixed/sold_follow_up.ipynb", ".widget-dropdown")
        assert "Traceback" not in page.inner_text("body")
    finally:
        page.close()
    said = log.read_text()
    assert "Using pre-heated kernel" in said and "for mixed/sold_follow_up.ipynb" in said
    assert "Kernel pool of mixed/sold_follow_up.ipynb is filled" in said
    assert "Kernel pool of mixed/cx_alignment.ipynb" not in said  # it shows the answers given so far


def test_a_closed_app_gives_its_kernel_back(workshop, browser):
    url, proc, _ = workshop
    before = settled_kernels(proc)
    page = browser.new_page()
    open_app(page, f"{url}/voila/render/mixed/cx_alignment.ipynb", "button:has-text('Submit my answers')")
    assert kernels(proc) == before + 1
    page.goto("about:blank")  # the page unloads, as when a participant closes the tab
    page.close()
    deadline = time.monotonic() + 30
    while kernels(proc) > before and time.monotonic() < deadline:
        time.sleep(0.5)
    assert kernels(proc) == before, "the closed app's kernel is still running"


def test_an_apps_charts_share_one_copy_of_vega_served_beside_it(workshop, browser):
    """Every chart of an app draws with the one module Voila serves (each used to carry its own
    0.9 MB copy of Vega in the widget state), and charts drawn again after a filter still draw."""
    url, _, _ = workshop
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if r.url.endswith("/playbook-charts.js") else None)
    drawn = "document.querySelectorAll('.vega-embed svg, .vega-embed canvas').length"
    try:
        open_app(page, f"{url}/voila/render/mixed/reciprocity.ipynb", ".widget-dropdown")
        page.wait_for_function(f"{drawn} >= 5", timeout=60_000)
        page.locator(".widget-dropdown:has(label:text-is('Channel')) select").first.select_option("sms")
        page.locator(".jp-OutputArea-output:has-text('outbound touches for channel sms,')").first.wait_for()
        page.wait_for_function(f"{drawn} >= 5", timeout=60_000)
        assert fetched == [f"{url}/voila/files/mixed/playbook-charts.js"]
        assert "JavaScript Error" not in page.inner_text("body")
    finally:
        page.close()


def test_a_server_that_withholds_the_charts_module_gets_a_sentence_not_blank_charts(tmp_path, browser):
    """Served some other way (plain Voila, which sends no scripts from the folder), an app's charts
    each say what is wrong instead of leaving empty space."""
    from toolkit.presentation.charts import NOT_SERVED

    folder = prepare_workshop(tmp_path / "workshop", ["mixed"])
    port = free_port()
    args = [a for a in voila_args(folder, port, open_browser=False, ready=0) if "file_allowlist" not in a]
    proc = _serve(args, f"http://127.0.0.1:{port}/voila/tree", folder / "voila.log")
    page = browser.new_page()
    try:
        open_app(page, f"http://127.0.0.1:{port}/voila/render/mixed/reciprocity.ipynb", ".widget-dropdown")
        page.locator(f"text={NOT_SERVED}").first.wait_for(timeout=60_000)
        assert page.locator(f"text={NOT_SERVED}").count() >= 5
    finally:
        page.close()
        proc.terminate()
        proc.wait(30)
