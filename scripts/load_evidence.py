#!/usr/bin/env python3
"""Load evidence from export files: a thin entry point over `kb load` (same options; see --help)."""

import sys

from kb.cli import cli

if __name__ == "__main__":
    cli(["load", *sys.argv[1:]], prog_name="load_evidence.py")
