#!/usr/bin/env python3
"""Precision and recall of `kb check` on labelled sets of passages: by default the tuning set
(tests/fixtures/check/labelled.json) and the held-out sets (tests/fixtures/check/holdout*.json), never tuned on.

    python scripts/check_quality.py [--labelled FILE ...] [--db kb.db]
"""

import argparse
import json
from pathlib import Path

from kb.build import build, is_up_to_date
from kb.check import Matcher, evaluate

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "check"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labelled", type=Path, nargs="+",
                        default=[FIXTURES / "labelled.json", *sorted(FIXTURES.glob("holdout*.json"))])
    parser.add_argument("--data", type=Path, default=REPO / "data")
    parser.add_argument("--db", type=Path, default=REPO / "kb.db")
    args = parser.parse_args()
    if not is_up_to_date(args.data, args.db):
        build(args.data, args.db)
    matcher = Matcher.from_database(args.db)
    for path in args.labelled:
        passages = json.loads(path.read_text(encoding="utf-8"))
        result = evaluate(passages, matcher)
        print(f"{path.name}: {len(passages)} labelled passages")
        for kind in ("claims", "flags"):
            r = result[kind]
            print(f"  {kind:7s} precision {r['precision']:.2f} ({r['true_positives']}/{r['predicted']})  "
                  f"recall {r['recall']:.2f} ({r['true_positives']}/{r['expected']})")
        for miss in result["misses"]:
            print(f"    {miss['passage']} [{miss['kind']}]: unexpected {miss['unexpected']}, missed {miss['missed']}")


if __name__ == "__main__":
    main()
