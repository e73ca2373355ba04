"""Check any article against the knowledge base: which sentences make known claims, what the evidence says.

The first pass a fact-checker would do by hand, without network or model:

* :mod:`kb.check.text` reads the input (plain, or HTML reduced to its visible text) and splits it into sentences
  with their character offsets, telling headings, list items and questions from statements;
* :mod:`kb.check.matching` matches sentences to claims (curated ``claim_terms``), tells assertion from denial,
  notes hedges and who is quoted, and applies the curated ``overstatement_flags``;
* :mod:`kb.check.report` puts the findings together, counts each verdict as itself, lists denials apart, lists
  sentences that read like health claims but match nothing as candidates for curation, and renders the report;
* :mod:`kb.check.quality` measures precision and recall on labelled passages.
"""

from kb.check.matching import ClaimMatch, FlagHit, Matcher, current_matcher
from kb.check.quality import evaluate
from kb.check.report import DEFAULT_MIN_SCORE, RENDERERS, Finding, Report, check_bytes, check_text
from kb.check.text import CheckInputError, Sentence, read_input, split_sentences

__all__ = ["ClaimMatch", "FlagHit", "Matcher", "current_matcher", "evaluate", "DEFAULT_MIN_SCORE", "RENDERERS", "Finding", "Report",
           "check_bytes", "check_text", "CheckInputError", "Sentence", "read_input", "split_sentences"]
