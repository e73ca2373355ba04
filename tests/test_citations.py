"""Citations: author and year from the verified record (citeproc-py, Harvard CSL), never invented."""

from __future__ import annotations

from kb.citations import _rendered, cite, link_cited
from tests.conftest import DATA, read_csv

STUDIES = {row["id"]: row for row in read_csv(DATA / "studies.csv")}


def cited(*ids: str) -> list[str]:
    return [c.text for c in cite(STUDIES[i] for i in ids)]


def test_people_are_cited_by_surname_and_year():
    assert cited("alam2014", "alstergraham2018", "cary2019", "ablon2018") == [
        "Alam et al., 2014", "Alster and Graham, 2018", "Cary, Li and Maibach, 2019", "Ablon, 2018"]


def test_an_author_list_ending_in_et_al_is_cited_with_et_al():
    assert cited("budamakuntla2013", "cdc_mmwr2024") == ["Budamakuntla et al., 2013", "Stadelman-Behar et al., 2024"]


def test_agencies_are_cited_by_name_and_year_without_the_verifiers_notes():
    assert cited("fda2018_classification", "fda_guidance2020") == [
        "U.S. Food and Drug Administration, 2018", "U.S. Food and Drug Administration, 2020"]


def test_unconfirmed_fields_are_said_to_be_unconfirmed_not_invented():
    no_year, no_author, nothing = cite([dict(STUDIES["alqarqaz_darkskin"], year=""), STUDIES["jcd2023_wrinkles"], STUDIES["pmid35426044_meta"]])
    assert no_year.text == "Al Qarqaz and Al Yousef, no date" and not no_year.confirmed
    assert no_author.text.startswith("“Efficacy and tolerability of a microneedling device") and no_author.text.endswith(", 2023")
    assert not no_author.confirmed
    assert nothing.text == "Unconfirmed source (PMID 35426044), no date" and not nothing.confirmed
    assert cite([STUDIES["alam2014"]])[0].confirmed


def test_citations_link_to_the_study_page_with_the_record_escaped():
    probe = {"id": "probe", "first_author": "", "authors": "", "year": 2020, "title": "<script>alert(1)</script> & more"}
    alam, unsafe = (c.link(f"/kb/studies/{c.study_id}") for c in cite([STUDIES["alam2014"], probe]))
    assert alam == '<a class="kb-cite" href="/kb/studies/alam2014" title="alam2014">Alam <i>et al.</i>, 2014</a>'
    assert "<script>" not in unsafe and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in unsafe


def test_a_study_is_cited_the_same_whatever_it_is_cited_beside():
    """Citations are rendered one study at a time (and kept): a page citing a hundred sources renders each once."""
    together = cite(STUDIES.values())
    assert [c.text for c in together] == [cite([study])[0].text for study in STUDIES.values()]
    assert [c.html for c in together] == [cite([study])[0].html for study in STUDIES.values()]
    hits = _rendered.cache_info().hits
    cite(STUDIES.values())
    assert _rendered.cache_info().hits == hits + len(STUDIES)


def test_ids_and_citations_in_a_sentence_become_linked_citations():
    rows = [STUDIES["alam2014"], STUDIES["ishfaq2022"]]
    html = link_cited("The strongest sources are alam2014 and Ishfaq et al., 2022 <b>.", cite(rows), lambda i: f"/s/{i}")
    assert html == ('The strongest sources are <a class="kb-cite" href="/s/alam2014" title="alam2014">Alam <i>et al.</i>, 2014</a> '
                    'and <a class="kb-cite" href="/s/ishfaq2022" title="ishfaq2022">Ishfaq <i>et al.</i>, 2022</a> &lt;b&gt;.')
    assert link_cited("alam2014x is not an id", cite(rows), lambda i: i) == "alam2014x is not an id"
