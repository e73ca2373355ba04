"""The evidence map: every claim placed by certainty and verdict, sized by its number of studies.

Two renderings of one layout (:func:`grid`):

* the map on the site, an HTML table (``_kb_macros.html``) whose markers are
  links to the claims and whose labels are text at the page's own size, so it
  reads on a phone as well as on a desktop;
* an SVG figure rendered with matplotlib when the database is built and
  stored in the ``figures`` table (``/-/figures/evidence-map.svg``), for
  downloading and reports.  Its markers and labels are links too; text stays
  text, and the output is deterministic (no timestamp, fixed ids).

Marker shapes and colours come from the vocabulary's order (:func:`kind_styles`),
so a new claim kind gets a style without a change here.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections import defaultdict

from kb import vocab

MAX_LABELS = 150
"""Above this many claims the SVG draws markers without their labels, which would be unreadable."""

SHAPES = (("o", "circle"), ("^", "triangle"), ("s", "square"), ("D", "diamond"), ("v", "triangle-down"), ("p", "pentagon"))
"""(matplotlib marker, CSS shape) pairs, given to the claim kinds in vocabulary order."""

PALETTE = ("#1b7837", "#b2182b", "#2166ac", "#8c510a", "#762a83", "#35978f")
"""Marker colours, given to the claim kinds in vocabulary order (ColorBrewer, distinct in print)."""

LABEL_WIDTH = 34
"""Characters per line of a claim's label in the SVG (a label stays within its certainty column)."""


def kind_styles() -> dict[str, dict]:
    """Marker, CSS shape and colour for each claim kind, by its place in the vocabulary."""
    return {term.value: {"marker": SHAPES[i % len(SHAPES)][0], "shape": SHAPES[i % len(SHAPES)][1],
                         "colour": PALETTE[i % len(PALETTE)], "label": term.label}
            for i, term in enumerate(vocab.CLAIM_KINDS.terms)}


def marker_size(n_studies: int) -> int:
    """Marker width in CSS pixels: grows with the number of studies, within a readable range."""
    return min(30, 10 + round(4 * math.sqrt(n_studies)))


NOT_GRADED = vocab.Term("", "Not graded", "No certainty level: nothing counts yet, or a background fact that GRADE does not rate.")
"""The column for claims without a certainty level (``claim_summary.certainty`` empty)."""


def _axes() -> tuple[list[vocab.Term], list[vocab.Term]]:
    """Certainty levels lowest first (left to right, after 'not graded'), verdicts most favourable first (top to bottom)."""
    certainties = [NOT_GRADED, *sorted(vocab.CERTAINTY_LEVELS.terms, key=lambda t: t.extra["rank"])]
    verdicts = sorted(vocab.VERDICTS.terms, key=lambda t: -t.extra["rank"])  # stable: vocabulary order breaks ties
    return certainties, verdicts


def grid(summaries: list[dict]) -> dict:
    """The map's layout: one row per verdict (only those in use), one cell per certainty level.

    ``summaries`` are rows of ``claim_summary`` (claim_id, statement, kind, verdict, certainty, n_studies),
    optionally only the first few of each cell with ``cell_total`` saying how many the cell holds
    (each cell then reports how many ``more`` it has).
    """
    certainties, verdicts = _axes()
    cells: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in sorted(summaries, key=lambda r: r["claim_id"]):
        cells[(row["verdict"], row["certainty"] or "")].append(dict(row, size=marker_size(row["n_studies"])))
    used = {verdict for verdict, _ in cells}
    level_terms = [{"value": t.value, "label": t.label, "description": t.description} for t in certainties]
    return {
        "certainties": level_terms,
        "rows": [{"verdict": {"value": v.value, "label": v.label, "description": v.description},
                  "cells": [_cell(level, cells[(v.value, level["value"])]) for level in level_terms]}
                 for v in verdicts if v.value in used],
        "kinds": [{"value": t.value, "label": t.label} for t in vocab.CLAIM_KINDS.terms],
    }


def _cell(level: dict, claims: list[dict]) -> dict:
    total = max((c.get("cell_total") or 0 for c in claims), default=0)
    return {"certainty": level, "claims": claims, "more": max(0, total - len(claims))}


def _cell_offsets(count: int) -> list[float]:
    """Vertical offsets spreading ``count`` markers that share one cell."""
    step = 0.8 / max(count, 1)
    return [((count - 1) / 2 - index) * step for index in range(count)]


def render_svg(summaries: list[dict], claim_url: str = "/kb/claims/{}") -> str:
    """SVG of the claims (rows of ``claim_summary``) on certainty x verdict axes; ``claim_url`` links each marker."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "kb-evidence-map", "font.size": 9})
    certainties, verdicts = (([t.value for t in axis]) for axis in _axes())
    verdicts.reverse()  # matplotlib's y axis grows upwards: most favourable on top
    cells: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for row in sorted(summaries, key=lambda r: r["claim_id"]):
        cells[(certainties.index(row["certainty"] or ""), verdicts.index(row["verdict"]))].append(row)
    crowded = max((len(rows) for rows in cells.values()), default=1)
    labelled = len(summaries) <= MAX_LABELS

    styles = kind_styles()
    figure, axes = plt.subplots(figsize=(14, max(9, 0.6 * crowded * len(verdicts))))
    points = {kind: ([], [], [], []) for kind in styles}
    for (x, y), rows in sorted(cells.items()):
        for dy, row in zip(_cell_offsets(len(rows)), rows):
            xs, ys, sizes, urls = points[row["kind"]]
            url = claim_url.format(row["claim_id"])
            xs.append(x)  # on the certainty tick, so the marker reads as belonging to its column
            ys.append(y + dy)
            sizes.append(30 + 25 * row["n_studies"])
            urls.append(url)
            if labelled:
                label = axes.annotate(textwrap.fill(row["statement"], LABEL_WIDTH), (x, y + dy), xytext=(9, 0),
                                      textcoords="offset points", ha="left", va="center", fontsize=7, zorder=4)
                label.set_url(url)
    for kind, (xs, ys, sizes, urls) in points.items():
        markers = axes.scatter(xs, ys, s=sizes, marker=styles[kind]["marker"], color=styles[kind]["colour"], alpha=0.75,
                               edgecolors="black", linewidths=0.6, zorder=3, label=f"{styles[kind]['label']} claim")
        markers.set_urls(urls)
    axes.set_xticks(range(len(certainties)), [term.label for term in _axes()[0]])
    axes.set_yticks(range(len(verdicts)), [vocab.VERDICTS.term(v).label for v in verdicts])
    axes.set_xlim(-0.3, len(certainties) - 0.05)  # room on the right for the last column's labels
    axes.set_ylim(-0.6, len(verdicts) - 0.4)
    axes.set_xlabel("Certainty of the evidence (GRADE-style)")
    axes.set_ylabel("Verdict on the article's claim")
    axes.grid(True, color="#dddddd", zorder=0)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, title="Marker: claim kind\nSize: number of studies")
    axes.set_title("Evidence map: every claim by verdict and certainty")
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    return buffer.getvalue()
