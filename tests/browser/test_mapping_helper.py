"""The mapping helper in JupyterLab: the sample's vendor exports, a column changed and checked
again, the mapping saved."""

from __future__ import annotations

from tests.browser.conftest import pytestmark  # noqa: F401  (skip without chromium)
from tests.browser.test_frontends import IDLE, dropdown, run_all, shut_down_kernels


def test_the_mapping_helper_checks_a_change_and_saves_the_mapping(lab, browser, workdir, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    try:
        page.goto(f"{lab}/lab/workspaces/helper/tree/import_mapping.ipynb?reset")
        page.wait_for_selector(IDLE, timeout=90_000)
        run_all(page)
        page.wait_for_selector("text=The first 2,000 rows follow the contract.", timeout=240_000)
        dropdown(page, "Export").select_option("CUSTOMER_EXTRACT.csv")
        page.wait_for_selector("td:has-text('Lopez')", timeout=60_000)  # Name1's "LAST,FIRST" split
        page.locator("td:has-text('Lopez')").first.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "helper-customers.png"))
        dropdown(page, "customer_id *").select_option("(none)")
        page.wait_for_selector("text=an export column for the customers table", timeout=60_000)
        page.locator("text=an export column for the customers table").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "helper-problem.png"))
        dropdown(page, "customer_id *").select_option("CustNo")
        page.wait_for_selector("text=The first 2,000 rows follow the contract.", timeout=60_000)
        page.click("button:has-text('Save the mapping')")
        page.wait_for_selector("text=Saved to", timeout=60_000)
        page.screenshot(path=str(tmp_path / "helper-saved.png"))
    finally:
        page.close()
        shut_down_kernels(lab)
    saved = (workdir / "mapping.toml").read_text()
    assert 'customer_id = "CustNo"' in saved and '[files."Activities.txt"]' in saved
