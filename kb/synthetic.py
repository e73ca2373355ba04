"""A synthetic knowledge base at any scale, for benchmarks and smoke tests.

:func:`generate` writes a complete, valid ``data/`` folder: one synthetic
article whose sentences are the claims' quotes, claims, studies, one
synthetic load that "added" every study (so each study has provenance, as
the rules require), and links.  The studies are unverified and the links
proposed, as a load leaves them, so none of them counts towards a verdict.  Text lengths and vocabularies follow the
real data (titles of about 100 characters, notes of about 130, the real
designs, stances and verdict-relevant fields), and the same seed gives the
same files.  :func:`write_pubmed_xml` writes an efetch-style PubMed XML file
of synthetic records for load benchmarks.

Nothing here is evidence: identifiers use the 10.5555 test DOI prefix and
PMIDs from 80000000, and every title says "Synthetic".
"""

from __future__ import annotations

import csv
import hashlib
import random
from pathlib import Path
from xml.sax.saxutils import escape

from kb import vocab
from kb.datafiles import atomic_write_text, to_csv_text
from kb.models import DATA_MODELS, Article, Claim, ClaimEvidence, Load, Study, data_columns

WORDS = ("microneedling collagen scar acne atrophic striae melasma pigment hyperpigmentation erythema oedema "
         "fibroblast dermis epidermis wrinkle laxity texture serum tranexamic radiofrequency fractional laser "
         "randomised split-face cohort trial outcome improvement severity tolerance healing barrier absorption "
         "infection granuloma Fitzpatrick phototype darker skin session needle depth").split()
RARE_WORDS = tuple(f"rareterm{i:03d}" for i in range(200))
"""One of these ends each study title: each matches about 0.5% of studies, like a specific search term."""
LOAD_ID = "synthetic"


def sentence(rng: random.Random, length: int) -> str:
    words = []
    while sum(len(w) + 1 for w in words) < length:
        words.append(rng.choice(WORDS))
    return " ".join(words).capitalize()


def _write_csv(path: Path, columns: list[str], rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)


