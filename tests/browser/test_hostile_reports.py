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
        page.wait_for_timeout(1000)
        for link in page.locator("a").all():
            assert not (link.get_attribute("href") or "").lower().startswith("javascript")
        assert page.title() != "pwned" and not dialogs, path
        drawn = page.locator(".chart svg, .chart canvas").count()
        assert drawn == page.locator(".chart").count(), f"{path}: a chart did not draw"
        page.close()
