"""Precision and recall of `kb check` on labelled passages (tests/fixtures/check/*.json, scripts/check_quality.py)."""

from __future__ import annotations

from kb.check.matching import Matcher
from kb.check.report import DEFAULT_MIN_SCORE, check_text


def evaluate(passages: list[dict], matcher: Matcher, min_score: float = DEFAULT_MIN_SCORE) -> dict:
    """Micro-averaged precision and recall of claim detection (claim and direction) and of flags.

    Each passage is ``{"id", "text", "claims": [[claim_id, direction], ...], "flags": [flag_id, ...]}``.
    """
    counts = {"claims": [0, 0, 0], "flags": [0, 0, 0]}  # true positives, predicted, expected
    misses = []
    for passage in passages:
        report = check_text(passage["text"], matcher, min_score, passage["id"])
        predicted = {"claims": {(m.claim_id, m.direction) for f in report.findings for m in f.claims},
                     "flags": {h.flag_id for f in report.findings for h in f.flags}}
        expected = {"claims": {tuple(c) for c in passage["claims"]}, "flags": set(passage["flags"])}
        for kind in counts:
            counts[kind][0] += len(predicted[kind] & expected[kind])
            counts[kind][1] += len(predicted[kind])
            counts[kind][2] += len(expected[kind])
            if predicted[kind] != expected[kind]:
                misses.append({"passage": passage["id"], "kind": kind, "unexpected": sorted(predicted[kind] - expected[kind]),
                               "missed": sorted(expected[kind] - predicted[kind])})
    return {kind: {"precision": tp / p if p else 1.0, "recall": tp / e if e else 1.0, "true_positives": tp, "predicted": p, "expected": e}
            for kind, (tp, p, e) in counts.items()} | {"misses": misses}
