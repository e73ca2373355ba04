"""What a person sees: Playwright driving Debian's Chromium against a real `kb serve`."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.conftest import DATA, POOLED_CLAIM, REPO, add_poolable_outcomes, edit_row, read_csv, running_server

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
    add_poolable_outcomes(data)
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


WIDTHS = {"phone": (390, 844), "desktop": (1400, 900)}

PAGES = {
    "home": "/",
    "claim": "/kb/claims/acne-scar-reduction",
    "article": "/kb/articles/skin-deep-needling",
    "study": "/kb/studies/alam2014",
    "study-long-urls": "/kb/studies/cdc_mmwr2024",
    "evidence-map": "/-/evidence-map",
    "search": "/-/search?q=scar",
    "methods": "/-/methods",
    "check": "/-/check",
    "studies-table": "/kb/studies",
}

WRONG_LABELS = """() => {
  // Every table cell whose phone label (its ::before text) is not its own column's heading.
  const wrong = [];
  for (const td of document.querySelectorAll("td")) {
    const before = getComputedStyle(td, "::before").content;
    if (!before || before === "none" || before === "normal") continue;
    const label = before.replace(/^"|"$/g, "");
    const table = td.closest("table");
    const heading = table.tHead && table.tHead.rows[0].cells[td.cellIndex];
    // Datasette's headings name their column in data-column (their text adds a sort arrow).
    const expected = heading ? (heading.dataset.column || heading.innerText.trim()) : null;
    if (label !== expected) wrong.push({label, expected, cell: td.innerText.slice(0, 40)});
  }
  return wrong;
}"""

CHECK_TEXT = "Microneedling makes acne scars less visible. It is completely painless and has no downtime."


@pytest.fixture(params=list(WIDTHS))
def sized_page(browser, request):
    width, height = WIDTHS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.width_name = request.param
    yield page
    context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_reads_at_phone_and_desktop_width(server, sized_page, name):
    """No page is wider than the screen, and no table cell wears another table's phone label."""
    page = sized_page
    response = page.goto(server + PAGES[name])
    assert response.status == 200
    if name == "check":
        page.get_by_label("Article text").fill(CHECK_TEXT)
        page.get_by_role("button", name="Check").click()
        page.locator("#kb-check-summary").wait_for()
    assert page.evaluate(WRONG_LABELS) == []
    scroll_width, viewport_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= viewport_width, f"{name} is {scroll_width} px wide at {viewport_width} px"
    screenshot(page, f"{name}-{page.width_name}")


def test_claim_cards_on_a_phone_carry_their_own_labels(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server + "/kb/claims/acne-scar-reduction")
    first = page.locator("table.kb-evidence tbody tr").first
    labels = first.locator("td").evaluate_all("tds => tds.map(td => getComputedStyle(td, '::before').content)")
    assert labels == ['"Study"', '"Design (level)"', '"Participants"', '"Population"', '"Directness"', '"Weight"', '"Note"', '"Check it"']
    domains = page.locator("#kb-domains tbody tr").first.locator("td")
    assert domains.evaluate_all("tds => tds.map(td => getComputedStyle(td, '::before').content)") == ['"Domain"', '"Decision"', '"Reason"']
    context.close()


def test_evidence_map_markers_link_to_their_claims(server, page):
    claims = {c["id"]: c["statement"] for c in read_csv(DATA / "claims.csv")}
    for path in ("/-/evidence-map", "/"):
        page.goto(server + path)
        markers = page.locator("#kb-evidence-map a.kb-map-marker")
        hrefs = markers.evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert sorted(hrefs) == sorted(f"/kb/claims/{claim}" for claim in claims)
        labels = markers.all_inner_texts()
        assert sorted(labels) == sorted(claims.values())  # statements, not slugs
    page.locator('#kb-evidence-map a[data-claim="acne-scar-reduction"]').click()
    assert page.get_by_role("heading", level=1).inner_text() == claims["acne-scar-reduction"]


def test_evidence_map_labels_are_readable_on_a_phone(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server + "/-/evidence-map")
    sizes = page.locator("#kb-evidence-map .kb-map-label").evaluate_all(
        "ls => ls.map(l => parseFloat(getComputedStyle(l).fontSize))")
    assert sizes and min(sizes) >= 12
    context.close()


