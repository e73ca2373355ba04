#!/usr/bin/env python3
"""Benchmark the knowledge base at a chosen scale and print the table (see docs/performance.md).

    python scripts/benchmark.py --scale smoke    # seconds: the CI smoke test
    python scripts/benchmark.py --scale full     # 100,000 studies, 10,000 claims, 1,000,000 links
"""

import argparse
import sys

from kb.benchmark import SCALES, format_table, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=list(SCALES), default="smoke", help="size of the synthetic knowledge base (default: smoke)")
    args = parser.parse_args()
    rows = run(args.scale, report=lambda message: print(message, file=sys.stderr))
    print(format_table(rows, args.scale))


if __name__ == "__main__":
    main()
