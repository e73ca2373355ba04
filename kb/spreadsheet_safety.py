"""Text that a spreadsheet would run as a formula, and how to make it plain text again.

A CSV cell that begins with ``=``, ``+``, ``@``, a tab or a carriage return
is read by Excel, LibreOffice and Google Sheets as a formula: a title of
``=HYPERLINK("http://...")`` becomes a link, ``+cmd|' /C calc'!A0`` a
command (OWASP, "CSV Injection").  A leading ``-`` is a formula too when an
expression follows it (``-2+3+cmd|...``); a plain negative number or a
dash before words is left alone.

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

DASH_FORMULA = re.compile(r"-.*[=+\-*/^&(|!@]", re.S)
"""A leading dash followed by an expression: an operator, a call, a DDE pipe or a sheet reference."""

NEUTRALISER = "'"
"""Prefixed to a formula-like cell; a spreadsheet shows the rest as text."""


_STARTS = frozenset(FORMULA_STARTS)


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would take ``text``, as a whole cell, for a formula."""
    first = text[:1]
    if first == "-":
        return DASH_FORMULA.match(text) is not None
    return first in _STARTS


def neutralise(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: a single quote before a formula, anything else unchanged."""
    return NEUTRALISER + text if is_formula(text) else text
