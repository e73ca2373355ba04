"""The evidence map: every claim placed by certainty and verdict, sized by its number of studies.

Rendered as SVG with matplotlib when the database is built and stored in the
``figures`` table, so the picture always matches the data it was built with.
Text stays text in the SVG (labels are readable and searchable), and the
output is deterministic (no timestamp, fixed ids) so rebuilding from the same
data gives the same bytes.
"""

from __future__ import annotations

import io
from collections import defaultdict

from kb import vocab

MAX_LABELS = 150
"""Above this many claims the markers are drawn without their labels, which would be unreadable."""

KIND_MARKERS = {"benefit": "o", "risk": "^", "safety": "s", "description": "D"}
KIND_COLOURS = {"benefit": "#1b7837", "risk": "#b2182b", "safety": "#2166ac", "description": "#8c510a"}


def _cell_offsets(count: int) -> list[float]:
    """Vertical offsets spreading ``count`` markers that share one cell."""
    step = 0.8 / max(count, 1)
    return [((count - 1) / 2 - index) * step for index in range(count)]


def render_svg(summaries: list[dict]) -> str:
    """SVG of the claims (rows of ``claim_summary``) on certainty x verdict axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "kb-evidence-map", "font.size": 9})
    certainties = [None] + [t.value for t in sorted(vocab.CERTAINTY_LEVELS.terms, key=lambda t: t.extra["rank"])]
    verdicts = [t.value for t in sorted(vocab.VERDICTS.terms, key=lambda t: (t.extra["rank"], t.value))]  # most favourable on top
    cells: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for row in sorted(summaries, key=lambda r: r["claim_id"]):
        cells[(certainties.index(row["certainty"]), verdicts.index(row["verdict"]))].append(row)

    figure, axes = plt.subplots(figsize=(12, 9))
    points = {kind: ([], [], []) for kind in KIND_MARKERS}
    for (x, y), rows in sorted(cells.items()):
        for dy, row in zip(_cell_offsets(len(rows)), rows):
            xs, ys, sizes = points[row["kind"]]
            xs.append(x - 0.36)
            ys.append(y + dy)
            sizes.append(30 + 25 * row["n_studies"])
            if len(summaries) <= MAX_LABELS:
                axes.annotate(row["claim_id"], (x - 0.36, y + dy), xytext=(9, 0), textcoords="offset points",
                              ha="left", va="center", fontsize=7.5, zorder=4)
    for kind, (xs, ys, sizes) in points.items():
        axes.scatter(xs, ys, s=sizes, marker=KIND_MARKERS[kind], color=KIND_COLOURS[kind], alpha=0.75,
                     edgecolors="black", linewidths=0.6, zorder=3, label=f"{kind} claim")
    axes.set_xticks(range(len(certainties)), [vocab.CERTAINTY_LEVELS.term(c).label if c else "Not graded" for c in certainties])
    axes.set_yticks(range(len(verdicts)), [vocab.VERDICTS.term(v).label for v in verdicts])
    axes.set_xlim(-0.6, len(certainties) - 0.4)
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
