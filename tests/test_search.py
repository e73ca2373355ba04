"""Site search (/-/search): any input is safe, the field's synonyms find their claims, studies by population and abstract."""

from __future__ import annotations

import re

import pytest

from kb import vocab
from kb.build import build
from kb.web.search import MAX_WORDS, parse
from kb.web.serve import make_datasette
from tests.conftest import REPO, edit_row, read_csv

ODD_INPUTS = ['"', '""', "'", "(", ")", "scar)", "((scar", "*", "scar*", "NEAR", "NEAR(scar collagen, 2)", "-", "- scar",
              "-scar", "scar -acne", "OR", "AND NOT", "scar AND", "^scar", "claims_fts:scar", "quote:scar", "{quote}: scar",
              "café ünïcode", "中文", "😀", "\\", "%", "scar ; DROP TABLE claims", "x" * 5000, " ".join(["scar"] * 300)]


@pytest.fixture
def datasette(built_db):
    return make_datasette(built_db, REPO / "metadata.json")


async def search(ds, text: str) -> tuple[list[str], list[str], list[str], str]:
    response = await ds.client.get("/-/search", params={"q": text})
    assert response.status_code == 200, text
    html = response.text
    claims = re.findall(r'<li><a href="/kb/claims/([^"]+)"', html)
    studies = re.findall(r'<li><a href="/kb/studies/([^"]+)"', html)
    return claims, studies, re.findall(r'kb-search-message">([^<]*)<', html), html


@pytest.mark.parametrize("text", ODD_INPUTS)
def test_a_query_reaches_fts5_only_as_quoted_words_and_synonym_groups(text):
    match = parse(text).match
    assert re.fullmatch(r'(\((?:"[^"]+"(?: OR "[^"]+")*)\)|"[^"\W_]+")(?: AND (\((?:"[^"]+"(?: OR "[^"]+")*)\)|"[^"\W_]+"))*|', match), match


@pytest.mark.parametrize("text", ODD_INPUTS)
async def test_any_input_gives_results_or_a_friendly_message(datasette, text):
    claims, studies, messages, html = await search(datasette, text)
    assert claims or studies or messages or "No claim matches" in html
    assert "Traceback" not in html and "syntax error" not in html


async def test_punctuation_alone_is_told_to_type_words(datasette):
    for text in ('"', "(", "*", "-", "😀"):
        claims, studies, messages, _ = await search(datasette, text)
        assert not claims and not studies and messages and "no words to search for" in messages[0]


async def test_very_long_queries_search_the_first_words_and_say_so(datasette):
    assert len(parse(" ".join(["scar"] * 300)).parts) == MAX_WORDS
    claims, _, messages, _ = await search(datasette, " ".join(["scar"] * 300))
    assert "acne-scar-reduction" in claims and messages == [f"Only the first {MAX_WORDS} words were searched."]


async def test_operators_are_words_and_punctuation_is_ignored(datasette):
    plain = (await search(datasette, "scar"))[:2]
    for text in ('"scar', "scar)", "- scar", "scar*", "^scar"):
        assert (await search(datasette, text))[:2] == plain, text


@pytest.mark.parametrize("text, claim", [
    ("PIH", "pih-darker-skin"),
    ("post-inflammatory hyperpigmentation", "pih-darker-skin"),
    ("postinflammatory hyperpigmentation", "pih-darker-skin"),
    ("CIT", "collagen-induction"),
    ("collagen induction therapy", "collagen-induction"),
    ("percutaneous collagen induction", "collagen-induction"),
    ("dermaroller", "acne-scar-reduction"),
    ("derma roller", "acne-scar-reduction"),
    ("derma pen", "acne-scar-reduction"),
    ("dermapen", "acne-scar-reduction"),
    ("skin needling", "acne-scar-reduction"),
    ("dark marks", "hyperpigmentation-treatment"),
    ("discoloration", "hyperpigmentation-treatment"),
    ("striae", "stretch-mark-reduction"),
    ("erythema", "transient-irritation"),
    ("skin of color", "pih-darker-skin"),
    ("PIH darker skin", "pih-darker-skin"),
])
async def test_abbreviations_and_synonyms_find_their_claims(datasette, text, claim):
    claims, _, _, html = await search(datasette, text)
    assert claim in claims
    assert 'id="kb-search-synonyms"' in html


async def test_words_as_typed_rank_first(datasette):
    claims, _, _, _ = await search(datasette, "collagen induction therapy")
    assert claims[0] == "collagen-induction"
    claims, _, _, _ = await search(datasette, "dermaroller")
    assert len(claims) > 10  # every claim about the procedure, under any of its names


async def test_a_query_without_a_row_having_every_word_falls_back_to_any_word(datasette):
    claims, _, messages, _ = await search(datasette, "scar zzyzx")
    assert "acne-scar-reduction" in claims and "contain some of them" in messages[0]


def test_the_synonyms_vocabulary_is_complete():
    names = {name.lower() for term in vocab.SEARCH_SYNONYMS.terms for name in term.extra["synonyms"].split("|")}
    assert {"pih", "post-inflammatory hyperpigmentation", "cit", "collagen induction therapy", "dermaroller", "derma pen",
            "percutaneous collagen induction", "skin needling", "dermapen"} <= names
    assert all(term.description for term in vocab.SEARCH_SYNONYMS.terms)


async def test_the_synonyms_are_published_as_a_lookup_table(datasette):
    rows = (await datasette.client.get("/kb/search_synonyms.json?_shape=array")).json()
    pih = next(r for r in rows if r["value"] == "pih")
    assert "post-inflammatory hyperpigmentation" in pih["synonyms"] and pih["description"]
    _, _, _, html = await search(datasette, "PIH")
    assert '<a href="/kb/search_synonyms/pih"' in html


async def test_studies_are_found_by_population_and_abstract(data_copy, tmp_path):
    studies = read_csv(data_copy / "studies.csv")
    edit_row(data_copy, "studies.csv", 0, abstract="We treated periorbital zygomycete lesions.")
    edit_row(data_copy, "studies.csv", 1, population="Forty quarrymen with facial scars.")
    db = tmp_path / "kb.db"
    build(data_copy, db)
    ds = make_datasette(db, REPO / "metadata.json")
    assert (await search(ds, "zygomycete"))[1] == [studies[0]["id"]]
    assert (await search(ds, "quarrymen"))[1] == [studies[1]["id"]]
