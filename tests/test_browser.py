"""What a person sees: Playwright driving Debian's Chromium against a real `kb serve`."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.conftest import DATA, REPO, edit_row, read_csv, running_server

ARTIFACTS = REPO / "test-artifacts"
PROBE = '<script>window.kbProbe = 1</script><img src=x onerror="window.kbProbe = 2">'
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real `kb serve` on a free loopback port, with a <script> probe in one note."""
    data = tmp_path_factory.mktemp("browser") / "data"
    shutil.copytree(DATA, data)
    edit_row(data, "claim_evidence.csv", 0, note=PROBE)
    with running_server(data, data.parent / "kb.db") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is required (apt-get install chromium; .ci/run installs it)"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_home_to_claim_to_study_and_back(server, page):
    page.goto(server + "/")
    evidence_map = page.locator("#evidence-map + .kb-map img")
    evidence_map.scroll_into_view_if_needed()
    assert evidence_map.is_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", evidence_map.element_handle())
    screenshot(page, "home")

    page.locator("#kb-claim-list").get_by_role("link", name="Microneedling makes acne scars less visible.").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Microneedling makes acne scars less visible."
    assert "Partly supported" in page.locator("#kb-verdict").inner_text()
    evidence = page.locator("table.kb-evidence").all_inner_texts()
    assert any("Efficacy of a needling device for the treatment of acne scars" in table for table in evidence)
    screenshot(page, "claim")

    page.get_by_role("link", name="Efficacy of a needling device for the treatment of acne scars: a randomized clinical trial").first.click()
    assert "randomized clinical trial" in page.get_by_role("heading", level=1).inner_text()
    assert "Verified" in page.locator("#kb-verification").inner_text()
    screenshot(page, "study")

    page.locator("#kb-study-claims").get_by_role("link", name="Microneedling makes acne scars less visible.").click()
    assert page.url.endswith("/kb/claims/acne-scar-reduction")


def test_article_page_highlights_every_claim(server, page):
    page.goto(server + "/kb/articles/skin-deep-needling")
    marked = {claim for value in page.locator("#kb-article-text mark").evaluate_all("ms => ms.map(m => m.dataset.claims)")
              for claim in value.split()}
    assert marked == {c["id"] for c in read_csv(DATA / "claims.csv")}
    assert page.locator("#kb-claims-by-verdict").get_by_text("Misleading wording").is_visible()
    screenshot(page, "article")


def test_search_for_scar_finds_the_scar_claims(server, page):
    page.goto(server + "/")
    page.get_by_label("Search claims and studies").fill("scar")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/-/search\?q=scar"))
    found = page.locator("#kb-claim-results").inner_text()
    for statement in ("acne scars less visible", "surgical scars less visible", "remodels scar tissue"):
        assert statement in found


def test_claim_summary_faceted_by_verdict(server, page):
    page.goto(server + "/kb/claim_summary")
    facet = page.locator('.facet-info[data-column="verdict"]')
    assert facet.is_visible()
    facet.get_by_role("link", name="Supported", exact=True).click()
    page.wait_for_url(re.compile(r"verdict=supported"))
    verdicts = page.locator("td.col-verdict").all_inner_texts()
    assert verdicts and all("supported" in v.lower() and "partly" not in v.lower() for v in verdicts)


def test_script_probe_is_shown_as_text(server, page):
    page.goto(server + "/kb/claims/acne-scar-reduction")
    assert page.evaluate("window.kbProbe") is None
    assert page.get_by_text("<script>window.kbProbe = 1</script>", exact=False).count() >= 1
