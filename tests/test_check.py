"""kb check: known claims in new text, negation, overstatement flags, unknown claims, inputs, formats."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections import Counter

import pytest
from click.testing import CliRunner

from kb import vocab

from kb.check import CheckInputError, Matcher, check_text, evaluate, read_input, split_sentences
from kb.check.report import render_text
from kb.cli import cli
from kb.web.serve import make_datasette
from tests.conftest import DATA, REPO, read_csv

SEED = DATA / "articles" / "skin-deep-needling.txt"

# Sentences of the seed article that restate other claims besides their own (accepted co-matches).
ACCEPTED_RESTATEMENTS = {
    "4. Treatment of Hyperpigmentation": {"scar-tissue-remodelling"},  # "by promoting cell turnover"
    "Micro needling has gained significant popularity": {"wrinkle-reduction"},  # "rejuvenate the skin, reduce signs of aging"
    "Depending on the desired outcome": {"acne-scar-reduction", "wrinkle-reduction", "hyperpigmentation-treatment",
                                         "scar-tissue-remodelling"},  # "...and uneven skin texture"
    "Increased collagen production can help": {"collagen-induction", "scar-tissue-remodelling"},  # "a smoother texture"
    "By stimulating collagen production": {"collagen-induction", "product-absorption", "acne-scar-reduction",  # "...of scars"
                                           "scar-tissue-remodelling"},  # "smoother, more radiant skin"
    "2. Risk of Infection": {"hygiene-reduces-infection"},
    "While micro needling in Calgary": {"who-performs"},  # "when performed by trained professionals"  # "...if proper sterilization techniques are not followed"
}

FLAG_EXAMPLES = {
    "no-downtime": "Walk out with zero downtime after your session.",
    "no-side-effects": "The procedure has no side effects at all.",
    "no-risk": "Microneedling is risk-free in our hands.",
    "safe-all-skin-types": "It is safe for all skin types and tones.",
    "works-for-everyone": "This treatment works for everyone.",
    "guaranteed": "Visible improvement is guaranteed.",
    "permanent": "The smoothing effect is permanent.",
    "non-invasive": "A gentle, non-invasive way to renew your skin.",
    "collagen-percentage": "Needling raises collagen levels by 400% in a month.",
    "clinically-proven": "A clinically proven method for scars.",
    "painless": "The session is virtually painless.",
    "instant-results": "Enjoy instant results on your wedding day.",
    "cure": "Our protocol eliminates acne scars.",
    "multiplied-effect": "It works ten times better than creams.",
}

# How marketing copy phrases overclaims without the flags' first keywords, and near misses that must not fire.
BROADER_WORDINGS = [
    ("no-downtime", "You can go straight back to work right after your appointment."),
    ("no-downtime", "There is little to no recovery time."),
    ("non-invasive", "Get a fresher face without resorting to invasive procedures."),
    ("non-invasive", "A gentle alternative to invasive surgery."),
    ("cure", "Microneedling can cure melasma."),
    ("cure", "Old acne marks simply fade away."),
    ("cure", "Say goodbye to stretch marks."),
    ("multiplied-effect", "Our pen is 5x more effective than a roller."),
    ("multiplied-effect", "Serums absorb 300% better after a session."),
    ("no-risk", "With sterile tips there is zero chance of infection."),
    ("instant-results", "You will see results immediately."),
    ("permanent", "Your skin stays smooth forever."),
    ("painless", "You won't feel a thing."),
    ("guaranteed", "You'll see real results after your course."),
    ("guaranteed", "We know you will be obsessed with your glowing results."),
    ("guaranteed", "Smoother skin is, without a doubt, achievable."),
    ("guaranteed", "100% satisfaction or your next session is free."),
    ("instant-results", "Mild texture problems may only need one session."),
    ("instant-results", "After just one micro-needling session, pores look smaller."),
    ("instant-results", "A brighter complexion from the very first use."),
    ("instant-results", "Have it done in the evening and wake up glowing."),
    ("no-downtime", "It renews the skin without heat, downtime or burns."),
    ("no-downtime", "There is nothing to heal afterwards."),
    ("no-downtime", "No one will ever guess you had a treatment."),
    ("painless", "With numbing cream, pain is minimal or nonexistent."),
    ("painless", "The only sensation you should feel is light pressure."),
    ("painless", "It feels like a gentle massage."),
    ("works-for-everyone", "Everyone should give this treatment a go."),
    ("works-for-everyone", "Anyone can use a roller at home."),
    ("no-risk", "This procedure is very harmless to your skin."),
    ("cure", "Book now and rid of your acne scars."),
    ("permanent", "No more pitted cheeks, ever."),
    ("multiplied-effect", "Needling triples the power of your serum."),
    ("cure", "It is praised for eliminating dark spots and rough texture."),
    ("clinically-proven", "It has been clinically shown to soften stretch marks."),
    ("clinically-proven", "The treatment's scientific backing is strong."),
    ("guaranteed", "You will see a reduction in fine lines."),
    ("guaranteed", "Once you heal, you'll have smoother, more radiant skin."),
    ("no-downtime", "The treatment does not involve any incisions or downtime."),
    ("no-risk", "It renews the skin without the risk of hyper or hypo-pigmentation."),
    ("multiplied-effect", "After needling, your skin is a thousand times more absorbent."),
    ("multiplied-effect", "Serum absorption goes up by almost 80% after a session."),
    ("multiplied-effect", "Needling plus serum gave a 40 percent improvement over serum alone."),
    ("clinically-proven", "The benefits of microneedling are well researched."),
    ("clinically-proven", "The method is supported by numerous studies."),
    ("painless", "Honestly, the sessions don't hurt."),
    ("painless", "With numbing cream applied first, it shouldn't be painful."),
    ("painless", "There is almost no sensation during the treatment."),
    ("no-downtime", "Expect little to no 'downtime' after a light session."),
    ("no-risk", "Done properly, it does not pose any risk of permanent scarring."),
    ("multiplied-effect", "Up to 70 percent more of your serum reaches the deeper skin."),
    ("works-for-everyone", "Good news: micro-needling can be used on everyone!"),
    ("no-side-effects", "In the case series there were no reported side effects."),
    ("cure", "Book a course and get rid of those skin imperfections."),
    ("no-risk", "Done at the right depth, it doesn't cause any harm to the skin."),
    ("painless", "We numb the area first, so you don't have to worry about pain."),
    ("no-side-effects", "Our protocol smooths lip lines without any adverse side effects."),
    ("cure", "Scar removal, the gentle way: book your first dermaroller session."),
    ("safe-all-skin-types", "Unlike lasers, microneedling is ideal for both fair and dark skin."),
    ("guaranteed", "Your skin will definitely show an improvement over time."),
    ("no-risk", "It does absolutely no damage to the skin."),
    ("painless", "Don't worry, it's not a bit painful."),
    ("instant-results", "A single session of needling makes your skin look plumper."),
    ("cure", "Regular sessions can often make them disappear."),
    ("no-risk", "The single-use sleeve eliminates the possibility of cross-infection."),
]
NEAR_MISSES = [
    "Most people return to work the next day with some redness.",
    "Microneedling is less invasive than laser resurfacing.",
    "Unlike more invasive procedures, it needs only a numbing cream.",
    "Swelling usually settles within two days.",
    "Results build over three to six sessions, a month apart.",
    "The serum is absorbed better through the channels.",
    "Infection is rare when the tools are sterile.",
    "You will likely be red and sensitive for a day or two.",
    "Collagen makes up 75% of our skin.",
    "The scars I had been hiding under concealer forever are barely visible now.",
    "Many side effects can be minimised or eliminated through good preparation.",
    "Results build without the need for time off in most cases, though you may be pink for a day.",
    "While you'll notice an initial glow, the biggest improvements appear over four to six weeks.",
    "Is it really a miracle cure for acne scars? Not quite, but it softens them.",
    "After soaking the roller, shake it to eliminate excess alcohol.",
    "The skin is numbed first to eliminate or at least decrease pain.",
    "The results do not show immediately; they build over several weeks.",
    "Collagen takes time to form, so results appear gradually rather than overnight.",
    "Severe acne can result in permanent scars.",
    "The study found no complications except mild redness for a day.",
    "It also doesn't hurt that the pen looks sleek on a bathroom shelf.",
    "Almost everyone has a scar or two somewhere on the body.",
    "The session takes an hour, with no significant downtime.",
    "Start by cleansing the area to eradicate impurities and oils.",
    "The treatment eliminates the top layer of dull skin cells.",
]
NEUTRAL = "Microneedling is a cosmetic procedure that some clinics offer, and people should discuss it with a dermatologist."


@pytest.fixture(scope="module")
def matcher(built_db):
    return Matcher.from_database(built_db)


def test_seed_article_every_claim_is_found_at_its_own_span(matcher):
    report = check_text(SEED.read_text(encoding="utf-8"), matcher)
    for claim in read_csv(DATA / "claims.csv"):
        start, end = int(claim["quote_start"]), int(claim["quote_end"])
        overlapping = [f for f in report.findings if f.sentence.start < end and start < f.sentence.end]
        assert any(m.claim_id == claim["id"] and m.direction == "asserts" for f in overlapping for m in f.claims), claim["id"]


def test_seed_article_no_sentence_is_matched_to_a_wrong_claim(matcher):
    claims = read_csv(DATA / "claims.csv")
    report = check_text(SEED.read_text(encoding="utf-8"), matcher)
    for finding in report.findings:
        s = finding.sentence
        own = {c["id"] for c in claims if int(c["quote_start"]) < s.end and s.start < int(c["quote_end"])}
        accepted = next((extra for prefix, extra in ACCEPTED_RESTATEMENTS.items() if s.text.startswith(prefix)), set())
        assert {m.claim_id for m in finding.claims} <= own | accepted, s.text


def test_seed_article_report_carries_verdicts_and_offsets(matcher, built_db):
    text = SEED.read_text(encoding="utf-8")
    report = check_text(text, matcher)
    for finding in report.findings:
        assert text[finding.sentence.start:finding.sentence.end] == finding.sentence.text
    non_invasive = next(m for f in report.findings for m in f.claims if m.claim_id == "non-invasive")
    assert (non_invasive.verdict, non_invasive.certainty) == ("misleading_wording", "very_low")
    assert non_invasive.sources and non_invasive.sources[0]["title"]
    summary = report.summary()
    assert summary["claims_found"] == len(read_csv(DATA / "claims.csv")) and summary["flags"] == 1


@pytest.mark.parametrize("flag_id", sorted(FLAG_EXAMPLES))
def test_each_flag_fires_on_its_wording_and_not_on_a_neutral_sentence(matcher, flag_id):
    fired = {h.flag_id for f in check_text(FLAG_EXAMPLES[flag_id], matcher).findings for h in f.flags}
    assert flag_id in fired
    assert not [h for f in check_text(NEUTRAL, matcher).findings for h in f.flags]


@pytest.mark.parametrize("flag_id, sentence", BROADER_WORDINGS)
def test_flags_catch_how_marketing_copy_phrases_overclaims(matcher, flag_id, sentence):
    assert flag_id in {h.flag_id for f in check_text(sentence, matcher).findings for h in f.flags}


@pytest.mark.parametrize("sentence", NEAR_MISSES)
def test_flags_stay_quiet_on_accurate_wording(matcher, sentence):
    assert not [h.flag_id for f in check_text(sentence, matcher).findings for h in f.flags]


def test_every_flag_in_the_data_has_an_example():
    assert {f["id"] for f in read_csv(DATA / "overstatement_flags.csv")} == set(FLAG_EXAMPLES)


def test_negated_flag_wording_does_not_fire(matcher):
    assert not [h for f in check_text("Microneedling may not be suitable for everyone.", matcher).findings for h in f.flags]


def test_negation_reverses_the_direction(matcher):
    (finding,) = check_text("Microneedling does not cause hyperpigmentation in darker skin.", matcher).findings
    assert [(m.claim_id, m.direction) for m in finding.claims] == [("pih-darker-skin", "denies")]
    (finding,) = check_text("People with darker skin may develop hyperpigmentation after microneedling.", matcher).findings
    assert [(m.claim_id, m.direction, m.hedged) for m in finding.claims] == [("pih-darker-skin", "asserts", True)]


def test_headings_name_topics_without_asserting_them(matcher):
    report = check_text("Collagen Induction Therapy\nIt boosts collagen production.", matcher)
    assert [(f.sentence.text, [m.claim_id for m in f.claims]) for f in report.findings] == [
        ("It boosts collagen production.", ["collagen-induction"])]


def test_unknown_health_claims_are_listed_for_curation(matcher):
    report = check_text("Microneedling also shrinks enlarged pores and tightens sagging jowls. See our prices.", matcher)
    assert [c.text for c in report.candidates] == ["Microneedling also shrinks enlarged pores and tightens sagging jowls."]


def test_labelled_set_quality(matcher):
    passages = json.loads((REPO / "tests" / "fixtures" / "check" / "labelled.json").read_text())
    result = evaluate(passages, matcher)
    assert len(passages) >= 10
    assert result["claims"]["precision"] >= 0.9 and result["claims"]["recall"] >= 0.9, result["misses"]
    assert result["flags"]["precision"] >= 0.9 and result["flags"]["recall"] >= 0.9, result["misses"]


def test_sentences_keep_offsets_and_skip_abbreviations_and_list_numbers():
    text = "1. Collagen: it works, e.g. in Dr. Smith's trial. Results vary!\nNext line here"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == ["1. Collagen: it works, e.g. in Dr. Smith's trial.", "Results vary!", "Next line here"]
    assert all(text[s.start:s.end] == s.text for s in sentences)


def test_html_yields_only_the_article_text():
    page = b"""<!DOCTYPE html><html><head><title>T</title><style>p {color: red}</style><script>var claim = "cures acne";</script></head>
    <body><nav><a href="/">Home</a> | <a href="/book">Book now</a></nav><header>Clinic header</header>
    <article><h1>About microneedling</h1><p>It is <b>minimally invasive</b>.</p><p>Results vary between people.</p></article>
    <aside>Sidebar promotion</aside><footer>Copyright clinic</footer><noscript>Enable JS</noscript></body></html>"""
    text, is_html = read_input(page)
    assert is_html
    assert text == "About microneedling\nIt is minimally invasive.\nResults vary between people."


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"   \n\t ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    (b"<html><body><script>x()</script></body></html>", "no visible text"),
])
def test_inputs_that_cannot_be_checked_get_a_clear_message(data, message):
    with pytest.raises(CheckInputError, match=message):
        read_input(data)


def test_a_20_mb_file_gets_a_clear_message_quickly(tmp_path, built_db):
    big = tmp_path / "big.txt"
    big.write_bytes(b"Microneedling boosts collagen. " * 650_000)
    start = time.monotonic()
    result = CliRunner().invoke(cli, ["check", "--data", str(DATA), "--db", str(built_db), str(big)])
    assert result.exit_code == 1 and "at most 10 MB" in result.output and "Traceback" not in result.output
    assert time.monotonic() - start < 30


def test_cli_formats_and_standard_input(built_db):
    runner = CliRunner()
    args = ["check", "--data", str(DATA), "--db", str(built_db)]
    text = "Our facial is non-invasive. Microneedling boosts collagen production."
    as_json = json.loads(runner.invoke(cli, [*args, "--format", "json", "-"], input=text).output)
    assert as_json["summary"]["flags"] == 1
    assert [m["claim_id"] for f in as_json["findings"] for m in f["claims"]] == ["non-invasive", "collagen-induction"]
    markdown = runner.invoke(cli, [*args, "--format", "markdown", "-"], input=text).output
    assert markdown.startswith("# Check of") and "FLAG Non-invasive" in markdown
    page = runner.invoke(cli, [*args, "--format", "html", "-"], input="<p>It is non-invasive &lt;script&gt;alert(1)&lt;/script&gt;.</p>").output
    assert "<script>alert" not in page and "&lt;script&gt;" in page


async def test_check_page_in_datasette(built_db):
    ds = make_datasette(built_db, REPO / "metadata.json")
    form = await ds.client.get("/-/check")
    assert form.status_code == 200 and 'name="csrftoken"' in form.text
    token = re.search(r'name="csrftoken" value="([^"]+)"', form.text).group(1)
    response = await ds.client.post("/-/check", data={"text": "Zero downtime and safe for all skin types. <script>alert(1)</script>", "csrftoken": token},
                                    cookies={"ds_csrftoken": form.cookies["ds_csrftoken"]})
    assert response.status_code == 200
    assert "No downtime" in response.text and "Safe for all skin types" in response.text
    assert "<script>alert(1)" not in response.text
    forged = await ds.client.post("/-/check", data={"text": "forged", "csrftoken": "not-the-token"},
                                  cookies={"ds_csrftoken": form.cookies["ds_csrftoken"]})
    assert forged.status_code == 403


MARKETING = ("Our microneedling facial is non-invasive. It visibly softens acne scars. "
             "People with darker skin can get post-inflammatory hyperpigmentation after it.")


def verdict_label(db, claim_id: str) -> str:
    """The published verdict's label: the checker's summary must name it as it is, whatever the data make it."""
    verdict = sqlite3.connect(db).execute("SELECT verdict FROM claim_summary WHERE claim_id = ?", (claim_id,)).fetchone()[0]
    return vocab.VERDICTS.term(verdict).label


def expected_counts(db, claim_ids) -> list[tuple[str, int]]:
    """(label, claims) per verdict, most favourable first, as the summary lists them."""
    counts = Counter(verdict_label(db, c) for c in claim_ids)
    ranked = sorted(vocab.VERDICTS.terms, key=lambda t: -t.extra["rank"])
    return [(t.label, counts[t.label]) for t in ranked if counts[t.label]]


MARKETING_CLAIMS = ("non-invasive", "acne-scar-reduction", "pih-darker-skin")


def test_summary_counts_each_verdict_as_itself(matcher, built_db):
    summary = check_text(MARKETING, matcher).summary()
    assert len({verdict_label(built_db, c) for c in MARKETING_CLAIMS}) == 3  # three verdicts, each counted as itself
    assert [(g["label"], g["claims"]) for g in summary["by_verdict"]] == expected_counts(built_db, MARKETING_CLAIMS)
    assert summary["claims_found"] == 3 and summary["denied_by_verdict"] == []


def test_cli_summary_names_each_verdict(built_db):
    args = ["check", "--data", str(DATA), "--db", str(built_db), "-"]
    output = CliRunner().invoke(cli, args, input="Microneedling visibly softens acne scars.").output
    label = verdict_label(built_db, "acne-scar-reduction")
    assert f"Repeated: 1 {label}. Denied: none." in output
    if label != "Supported":
        assert "1 supported" not in output.lower().replace("partly supported", "")


def test_denials_are_listed_apart_from_repetitions(matcher, built_db):
    text = "Microneedling boosts collagen. Unlike lasers, microneedling never leaves darker skin with dark patches."
    report = check_text(text, matcher)
    assert [f.sentence.text for f in report.repeating] == ["Microneedling boosts collagen."]
    (denial,) = report.denying
    assert [(m.claim_id, m.denies_supported) for m in denial.denials] == [("pih-darker-skin", True)]
    summary = report.summary()
    label = verdict_label(built_db, "pih-darker-skin")
    assert [(g["label"], g["claims"]) for g in summary["denied_by_verdict"]] == [(label, 1)]
    assert summary["supported_claims_denied"] == 1
    rendered = render_text(report)
    repeats, denials = rendered.split("Sentences that deny known claims")
    assert "never leaves darker skin" not in repeats and "boosts collagen" not in denials
    assert "the evidence supports the claim this sentence denies" in denials


@pytest.mark.parametrize("text", [
    "Benefits of microneedling\n- Reduced acne scarring\n- Fewer dark marks\n- Softer fine lines",
    "Benefits of microneedling\nReduced acne scarring\nFewer dark marks\nSofter fine lines",
    "What it treats\n• Acne scars\n• Dark marks\n• Fine lines",
])
def test_list_fragments_under_a_heading_make_claims(matcher, text):
    report = check_text(text, matcher)
    assert {m.claim_id for f in report.findings for m in f.claims} == {
        "acne-scar-reduction", "hyperpigmentation-treatment", "wrinkle-reduction"}
    assert all(f.sentence.kind == "item" for f in report.findings)


def test_html_list_items_are_items_of_their_heading(matcher):
    page = b"<html><body><h2>What microneedling treats</h2><ul><li>Acne scars</li><li>Stretch marks</li></ul></body></html>"
    text, _ = read_input(page)
    assert text == "What microneedling treats\n\u2022 Acne scars\n\u2022 Stretch marks"
    report = check_text(text, matcher)
    assert [m.claim_id for f in report.findings for m in f.claims] == ["acne-scar-reduction", "stretch-mark-reduction"]


def test_headings_and_questions_assert_nothing(matcher):
    text = "Can Microneedling Reduce Acne Scars\nDoes microneedling reduce acne scars?\nIt is one option."
    assert [s.kind for s in split_sentences(text)] == ["heading", "question", "sentence"]
    assert not check_text(text, matcher).findings


@pytest.mark.parametrize("text, speaker", [
    ('"Needling makes the skin lay down fresh collagen," says Dr. Jane Smith, a dermatologist.', "Dr. Jane Smith"),
    ("According to Dr. Lee, microneedling boosts collagen.", "Dr. Lee"),
    ("Dermatologist Priya Nair explains that needling boosts collagen.", "Priya Nair"),
    ("Dr. Omar Haddad recommends it because it boosts collagen.", "Dr. Omar Haddad"),
    ("Mona Reyes, M.D., a dermatologist in Austin, says the treatment “can boost collagen.”", "Mona Reyes"),
    ("Nurse practitioner Sam Cole told us that needling boosts collagen.", "Sam Cole"),
    ("Microneedling boosts collagen.", ""),
])
def test_a_quoted_person_s_claim_is_reported_as_theirs(matcher, text, speaker):
    (match,) = [m for f in check_text(text, matcher).findings for m in f.claims]
    assert (match.claim_id, match.attributed_to) == ("collagen-induction", speaker)


def test_a_pronoun_carries_the_speaker_and_the_report_says_whose_claim_it_is(matcher):
    text = ("Dr. Anika Rao says needling is a good option for acne scars. "
            "She adds that darker skin can develop post-inflammatory hyperpigmentation. Results vary between people.")
    report = check_text(text, matcher)
    assert [(m.claim_id, m.attributed_to) for f in report.findings for m in f.claims] == [
        ("acne-scar-reduction", "Dr. Anika Rao"), ("pih-darker-skin", "Dr. Anika Rao"), ("variable-results", "")]
    assert "asserts pih-darker-skin (the claim of Dr. Anika Rao, quoted)" in render_text(report)
    assert report.summary()["attributed"] == 2


async def test_check_page_counts_verdicts_and_shows_denials_apart(built_db):
    ds = make_datasette(built_db, REPO / "metadata.json")
    form = await ds.client.get("/-/check")
    token = re.search(r'name="csrftoken" value="([^"]+)"', form.text).group(1)
    text = MARKETING + " Microneedling never leaves darker skin with dark patches, says Dr. Jane Smith."
    html = (await ds.client.post("/-/check", data={"text": text, "csrftoken": token},
                                 cookies={"ds_csrftoken": form.cookies["ds_csrftoken"]})).text
    summary = " ".join(re.sub(r"<[^>]+>", " ", re.search(r'id="kb-check-summary">(.*?)</p>', html, re.S).group(1)).split())
    repeated = " , ".join(f"{n} {label}" for label, n in expected_counts(built_db, MARKETING_CLAIMS))
    assert f"Repeated: {repeated} . Denied: 1 {verdict_label(built_db, 'pih-darker-skin')} ." in summary
    repeats = re.search(r'id="kb-check-findings">(.*?)</table>', html, re.S).group(1)
    denials = re.search(r'id="kb-check-denials">(.*?)</table>', html, re.S).group(1)
    assert "never leaves darker skin" in denials and "never leaves darker skin" not in repeats
    assert "the evidence supports the claim this sentence denies" in denials
    assert "the claim of <strong>Dr. Jane Smith</strong>, quoted" in denials


def test_items_under_a_heading_that_announces_benefits_claim_them(matcher):
    report = check_text("Why clients love it\n\u2713 Pitted acne scars\n\u2713 A more even skin tone", matcher)
    assert {m.claim_id for f in report.findings for m in f.claims} == {"acne-scar-reduction", "hyperpigmentation-treatment"}
    report = check_text("Who should wait\n- Acne scars that are still red\n- Pregnancy", matcher)
    assert [(f.sentence.text, [m.claim_id for m in f.claims]) for f in report.findings] == [
        ("- Pregnancy", ["not-suitable-for-everyone"])]  # the heading says who should wait, not what it treats


def test_an_item_may_take_the_core_concept_from_its_heading(matcher):
    report = check_text("Who should avoid microneedling?\n- Anyone with active acne or a skin infection\n- People who are pregnant", matcher)
    assert [[(m.claim_id, m.direction) for m in f.claims] for f in report.findings] == [
        [("not-suitable-for-everyone", "asserts")], [("not-suitable-for-everyone", "asserts")]]
    report = check_text("Microneedling for acne scars:\n- Softens the edges of rolling scars\n- Takes about 30 minutes", matcher)
    assert [(f.sentence.text, [m.claim_id for m in f.claims]) for f in report.findings] == [
        ("- Softens the edges of rolling scars", ["acne-scar-reduction"])]


def test_names_of_the_procedure_name_it_and_claim_nothing(matcher):
    assert not check_text("We offer collagen induction therapy in Leeds.", matcher).findings
    (finding,) = check_text("Derma rollers have surged in popularity.", matcher).findings
    assert [m.claim_id for m in finding.claims] == ["popularity-growth"]


@pytest.mark.parametrize("text", [
    "Fractional lasers can also improve acne scars.",
    "Chemical peels fade dark spots over a few weeks.",
    "Whether that translates into better results for your serum is less clear.",
])
def test_sentences_about_another_treatment_or_in_doubt_make_no_claim(matcher, text):
    assert not [m for f in check_text(text, matcher).findings for m in f.claims]


def test_a_comparison_with_another_treatment_is_still_a_claim(matcher):
    (finding,) = check_text("Unlike lasers, microneedling softens acne scars.", matcher).findings
    assert [m.claim_id for m in finding.claims] == ["acne-scar-reduction"]


def test_a_negated_condition_does_not_deny_the_claim(matcher):
    (finding,) = check_text("Rollers that are reused can cause infection if they are not cleaned between clients.", matcher).findings
    assert ("hygiene-reduces-infection", "asserts") in [(m.claim_id, m.direction) for m in finding.claims]
    (finding,) = check_text("We don't recommend microneedling during pregnancy.", matcher).findings
    assert [(m.claim_id, m.direction) for m in finding.claims] == [("not-suitable-for-everyone", "asserts")]


def test_one_word_list_items_count(matcher):
    report = check_text("Microneedling is ideal for:\n- Melasma\n- Wrinkles", matcher)
    assert [m.claim_id for f in report.findings for m in f.claims] == ["hyperpigmentation-treatment", "wrinkle-reduction"]


def test_a_core_concept_denied_after_it_and_a_one_word_heading(matcher):
    (finding,) = check_text("With sealed tips, infections simply don't happen.", matcher).findings
    assert ("infection-risk", "denies") in [(m.claim_id, m.direction) for m in finding.claims]
    report = check_text("Risks\n- Infection\n- Herpes flare-ups", matcher)
    assert [(f.sentence.heading, [m.claim_id for m in f.claims]) for f in report.findings] == [
        ("Risks", ["infection-risk"]), ("Risks", ["infection-risk"])]


def test_an_excluding_concept_rules_a_claim_out(matcher):
    claims = lambda text: [m.claim_id for f in check_text(text, matcher).findings for m in f.claims]  # noqa: E731
    assert "hyperpigmentation-treatment" in claims("Microneedling helps fade dark spots.")
    assert "hyperpigmentation-treatment" not in claims("Good aftercare helps prevent dark spots after microneedling.")


def test_held_out_passages_are_not_in_the_tuning_set():
    fixtures = REPO / "tests" / "fixtures" / "check"
    tuning = json.loads((fixtures / "labelled.json").read_text())
    held_out = [p for path in fixtures.glob("holdout*.json") for p in json.loads(path.read_text())]
    assert held_out and not {p["id"] for p in held_out} & {p["id"] for p in tuning}
    assert not {p["text"] for p in held_out} & {p["text"] for p in tuning}


def test_a_sentence_opening_with_this_or_they_goes_on_from_the_one_before(matcher):
    report = check_text("Your skin will feel warm and tight. This usually settles within 48 hours.", matcher)
    assert [(f.sentence.text[:4], [m.claim_id for m in f.claims]) for f in report.findings] == [("This", ["transient-irritation"])]
    report = check_text("Microneedling boosts collagen. This makes the skin firmer.", matcher)
    assert [m.claim_id for f in report.findings for m in f.claims] == ["collagen-induction", "firmer-elastic-skin"]  # each said once


def test_a_core_term_marked_opposite_asserts_what_the_negated_quote_says(matcher):
    (finding,) = check_text("People on blood thinners should avoid microneedling.", matcher).findings
    assert [(m.claim_id, m.direction) for m in finding.claims] == [("not-suitable-for-everyone", "asserts")]
    (finding,) = check_text("Microneedling is suitable for everyone.", matcher).findings
    assert ("not-suitable-for-everyone", "denies") in [(m.claim_id, m.direction) for m in finding.claims]


def test_a_sentence_ending_with_a_colon_heads_the_list_after_it(matcher):
    text = "It is most often used on the face to target the following:\n\u2022 Age spots\n\u2022 Pitted scars"
    report = check_text(text, matcher)
    assert [(f.sentence.kind, f.sentence.heading[:9], [m.claim_id for m in f.claims]) for f in report.findings] == [
        ("item", "It is mos", ["hyperpigmentation-treatment"]), ("item", "It is mos", ["acne-scar-reduction"])]


def test_a_bare_scar_is_an_acne_scar_unless_a_longer_term_names_its_kind(matcher):
    claims = lambda text: sorted(m.claim_id for f in check_text(text, matcher).findings for m in f.claims)  # noqa: E731
    assert claims("It reduces scars and wrinkles.") == ["acne-scar-reduction", "wrinkle-reduction"]
    assert claims("It also softens surgical scars.") == ["surgical-scar-reduction"]
    assert claims("It can soften a caesarean scar.") == ["surgical-scar-reduction"]
    assert claims("Needles sound scary, but the treatment is quick.") == []  # "scar$" is a whole word
    assert claims("Microneedling does not cause scarring when done correctly.") == []  # scarring as a harm


def test_a_denied_cure_is_not_a_denied_improvement(matcher):
    claims = lambda text: [(m.claim_id, m.direction) for f in check_text(text, matcher).findings for m in f.claims]  # noqa: E731
    assert claims("Microneedling won't make deep scars disappear, but it can make them less noticeable.") == [
        ("acne-scar-reduction", "asserts")]
    assert claims("It might never eliminate deeper stretch marks.") == []  # no cure; nothing said of improvement
    assert claims("Microneedling does not improve deep scars.") == [("acne-scar-reduction", "denies")]


def test_benefit_claims_share_one_list_of_ways_to_say_improves(matcher):
    from kb import vocab
    from kb.check.matching import expand_terms

    words = vocab.CHECK_WORD_SETS.term("improves").extra["words"].split("|")
    assert expand_terms("melasma|@improves|lighten") == ["melasma", *words, "lighten"]
    for claim, condition in [("acne-scar-reduction", "acne scars"), ("stretch-mark-reduction", "stretch marks"),
                             ("hyperpigmentation-treatment", "melasma"), ("wrinkle-reduction", "fine lines")]:
        (finding,) = check_text(f"Patients notice a real difference in their {condition}.", matcher).findings
        assert claim in [m.claim_id for m in finding.claims]


def test_a_sentence_says_a_claim_when_any_mention_says_it(matcher):
    claims = lambda text: [(m.claim_id, m.direction) for f in check_text(text, matcher).findings for m in f.claims]  # noqa: E731
    assert claims("It's suitable for most skin types, but people prone to keloids should avoid it.") == [
        ("not-suitable-for-everyone", "asserts")]
    assert claims("Don't expect it to reduce deep wrinkles; it works best on fine lines.") == [("wrinkle-reduction", "asserts")]
    assert claims("Microneedling does not reduce wrinkles or fine lines.") == [("wrinkle-reduction", "denies")]


def test_typographic_apostrophes_read_as_plain_ones(matcher):
    (finding,) = check_text("The treatment isn’t painful at all.", matcher).findings
    assert [h.flag_id for h in finding.flags] == ["painless"]
    (finding,) = check_text("Microneedling doesn’t improve deep scars.", matcher).findings
    assert [(m.claim_id, m.direction) for m in finding.claims] == [("acne-scar-reduction", "denies")]


def test_announcements_and_background_sentences_claim_nothing(matcher):
    text = ("In this post we’ll explore the benefits, side effects and expected results.\n"
            "As we age, collagen production naturally declines, leading to wrinkles and a loss of firmness.")
    assert check_text(text, matcher).findings == []
    (finding,) = check_text("As we age, collagen declines, but microneedling boosts collagen again.", matcher).findings
    assert [m.claim_id for m in finding.claims] == ["collagen-induction"]


def test_a_product_as_subject_makes_only_claims_about_products(matcher):
    claims = lambda text: [m.claim_id for f in check_text(text, matcher).findings for m in f.claims]  # noqa: E731
    assert claims("Vitamin C supports collagen synthesis and helps brighten a dull complexion.") == []
    assert claims("Your hyaluronic serum soaks in deeper through the fresh micro-channels.") == ["product-absorption"]
    assert "collagen-induction" in claims("Microneedling with a vitamin C serum boosts collagen.")


def test_flags_about_results_stay_quiet_on_harms(matcher):
    flags = lambda text: [h.flag_id for f in check_text(text, matcher).findings for h in f.flags]  # noqa: E731
    assert flags("The darkening can occasionally be permanent.") == []
    assert flags("Deeper skin tones are several times more likely to form keloids.") == []
    assert flags("The redness fades away within a day.") == []
    assert flags("The results are permanent.") == ["permanent"]
    assert flags("Results are ten times better than creams alone.") == ["multiplied-effect"]
    assert flags("Your acne scars will simply fade away.") == ["cure"]


def test_faq_answers_and_questions(matcher):
    report = check_text("Can microneedling help stretch marks?\nYes, especially newer, pinkish ones.", matcher)
    assert [(f.sentence.text[:3], [m.claim_id for m in f.claims]) for f in report.findings] == [("Yes", ["stretch-mark-reduction"])]
    faq = check_text("Will microneedling get rid of my scars for good?\nNo treatment makes scars vanish.", matcher)
    assert [h.flag_id for f in faq.findings for h in f.flags] == []  # an FAQ question on its own line promises nothing
    rhetorical = check_text("Looking for smoother skin without invasive surgery? Book today.", matcher)
    assert [h.flag_id for f in rhetorical.findings for h in f.flags] == ["non-invasive"]


def test_a_heading_that_states_a_benefit_claims_it(matcher):
    report = check_text("Benefits of CIT\nImproves Skin Texture\nSmoother skin in weeks.", matcher)
    assert report.findings[0].sentence.text == "Improves Skin Texture"
    assert [m.claim_id for m in report.findings[0].claims] == ["scar-tissue-remodelling"]
    assert check_text("Collagen Induction Therapy\nBook a consultation today.", matcher).findings == []


def test_wording_that_is_not_what_it_seems(matcher):
    claims = lambda text: [(m.claim_id, m.direction) for f in check_text(text, matcher).findings for m in f.claims]  # noqa: E731
    assert claims("It's no wonder microneedling has become so popular.") == [("popularity-growth", "asserts")]
    assert ("acne-scar-reduction", "asserts") in claims("Whether you have acne scars or fine lines, microneedling can help.")
    assert claims("Most adults are good candidates for microneedling - but not everyone is.") == [
        ("not-suitable-for-everyone", "asserts")]
    assert [h.flag_id for f in check_text("Fillers fade away and need topping up.", matcher).findings for h in f.flags] == []


def test_several_absolutes_in_one_sentence_each_carry_their_flag(matcher):
    (finding,) = check_text("Zero downtime, no side effects and safe for all skin types.", matcher).findings
    assert sorted(h.flag_id for h in finding.flags) == ["no-downtime", "no-side-effects", "safe-all-skin-types"]
    (finding,) = check_text("No treatment can make acne scars vanish, but needling softens them.", matcher).findings
    assert finding.flags == []  # the removal is denied


def test_zero_and_no_deny_the_side_effects_they_name(matcher):
    (finding,) = check_text("Zero side effects and no redness afterwards.", matcher).findings
    assert [(m.claim_id, m.direction) for m in finding.claims] == [("transient-irritation", "denies")]


def test_an_faq_answer_of_yes_or_no_says_what_was_asked(matcher):
    def said(text):
        report = check_text(text, matcher)
        return [(m.claim_id, m.direction) for f in report.findings for m in f.claims], [h.flag_id for f in report.findings for h in f.flags]
    assert said("Does it hurt?\nNo. We apply a numbing cream first.") == ([], ["painless"])
    assert said("Is there any downtime?\nNope, you can head out for lunch.") == ([], ["no-downtime"])
    assert said("Is microneedling safe for all skin types?\nYes.") == ([], ["safe-all-skin-types"])
    assert said("Can microneedling cause dark patches in darker skin?\nNo. It does not use heat, so pigment cells are left alone.") \
        == ([("pih-darker-skin", "denies")], [])  # "It does not ..." is not a "yes"
    assert said("Is it painful?\nNo downtime is needed, but it can sting.")[1] == ["no-downtime"]  # "No downtime" answers nothing


def test_a_one_word_line_goes_on_the_list_above_it(matcher):
    text = "It is used to treat:\nAcne scars\nLarge pores\nHyperpigmentation\nDoes it hurt?\nRisks\nIt can sting."
    kinds = {s.text: (s.kind, s.heading) for s in split_sentences(text)}
    assert kinds["Hyperpigmentation"] == ("item", "It is used to treat:")
    assert kinds["It can sting."] == ("sentence", "Risks")  # "Risks" heads what follows
    claims = [m.claim_id for f in check_text(text, matcher).findings for m in f.claims]
    assert claims[:2] == ["acne-scar-reduction", "hyperpigmentation-treatment"]


def test_citation_markers_end_a_sentence():
    text = "Microneedling uses fine needles.[1] It is used for acne scars.[2][3] Redness settles in two days."
    assert [s.text for s in split_sentences(text)] == ["Microneedling uses fine needles.[1]", "It is used for acne scars.[2][3]",
                                                       "Redness settles in two days."]


def test_coordinated_kinds_of_scar(matcher):
    claims = lambda text: sorted(m.claim_id for f in check_text(text, matcher).findings for m in f.claims)  # noqa: E731
    assert claims("Microneedling can improve acne & surgical scars.") == ["acne-scar-reduction", "surgical-scar-reduction"]
    assert claims("Deeper settings treat surgical and traumatic scars.") == ["surgical-scar-reduction"]
    assert claims("It reduces scars caused by acne, surgery or burns.") == ["acne-scar-reduction", "surgical-scar-reduction"]
    assert claims("It softens scars, whether they are caused by acne, surgery, or injury.") == [
        "acne-scar-reduction", "surgical-scar-reduction"]
    assert claims("It is used on surgical, acne and trauma scars.") == ["acne-scar-reduction", "surgical-scar-reduction"]
    assert claims("It is used on burn and trauma scars.") == []  # kinds of scar no claim is about


def test_what_collagen_does_is_not_what_the_procedure_does(matcher):
    claims = lambda text: sorted(m.claim_id for f in check_text(text, matcher).findings for m in f.claims)  # noqa: E731
    assert claims("Microneedling boosts collagen and elastin, the proteins that keep skin firm and springy.") == ["collagen-induction"]
    assert claims("It ramps up collagen production, which helps maintain elasticity, and leaves skin firmer.") == [
        "collagen-induction", "firmer-elastic-skin"]
    assert claims("Stretch marks are bands of scar tissue with a different texture from the skin around them.") == []


def test_a_background_sentence_in_a_list_claims_nothing(matcher):
    report = check_text("Benefits of microneedling\n- It boosts collagen.\n- Acne is caused by blocked pores and bacteria.", matcher)
    assert [(f.sentence.text[:6], [m.claim_id for m in f.claims]) for f in report.findings] == [("- It b", ["collagen-induction"])]


def test_a_myth_names_an_overstatement_without_making_it(matcher):
    report = check_text("Myth 2: Results are immediate\nMost people see a gradual change.", matcher)
    assert [h.flag_id for f in report.findings for h in f.flags] == []
    assert [h.flag_id for f in check_text("Results are immediate.", matcher).findings for h in f.flags] == ["instant-results"]


def test_significant_said_of_comfort_or_healing_is_not_the_size_of_the_improvement(matcher):
    claims = lambda text: [m.claim_id for f in check_text(text, matcher).findings for m in f.claims]  # noqa: E731
    assert "improvement-magnitude" not in claims("Numbing cream significantly reduces discomfort during microneedling of the face.")
    assert "improvement-magnitude" not in claims("Needling sets off the skin's incredible ability to heal and make collagen.")
    assert "improvement-magnitude" in claims("Microneedling can significantly improve the appearance of acne scars.")


def test_reported_promises_and_lists_of_what_it_will_not_do(matcher):
    def said(text):
        report = check_text(text, matcher)
        return [m.claim_id for f in report.findings for m in f.claims], [h.flag_id for f in report.findings for h in f.flags]
    assert said("Many marketing campaigns claim microneedling will erase wrinkles overnight.") == ([], [])
    assert said("What you may not see\n- Guaranteed results on deep ice pick scars\n- Permanent removal of melasma") == ([], [])
    assert said("Who should not have it?\n- People with active acne")[0] == ["not-suitable-for-everyone"]


def test_the_size_of_results_needs_no_body_word(matcher):
    claims = lambda text: [m.claim_id for f in check_text(text, matcher).findings for m in f.claims]  # noqa: E731
    assert claims("Most people see noticeable results after their second session.") == ["improvement-magnitude"]
    assert claims("The number of microneedling sessions needed can vary depending on how deep the scars are.") == []


def test_an_emoji_ends_a_sentence():
    assert [s.text for s in split_sentences("It does not darken skin 👌 Microneedling evens tone.")] == [
        "It does not darken skin 👌", "Microneedling evens tone."]


def test_a_line_wrapped_inside_a_sentence_is_one_sentence(matcher):
    text = "It offers many benefits, such as improving the appearance of acne scars,\nwrinkles and stretch marks.\nBenefits\nsmoother skin"
    sentences = split_sentences(text)
    assert [s.text for s in sentences][0] == ("It offers many benefits, such as improving the appearance of acne scars, "
                                               "wrinkles and stretch marks.")
    assert (sentences[0].start, sentences[0].end) == (0, text.index("\nBenefits"))  # offsets unchanged
    assert sentences[-1].kind == "item"  # a short line is not joined to its heading
    claims = {m.claim_id for f in check_text(text, matcher).findings for m in f.claims}
    assert {"acne-scar-reduction", "wrinkle-reduction", "stretch-mark-reduction"} <= claims


def test_a_statement_before_a_question_in_one_sentence_still_claims(matcher):
    report = check_text("Microneedling has gained popularity as a minimally invasive treatment, but how long does it last?", matcher)
    assert sorted(m.claim_id for f in report.findings for m in f.claims) == ["minimally-invasive", "popularity-growth"]
    assert check_text("Is microneedling a minimally invasive treatment?", matcher).findings == []


def test_a_heading_rules_a_benefit_out_only_when_it_names_it(matcher):
    claims = lambda text: sorted(m.claim_id for f in check_text(text, matcher).findings for m in f.claims)  # noqa: E731
    assert "hyperpigmentation-treatment" in claims(
        "The wounds caused by microneedling prompt more collagen, which can:\n- help correct hyperpigmentation")
    assert "infection-risk" not in claims("Who should avoid skin needling?\n- Anyone with an active cold sore")
    assert claims("Needle sizes:\n0.5 mm: Treats light scarring and pigmentation") == [
        "acne-scar-reduction", "hyperpigmentation-treatment"]  # a labelled heading that states a benefit


# Wordings of known claims that pages use (round 7) and wordings that had been read as claims they do not make.
CLAIM_WORDINGS = [
    ("The results took a while to show, but they were noticeable.", "improvement-magnitude"),
    ("Clients tell us it works great on dull, tired-looking skin.", "improvement-magnitude"),
    ("A few sessions smooth the skin and refine its surface.", "scar-tissue-remodelling"),
    ("Needling boosts the skin's natural renewal process.", "scar-tissue-remodelling"),
    ("Do not microneedle over open wounds or a skin infection.", "not-suitable-for-everyone"),
    ("If your skin is infected or inflamed on the day, we will reschedule your appointment.", "not-suitable-for-everyone"),
    ("Your face may look a little reddened for the rest of the day.", "transient-irritation"),
    ("Some people notice a difference after their second session, while others need the full course.", "variable-results"),
    ("After needling, your skin is a thousand times more absorbent.", "product-absorption"),
    ("Post-treatment care plays a critical role in how good your final results look.", "result-factors"),
    ("Using needles that are too long can damage the skin.", "irritation-depth"),
    ("Overaggressive rolling can leave new scarring.", "irritation-depth"),
    ("Rolling too hard can cause unnecessary irritation.", "irritation-depth"),
    ("Whether it's rolling scars or fine lines, microneedling softens them.", "wrinkle-reduction"),
    ("The procedure has no major side effects and results are noticeable within a few weeks.", "safe-with-professionals"),
    ("Your esthetician gently moves the pen across each area of the face.", "who-performs"),
    ("In most cases the treatment is done in a dermatologist's office.", "who-performs"),
    ("Microneedling has gained widespread attention in recent years.", "popularity-growth"),
    ("A course of sessions can lighten older stretch marks.", "stretch-mark-reduction"),
    ("Patchy discoloration can be eased with a series of treatments.", "hyperpigmentation-treatment"),
    ("Needling is often used to treat ageing skin on the neck and hands.", "wrinkle-reduction"),
    ("Sterile, single-use needle cartridges keep the treatment safe.", "hygiene-reduces-infection"),
    ("Skin needling is getting widely popular with people in their twenties.", "popularity-growth"),
    ("Procedures like microneedling are gaining real traction on social media.", "popularity-growth"),
    ("Give it a couple of months and you should see big improvements in texture.", "improvement-magnitude"),
    ("Anyone with the following conditions should not receive the treatment: active eczema, a cold sore, pregnancy.",
     "not-suitable-for-everyone"),
    ("For a week afterwards, avoid direct sunlight to prevent lasting discoloration.", "pih-mitigation"),
    ("It is good at evening out skin pigmentation after a summer outdoors.", "hyperpigmentation-treatment"),
    ("Biopsies show needling induced neocollagenesis in the upper dermis.", "collagen-induction"),
    ("Needling can be paired with topical growth factors to augment the outcome.", "skincare-efficacy-boost"),
    ("No major problems were seen other than brief redness and swelling.", "transient-irritation"),  # "other than" ends the negation
    ("How you care for your skin in the week after a session will affect your results.", "result-factors"),
    ("Rolling scars usually show more improvement than ice pick scars.", "result-factors"),
    ("The tiny channels improve penetration of the product you apply next.", "product-absorption"),
    ("Needling has become a favourite of skincare editors.", "popularity-growth"),
    ("Going deeper or pressing harder can cause more inflammation.", "irritation-depth"),
    ("At home, the skin just looks a little redder for a few minutes.", "transient-irritation"),
    ("Most patients see a noticeable reduction in acne scars after three sessions.", "improvement-magnitude"),
    ("Darker skin types should use a pigment inhibitor for two weeks before, to decrease the chance of hyperpigmentation.",
     "pih-mitigation"),
    ("Adding PRP enhances microneedling's effects on tired, dull skin.", "skincare-efficacy-boost"),
    ("For thinning hair, needling is more effective when paired with minoxidil.", "skincare-efficacy-boost"),
    ("Most dermatologists recommend against microneedling while you are pregnant.", "not-suitable-for-everyone"),
    ("After a course, skin looks brighter and more even in tone.", "hyperpigmentation-treatment"),
    ("The treatment isn't safe for people with open wounds or a skin infection.", "not-suitable-for-everyone"),
    ("This minimally invasive procedure has many people wondering, \"Does it work on dark circles?\"", "minimally-invasive"),
    ("It softens scars (acne, surgery, old injuries) over a few months.", "surgical-scar-reduction"),
    ("Needling works best on depressed acne scars, not raised ones.", "result-factors"),
]
NOT_THE_CLAIM = [
    ("Aggressive use may give rise to scarring and pigmentation.", "hyperpigmentation-treatment"),
    ("Here is how to safely dermaroll at home, according to skin experts.", "safe-with-professionals"),
    ("These proteins support the skin's structure, elasticity and resilience.", "firmer-elastic-skin"),
    ("Swelling can make the skin look and feel tighter for a day.", "firmer-elastic-skin"),
    ("As the skin ages, it loses elasticity, which makes scars more visible.", "firmer-elastic-skin"),
    ("If excess oil and bacteria get trapped in a hair follicle, it swells into a spot.", "infection-risk"),
    ("Praised by dermatologists and loved by clients, microneedling delivers results.", "who-performs"),
    ("The skin is cleaned with a gentle cleanser before the practitioner starts.", "hygiene-reduces-infection"),
    ("Gently massage the serum into your skin until it is fully absorbed.", "product-absorption"),
    ("Wait 72 hours after microneedling before using vitamin C, to avoid irritation.", "transient-irritation"),
    ("Microneedling is a safe and effective treatment for many skin conditions.", "result-factors"),
    ("Results depend on several factors, including your skin type, age and lifestyle.", "variable-results"),
    ("During the session a pen with very fine, sterile needles is moved over your skin by the practitioner.",
     "hygiene-reduces-infection"),  # sterile, but nothing said of infection or safety
    ("Within a few days every treated area heals without a scar.", "acne-scar-reduction"),
    ("Some forums claim that rolling the scalp builds more scar tissue.", "scar-tissue-remodelling"),
    ("It works on all skin tones without causing hyperpigmentation.", "hyperpigmentation-treatment"),
]


@pytest.mark.parametrize("text, claim_id", CLAIM_WORDINGS)
def test_wordings_pages_use_for_known_claims(matcher, text, claim_id):
    assert (claim_id, "asserts") in {(m.claim_id, m.direction) for f in check_text(text, matcher).findings for m in f.claims}


@pytest.mark.parametrize("text, claim_id", NOT_THE_CLAIM)
def test_advice_background_and_asides_do_not_make_the_claim(matcher, text, claim_id):
    assert claim_id not in {m.claim_id for f in check_text(text, matcher).findings for m in f.claims}


def test_what_results_depend_on_needs_a_word_of_dependence(matcher):
    claims = lambda text: [m.claim_id for f in check_text(text, matcher).findings for m in f.claims]  # noqa: E731
    assert "result-factors" in claims("How well it works depends on your skin type and the severity of your scars.")
    assert "result-factors" not in claims("Microneedling improves skin condition and the severity of acne.")


def test_a_run_of_short_names_under_a_heading_is_a_list(matcher):
    text = "Who is not a candidate?\nPregnancy, breastfeeding, active acne, a history of keloids. Ask us if you are unsure."
    assert [s.kind for s in split_sentences(text)] == ["question", "item", "sentence"]
    assert [(m.claim_id, m.direction) for f in check_text(text, matcher).findings for m in f.claims] == [
        ("not-suitable-for-everyone", "asserts")]
    assert split_sentences("Acne scars, fine lines, dark spots.")[0].kind == "sentence"  # no heading above: not a list


def test_a_question_that_asks_whether_carries_no_flag(matcher):
    flags = lambda text: [h.flag_id for f in check_text(text, matcher).findings for h in f.flags]  # noqa: E731
    assert flags("Clients ask me one thing. Are microneedling results permanent? Not quite.") == []
    assert flags("Looking for a non-invasive way to smoother skin? Book today.") == ["non-invasive"]  # a marketing question


def test_a_new_clause_after_and_has_its_own_negation(matcher):
    found = {(m.claim_id, m.direction) for f in check_text(
        "The procedure has no major side effects and results are noticeable within a few weeks.", matcher).findings for m in f.claims}
    assert ("improvement-magnitude", "asserts") in found
    found = {(m.claim_id, m.direction) for f in check_text("Who is not a good candidate?\n- Anyone with active acne",
                                                            matcher).findings for m in f.claims}
    assert found == {("not-suitable-for-everyone", "asserts")}  # "who is not" asks here; it is no relative clause


def test_list_items_that_ran_together_are_read_one_by_one(matcher):
    text = "Our dermatologist says needling can help with:\n\nAcne scarsFine linesStretch marksEnlarged pores"
    items = [s for s in split_sentences(text) if s.kind == "item"]
    assert [text[s.start:s.end] for s in items] == ["Acne scars", "Fine lines", "Stretch marks", "Enlarged pores"]
    assert {m.claim_id for f in check_text(text, matcher).findings for m in f.claims} >= {
        "acne-scar-reduction", "wrinkle-reduction", "stretch-mark-reduction"}
    assert [s.text for s in split_sentences("SkinPen and DermaPen are both brands of pen.")] == [
        "SkinPen and DermaPen are both brands of pen."]  # names in camel case are not a list


def test_no_pigment_problem_on_any_skin_tone_denies_the_darker_skin_risk(matcher):
    report = check_text("It works on all skin tones without causing hyperpigmentation.", matcher)
    assert [(m.claim_id, m.direction) for f in report.findings for m in f.claims] == [("pih-darker-skin", "denies")]


def test_a_denial_needs_the_words_curated_for_it(matcher):
    found = lambda text: [(m.claim_id, m.direction) for f in check_text(text, matcher).findings for m in f.claims]  # noqa: E731
    assert found("Microneedling suits people with oily or combination skin.") == []  # group -1: no "everyone", no denial
    assert found("Microneedling is suitable for everyone.") == [("not-suitable-for-everyone", "denies")]
