#!/usr/bin/env python3
"""Fuzz every loader with many more examples than the tests: random bytes, real exports cut short and mutated.

    python scripts/fuzz_loaders.py [--examples 1000]

Prints, for each kind of input, how many loads ran, how long they took and how they ended (format read,
refused or loaded). Any load that ends in anything but a report or a clean error stops the run with
Hypothesis's smallest failing example. Needs the test extra (pip install -e '.[test]').
"""

import argparse
from pathlib import Path

from kb.loaders.fuzzing import EXAMPLE_COUNTS, campaign, fixture_files

REPO = Path(__file__).resolve().parent.parent
FIXTURES = [REPO / "tests" / "fixtures" / "exports", REPO.parent / "shared" / "fixtures" / "exports"]

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=1000, help="examples for each kind of input")
    examples = parser.parse_args().examples
    files = fixture_files(FIXTURES)
    print(f"{len(files)} real export files to start from; {examples} examples of each kind of input")
    for kind, seconds, loader in campaign(files, dict.fromkeys(EXAMPLE_COUNTS, examples)):
        n_loads = sum(loader.outcomes.values())
        refused = sum(n for (_, _, ending), n in loader.outcomes.items() if ending == "refused")
        read = ", ".join(f"{fmt} {n}" for fmt, n in sorted(loader.records_read.items()) if n)
        print(f"{kind}: {n_loads} loads in {seconds:.0f} s: {n_loads - refused} loaded, {refused} refused with a clean error; "
              f"records read: {read}")
    print("No load ended in a traceback.")
