"""Reports built from hostile data, loaded in headless Chromium: no payload runs, every chart draws
(issue 22; the pages themselves are checked in tests/test_hostile_input.py)."""

from __future__ import annotations

from tests.browser.conftest import pytestmark  # noqa: F401  (skip without chromium)
from tests.test_hostile_input import pages


def test_no_payload_runs_in_a_browser(hostile_reports, browser):
    for path in pages(hostile_reports):
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
        page.goto(path.as_uri())
        charts = page.locator(".chart").count()
        try:  # every chart draws (the page's own scripts run) ...
            page.wait_for_function(
                f"document.querySelectorAll('.chart svg, .chart canvas').length >= {charts}", timeout=30_000
            )
        except Exception:
            raise AssertionError(f"{path}: a chart did not draw") from None
        page.wait_for_timeout(500)  # ... and a payload would have had its chance to run
        for link in page.locator("a").all():
            assert not (link.get_attribute("href") or "").lower().startswith("javascript")
        assert page.title() != "pwned" and not dialogs, path
        page.close()