def generate(data_dir: Path, n_studies: int, n_claims: int, n_links: int, seed: int = 0) -> dict[str, int]:
    """Write a valid synthetic ``data_dir``; returns the row counts."""
    rng = random.Random(seed)
    data_dir = Path(data_dir)
    (data_dir / "articles").mkdir(parents=True, exist_ok=True)
    claim_ids = [f"claim-{i:06d}" for i in range(n_claims)]
    quotes, offsets, text = [], [], []
    position = 0
    for i, claim_id in enumerate(claim_ids):
        quote = f"Synthetic claim {i}: {sentence(rng, 90)}."
        offsets.append((position, position + len(quote)))
        quotes.append(quote)
        text.append(quote)
        position += len(quote) + 1
    article_text = "\n".join(text) + "\n"
    (data_dir / "articles" / "synthetic.txt").write_text(article_text, encoding="utf-8")
    sha = hashlib.sha256(article_text.encode("utf-8")).hexdigest()
    atomic_write_text(data_dir / Article.__data_file__, to_csv_text(Article, [dict(
        id="synthetic", title="Synthetic article", text_file="articles/synthetic.txt", text_sha256=sha)]))
    atomic_write_text(data_dir / Load.__data_file__, to_csv_text(Load, [dict(
        id=LOAD_ID, file_name="synthetic", file_sha256="0" * 64, format="csv", started_at="2026-01-01T00:00:00+00:00",
        finished_at="2026-01-01T00:00:00+00:00", n_read=n_studies, n_added=n_studies, n_merged=0, n_unchanged=0,
        n_rejected=0, n_links_added=n_links, n_notices_added=0, command="kb.synthetic.generate", kb_version="synthetic")]))
    for model in DATA_MODELS:  # the tables the generator leaves empty
        if model not in (Article, Load, Claim, Study, ClaimEvidence):
            atomic_write_text(data_dir / model.__data_file__, to_csv_text(model, []))

    kinds, topics = vocab.CLAIM_KINDS.values(), vocab.TOPICS.values()
    claim_columns = data_columns(Claim)
    _write_csv(data_dir / Claim.__data_file__, claim_columns, (
        [dict(id=claim_id, article_id="synthetic", quote=quotes[i], quote_start=offsets[i][0], quote_end=offsets[i][1],
              statement=f"Synthetic statement {i}: {sentence(rng, 70)}.", kind=rng.choice(kinds), topic=rng.choice(topics),
              improves_without_treatment=0).get(c, "") for c in claim_columns]
        for i, claim_id in enumerate(claim_ids)))

    designs = [d for d in vocab.STUDY_DESIGNS.values() if d != "unclassified"]
    biases = vocab.RISK_OF_BIAS.values()
    study_columns = data_columns(Study)
    studies = []
    for i in range(n_studies):
        n = rng.choice(["", str(rng.randint(5, 2000))])
        fitz = rng.choice([("", ""), ("1", "4"), ("3", "6")])
        design = rng.choice(designs)
        uncontrolled = vocab.STUDY_DESIGNS.term(design).extra["risk_of_bias_tool"] == vocab.BiasTool.UNCONTROLLED
        row = dict(id=f"study-{i:07d}", title=f"Synthetic study {i}: {sentence(rng, 85)} {rng.choice(RARE_WORDS)}", authors="Synthetic A, Example B",
                   first_author="Synthetic A", journal="Journal of Synthetic Dermatology", year=str(rng.randint(1995, 2025)),
                   volume=str(rng.randint(1, 90)), issue=str(rng.randint(1, 12)), pages=f"{rng.randint(1, 900)}-{rng.randint(901, 999)}",
                   doi=f"10.5555/synthetic.{i}", pmid=str(80000000 + i), pmcid="", design=design,
                   design_as_reported="synthetic", design_is_guess="0", n_participants=n, n_as_reported=n,
                   population=sentence(rng, 40), fitzpatrick_min=fitz[0], fitzpatrick_max=fitz[1], risk_of_bias=vocab.RiskOfBias.HIGH if uncontrolled else rng.choice(biases),
                   risk_of_bias_reason="Synthetic.", funding_coi="", industry_funded="", verification="unverified", url="", abstract="",
                   added_by_load=LOAD_ID, changed_by_load=LOAD_ID)
        studies.append([row[c] for c in study_columns])
    _write_csv(data_dir / Study.__data_file__, study_columns, studies)

    stances, directness = vocab.STANCES.values(), vocab.DIRECTNESS.values()
    per_claim = max(1, n_links // max(n_claims, 1))
    links = []
    for c, claim_id in enumerate(claim_ids):
        for s in rng.sample(range(n_studies), min(per_claim, n_studies)):
            d = rng.choice(directness)
            links.append([claim_id, f"study-{s:07d}", rng.choice(stances), d, "" if d == "direct" else "Synthetic reason.",
                          rng.randint(1, 5), f"Synthetic note: {sentence(rng, 120)}.", "", vocab.ReviewStatus.PROPOSED, "", "", "", ""])
    links.sort(key=lambda row: (row[0], row[1]))
    _write_csv(data_dir / ClaimEvidence.__data_file__, data_columns(ClaimEvidence), links)
    return {"studies": n_studies, "claims": n_claims, "claim_evidence": len(links)}


def write_pubmed_xml(path: Path, n_records: int, seed: int = 0, first_pmid: int = 81000000) -> None:
    """An efetch-style PubmedArticleSet of ``n_records`` synthetic articles (with abstracts)."""
    rng = random.Random(seed)
    types = ["Randomized Controlled Trial", "Case Reports", "Review", "Journal Article", "Systematic Review"]
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>\n')
        for i in range(n_records):
            pmid = first_pmid + i
            out.write(
                f"<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article>"
                f"<Journal><JournalIssue><Volume>{rng.randint(1, 90)}</Volume><Issue>{rng.randint(1, 12)}</Issue>"
                f"<PubDate><Year>{rng.randint(1990, 2025)}</Year></PubDate></JournalIssue><Title>Journal of Synthetic Dermatology</Title></Journal>"
                f"<ArticleTitle>Synthetic record {i}: {escape(sentence(rng, 95))}</ArticleTitle>"
                f"<Pagination><MedlinePgn>{rng.randint(1, 500)}-{rng.randint(501, 999)}</MedlinePgn></Pagination>"
                f"<Abstract><AbstractText>{escape(sentence(rng, 1200))}</AbstractText></Abstract>"
                f"<AuthorList><Author><LastName>Synthetic</LastName><ForeName>A</ForeName></Author></AuthorList>"
                f"<PublicationTypeList><PublicationType>{rng.choice(types)}</PublicationType></PublicationTypeList>"
                f"</Article></MedlineCitation><PubmedData><ArticleIdList><ArticleId IdType=\"pubmed\">{pmid}</ArticleId>"
                f"<ArticleId IdType=\"doi\">10.5555/synthetic-pubmed.{i}</ArticleId></ArticleIdList></PubmedData></PubmedArticle>\n")
        out.write("</PubmedArticleSet>\n")
