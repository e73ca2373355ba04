"""Turn what a reader types into a safe SQLite FTS5 query, expanded with the field's synonyms.

A reader types words, not FTS5 syntax: quotes, parentheses, ``*``, ``-``,
``NEAR`` or ``OR`` must not reach the MATCH operator as operators (an
unbalanced quote made ``/-/search`` fail).  So the query is reduced to its
words, each passed to FTS5 as a quoted phrase, and every run of words that
names a term of :data:`kb.vocab.SEARCH_SYNONYMS` ("PIH", "derma pen",
"collagen induction therapy") is replaced by the alternatives of all that
term's synonyms.  Words are combined with AND; :func:`any_words` gives the
looser OR form for when no row has every word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb import vocab

MAX_WORDS = 20
"""Words of a query that are searched; the rest are ignored (and the page says so)."""

WORD = re.compile(r"[^\W_]+")
"""A word as FTS5's unicode61 tokenizer sees it: letters and digits (underscore and punctuation separate words)."""


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def _key(word: str) -> str:
    """A word compared loosely with a synonym's word: "scar" and "scars" are the same."""
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


@dataclass(frozen=True)
class Synonyms:
    """One vocabulary term: its synonyms as written (``names``) and as FTS5 sees them (``phrases``, tuples of words)."""

    value: str
    label: str
    names: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]

    def alternatives(self) -> str:
        return "(" + " OR ".join('"' + " ".join(p) + '"' for p in self.phrases) + ")"


def synonym_sets(vocabulary: vocab.Vocabulary = vocab.SEARCH_SYNONYMS) -> list[Synonyms]:
    sets = []
    for term in vocabulary.terms:
        names = tuple(name.strip() for name in term.extra["synonyms"].split("|") if words(name))
        phrases = dict.fromkeys(tuple(words(name)) for name in names)
        sets.append(Synonyms(term.value, term.label, names, tuple(phrases)))
    return sets


SYNONYM_SETS = synonym_sets()


@dataclass
class SearchQuery:
    """The FTS5 query for a reader's text, and what the page should tell the reader about it."""

    text: str
    words: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    expanded: list[Synonyms] = field(default_factory=list)
    truncated: bool = False

    @property
    def match(self) -> str:
        """Every part (AND): the default query."""
        return " AND ".join(self.parts)

    def any_words(self) -> str:
        """Any part (OR): the fallback when no row has every part."""
        return " OR ".join(self.parts)

    def as_typed(self) -> str:
        """Any of the words as typed, without synonyms: rows matching it are listed first."""
        return " OR ".join(f'"{w}"' for w in self.words)


def parse(text: str, synonym_sets: list[Synonyms] = SYNONYM_SETS) -> SearchQuery:
    """The query for ``text``: its words as quoted phrases, synonym terms expanded; no parts when it has no words."""
    found = words(text)
    query = SearchQuery(text, truncated=len(found) > MAX_WORDS)
    found = query.words = found[:MAX_WORDS]
    keys = [_key(w) for w in found]
    candidates = sorted(((phrase, synonyms) for synonyms in synonym_sets for phrase in synonyms.phrases),
                        key=lambda pair: -len(pair[0]))
    i = 0
    while i < len(found):
        hit = next(((phrase, synonyms) for phrase, synonyms in candidates
                    if tuple(keys[i:i + len(phrase)]) == tuple(_key(w) for w in phrase)), None)
        if hit:
            phrase, synonyms = hit
            query.parts.append(synonyms.alternatives())
            if synonyms not in query.expanded:
                query.expanded.append(synonyms)
            i += len(phrase)
        else:
            query.parts.append(f'"{found[i]}"')
            i += 1
    return query
