"""The demo's reports in headless Chromium as a dealer prints them and follows their links
(issue 18, items 1, 5 and 8): printed on A4 and Letter nothing runs off the page, and the list
links and the link back to the index lead to files that exist."""

from __future__ import annotations

import pytest

from tests.browser.conftest import pytestmark  # noqa: F401  (skip without chromium)

# The printable width of the page at 96 px per inch, with the stylesheet's 12 mm side margins.
PRINTABLE = {"A4": round((210 - 24) / 25.4 * 96), "Letter": round((8.5 - 24 / 25.4) * 96)}
OVERFLOWING = """() => [...document.querySelectorAll('main table, main .chart, main pre')]
    .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > window.innerWidth + 1)
    .map(e => e.tagName + ': ' + e.innerText.slice(0, 60))"""


@pytest.mark.parametrize("paper", sorted(PRINTABLE))
def test_every_report_prints_without_clipping(demo, browser, tmp_path, paper):
    for report in sorted(demo.glob("*/report.html")):
        page = browser.new_page(viewport={"width": PRINTABLE[paper], "height": 1100})
        page.emulate_media(media="print")
        page.goto(report.as_uri())
        charts = page.locator(".chart").count()
        page.wait_for_function(f"document.querySelectorAll('.chart svg, .chart canvas').length >= {charts}")
        assert page.locator("nav.toc").is_hidden()
        clipped = page.evaluate(OVERFLOWING)
        page.screenshot(path=str(tmp_path / f"{report.parent.name}-{paper}.png"), full_page=True)
        assert not clipped, f"{report.parent.name} on {paper}: {clipped[:3]}"
        page.close()


def test_list_links_and_the_way_back_lead_to_files(demo, browser):
    for report in sorted(demo.glob("*/report.html")):
        page = browser.new_page()
        page.goto(report.as_uri())
        back = page.locator("header a.back")
        assert back.get_attribute("href") == "../index.html"
        for link in page.locator("a.list-link").all():
            target = report.parent / (link.get_attribute("href") or "")
            assert target.is_file(), target
            assert target.name == "campaigns.csv" or target.read_text().startswith("customer_id,")
        page.close()
    page = browser.new_page()
    page.goto((demo / "sold_follow_up" / "report.html").as_uri())
    page.locator("header a.back").click()
    page.wait_for_load_state()
    assert page.url.endswith("/index.html") and page.locator("a[href$='lists/call_list.csv']").count() == 1
    page.close()
