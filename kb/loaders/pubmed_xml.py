"""PubMed XML (efetch PubmedArticleSet), streamed with ElementTree.iterparse.

Each PubmedArticle is handled and then cleared, so memory stays flat for
files of hundreds of thousands of records.  Inline markup in titles and
abstracts (<sub>, <i>, MathML) is reduced to its text.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from typing import Iterator

from kb.loaders.records import (
    BOOK, BOOK_CHAPTER, FileRejected, ParsedRecord, StudyRecord, author_name, clean_doi, clean_text, guess_design, year_of,
)


def _text(element) -> str:
    return clean_text("".join(element.itertext())) if element is not None else ""


def parse(text: str) -> Iterator[ParsedRecord]:
    yield from parse_stream(io.BytesIO(text.encode("utf-8")))


def parse_file(path) -> Iterator[ParsedRecord]:
    """Records of a PubMed XML file, streamed from disk: the file is never held in memory."""
    return parse_stream(open(path, "rb"))


def parse_stream(stream) -> Iterator[ParsedRecord]:
    """Records from a binary stream of PubMed XML (closed when done)."""
    with stream:
        yield from _parse(stream)


def _parse(stream) -> Iterator[ParsedRecord]:
    index = 0
    root_seen = False
    try:
        for event, element in ET.iterparse(stream, events=("start", "end")):
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if element.tag not in ("PubmedArticleSet", "PubmedArticle", "PubmedBookArticleSet"):
                        raise FileRejected(f"the root element is <{element.tag}>, not <PubmedArticleSet>")
                continue
            if element.tag in ("PubmedArticle", "PubmedBookArticle"):
                index += 1
                to = book_record if element.tag == "PubmedBookArticle" else to_record
                yield ParsedRecord(index, f"record {index} ({element.tag} {index})", to(element))
                element.clear()
    except ET.ParseError as error:
        line, column = error.position
        raise FileRejected(f"line {line}, column {column}: the XML is malformed ({error.msg if hasattr(error, 'msg') else error}); "
                           f"{index} complete record(s) were read before it") from None
    if not root_seen:
        raise FileRejected("the file holds no XML")


def to_record(article) -> StudyRecord:
    citation = article.find("MedlineCitation")
    citation = citation if citation is not None else article
    art = citation.find("Article")
    art = art if art is not None else citation
    journal = art.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    pub_date = issue.find("PubDate") if issue is not None else None
    year = ""
    if pub_date is not None:
        year = year_of(pub_date.findtext("Year") or pub_date.findtext("MedlineDate") or "")
    ids = {i.get("IdType"): clean_text(i.text) for i in article.iter("ArticleId")}
    doi = ids.get("doi") or next((e.text for e in art.iter("ELocationID") if e.get("EIdType") == "doi"), "")
    design, guessed = guess_design([_text(t) for t in art.iter("PublicationType")])
    return StudyRecord(
        title=_text(art.find("ArticleTitle")) or _text(art.find("VernacularTitle")),
        authors=_names(art.iter("Author")),
        journal=_text(journal.find("Title")) if journal is not None else "",
        year=year,
        volume=clean_text(issue.findtext("Volume")) if issue is not None else "",
        issue=clean_text(issue.findtext("Issue")) if issue is not None else "",
        pages=clean_text(art.findtext("Pagination/MedlinePgn")),
        doi=clean_doi(doi),
        pmid=clean_text(citation.findtext("PMID")) or ids.get("pubmed", ""),
        pmcid=ids.get("pmc", ""),
        abstract=_abstract(art),
        design=design,
        design_is_guess=guessed,
    )


def _names(authors) -> list[str]:
    """'Surname AB' (or a collective name) for each <Author> element."""
    found = []
    for author in authors:
        if author.findtext("CollectiveName"):
            found.append(clean_text(author.findtext("CollectiveName")))
        else:
            name = author_name(author.findtext("LastName") or "", author.findtext("ForeName") or author.findtext("Initials") or "")
            if name:
                found.append(name)
    return found


def _abstract(element) -> str:
    parts = []
    for part in element.iter("AbstractText"):
        label = part.get("Label")
        body = _text(part)
        parts.append(f"{label}: {body}" if label else body)
    return " ".join(parts)


def _author_list(element, kind: str) -> list[str]:
    """Names of the <AuthorList Type=kind> children of ``element`` (an untyped list counts as authors)."""
    return [name for authors in element.findall("AuthorList") if (authors.get("Type") or "authors") == kind
            for name in _names(authors.iter("Author"))]


def book_record(article) -> StudyRecord:
    """A <PubmedBookArticle> (an NCBI Bookshelf chapter or book: StatPearls, NICE guidance...) as a book record.

    The chapter's title, authors and abstract come from <BookDocument>; the
    book's title (or a whole book's series), editors, publisher and date from
    its <Book>, kept together as the record's source (studies.csv has no
    editors column); the Bookshelf accession goes in ``accession``.
    """
    document = article.find("BookDocument")
    document = document if document is not None else article
    book = document.find("Book")
    book = book if book is not None else document
    ids = {i.get("IdType"): clean_text(i.text) for i in article.iter("ArticleId")}
    chapter = _text(document.find("ArticleTitle")) or _text(document.find("VernacularTitle"))
    book_title = _text(book.find("BookTitle"))
    editors = _author_list(book, "editors")
    publisher = clean_text(book.findtext("Publisher/PublisherName"))
    series = book_title if chapter else _text(book.find("CollectionTitle"))
    source = "; ".join(filter(None, [series, f"editors {', '.join(editors)}" if editors else "", publisher]))
    design, guessed = guess_design([_text(t) for t in document.iter("PublicationType")])
    return StudyRecord(
        title=chapter or book_title,
        authors=_author_list(document, "authors") or _author_list(book, "authors"),
        journal=source,
        year=year_of(book.findtext("PubDate/Year") or book.findtext("PubDate/MedlineDate") or ""),
        volume=clean_text(book.findtext("Volume")),
        pages=clean_text(document.findtext("Pagination/MedlinePgn")),
        doi=clean_doi(ids.get("doi") or next((e.text for e in book.iter("ELocationID") if e.get("EIdType") == "doi"), "")),
        pmid=clean_text(document.findtext("PMID")) or ids.get("pubmed", ""),
        abstract=_abstract(document),
        design=design,
        design_is_guess=guessed,
        record_type=BOOK_CHAPTER if chapter else BOOK,
        accession=ids.get("bookaccession", ""),
    )
