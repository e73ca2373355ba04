#!/usr/bin/env python3
"""Precision and recall of `kb check` on a labelled set of passages (default: tests/fixtures/check/labelled.json).

    python scripts/check_quality.py [--labelled FILE] [--db kb.db]
"""

import argparse
import json
from pathlib import Path

from kb.build import build, is_up_to_date
from kb.check import Matcher, evaluate

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labelled", type=Path, default=REPO / "tests" / "fixtures" / "check" / "labelled.json")
    parser.add_argument("--data", type=Path, default=REPO / "data")
    parser.add_argument("--db", type=Path, default=REPO / "kb.db")
    args = parser.parse_args()
    if not is_up_to_date(args.data, args.db):
        build(args.data, args.db)
    passages = json.loads(args.labelled.read_text(encoding="utf-8"))
    result = evaluate(passages, Matcher.from_database(args.db))
    print(f"{len(passages)} labelled passages")
    for kind in ("claims", "flags"):
        r = result[kind]
        print(f"{kind:7s} precision {r['precision']:.2f} ({r['true_positives']}/{r['predicted']})  "
              f"recall {r['recall']:.2f} ({r['true_positives']}/{r['expected']})")
    for miss in result["misses"]:
        print(f"  {miss['passage']} [{miss['kind']}]: unexpected {miss['unexpected']}, missed {miss['missed']}")


if __name__ == "__main__":
    main()
