"""Text that a spreadsheet would run as a formula, and how to make it plain text again.

A CSV cell that begins with ``=``, ``+``, ``@``, a tab or a carriage return
is read by Excel, LibreOffice and Google Sheets as a formula: a title of
``=HYPERLINK("http://...")`` becomes a link, ``+cmd|' /C calc'!A0`` a
command (OWASP, "CSV Injection").  A leading ``-`` is a formula too when an
expression follows it (``-2+3+cmd|...``); only a plain negative number
(``-5``, ``-0.25``) is left alone, the same rule as the release's CSV files.

OWASP's advice is to make such a cell start with a single quote, which a
spreadsheet shows as text and does not run.  :func:`neutralise` does that.
The loaders apply it to every text field they read (:mod:`kb.load`), and
any code that writes a CSV for people to open (release files, reports)
should pass each cell through it.  The data files in ``data/`` are read by
``kb``, not by spreadsheets, and are written as they are.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""
_STARTS = frozenset(FORMULA_STARTS)

NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d+)?")
"""The one kind of cell starting with a dash that is not taken as the start of a formula."""

NEUTRALISER = "'"
"""Prefixed to a formula-like cell; a spreadsheet shows the rest as text."""


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would take ``text``, as a whole cell, for a formula."""
    first = text[:1]
    if first == "-":
        return NEGATIVE_NUMBER.fullmatch(text) is None
    return first in _STARTS


def neutralise(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: a single quote before a formula, anything else unchanged."""
    return NEUTRALISER + text if is_formula(text) else text