def test_article_highlights_differ_by_verdict_and_name_it_on_focus(server, page):
    from kb import vocab

    page.goto(server + "/kb/articles/skin-deep-needling")
    legend = page.locator("#kb-verdict-legend mark")
    colours = dict(zip(legend.all_inner_texts(), legend.evaluate_all("ms => ms.map(m => getComputedStyle(m).backgroundColor)")))
    assert len(colours) >= 5 and len(set(colours.values())) == len(colours)
    marked = page.locator("#kb-article-text mark.kb-mark-partly_supported a").first
    marked.focus()
    after = marked.evaluate("a => getComputedStyle(a, '::after').content")
    assert after == '" Partly supported"'
    assert marked.get_attribute("title").split(": ")[0].endswith(vocab.VERDICTS.term("partly_supported").label)


ODD_QUERIES = ['"', "'", 'scar"', '"scar', "(", "NEAR(", "AND", "*", "^", "-", "a:b", "<script>x</script>", "💉", "   "]


def test_search_survives_quotes_and_odd_input(server, page):
    for query in ODD_QUERIES:
        page.goto(server + "/")
        page.get_by_label("Search claims and studies").fill(query)
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Search").click()
        assert navigation.value.status == 200, query
        assert page.get_by_role("heading", level=1).inner_text() == "Search claims and studies", query


def test_column_descriptions_are_folded_above_datasette_tables(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(server + "/kb/studies")
    folded = page.locator("details.kb-column-descriptions")
    assert folded.count() == 1 and not folded.get_attribute("open")
    assert page.locator("table.rows-and-columns").bounding_box()["y"] < 900
    assert page.locator("td.col-doi a").first.get_attribute("href").startswith("https://doi.org/10.")
    context.close()


def test_home_to_claim_to_study_and_back(server, page):
    page.goto(server + "/")
    assert page.locator("#kb-evidence-map").is_visible()

    page.locator("#kb-claim-list").get_by_role("link", name="Microneedling makes acne scars less visible.").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Microneedling makes acne scars less visible."
    assert "Verdict:" in page.locator("#kb-verdict").inner_text() and page.locator("#kb-why").is_visible()
    assert page.locator("#kb-findings").is_visible() and page.locator("#kb-robustness-line").is_visible()
    assert "Not yet counted" in page.locator("#kb-not-counted").inner_text()
    evidence = page.locator("table.kb-evidence").all_inner_texts()
    assert any("Efficacy of a needling device for the treatment of acne scars" in table for table in evidence)
    assert "pmid35426044_meta" not in page.locator("#kb-rationale").inner_text()  # cited, not named by id

    page.locator("table.kb-evidence").get_by_role("link", name="Alam et al., 2014").click()
    assert "randomized clinical trial" in page.get_by_role("heading", level=1).inner_text()
    assert "Verified" in page.locator("#kb-verification").inner_text()

    page.locator("#kb-study-claims").get_by_role("link", name="Microneedling makes acne scars less visible.").click()
    assert page.url.endswith("/kb/claims/acne-scar-reduction")


def test_article_page_highlights_every_claim(server, page):
    page.goto(server + "/kb/articles/skin-deep-needling")
    marked = {claim for value in page.locator("#kb-article-text mark").evaluate_all("ms => ms.map(m => m.dataset.claims)")
              for claim in value.split()}
    assert marked == {c["id"] for c in read_csv(DATA / "claims.csv")}
    assert page.locator("#kb-claims-by-verdict").get_by_text("Misleading wording").is_visible()


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


def test_summary_of_findings_and_forest_plot_render(server, sized_page):
    page = sized_page
    width = page.viewport_size["width"]
    page.goto(server + f"/kb/claims/{POOLED_CLAIM}")
    findings = page.locator("#kb-findings")
    assert "Pooled with random effects" in findings.inner_text()
    forest = page.locator("figure.kb-forest img")
    assert forest.count() == 1
    forest.scroll_into_view_if_needed()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", forest.element_handle())
    assert forest.bounding_box()["width"] <= width
    screenshot(page, f"claim-forest-{page.width_name}")
