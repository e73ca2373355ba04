"""Fuzzing the loaders: whatever bytes a curator loads, the answer is a load report or a clean error.

Hypothesis draws files of four kinds: random bytes, real export files cut
short, real export files with bytes and format marks inserted, deleted and
duplicated, and real JSON exports with a value swapped for another JSON
value.  Each file is loaded (``kb load --dry-run``, into an empty data
folder) in its detected format and in a forced one.  :func:`load_outcome`
returns the report, whether the load succeeded or was refused; any other
exception is a bug, and so is a problem message carrying a traceback.

The tests (``tests/test_loader_fuzz.py``) run a CI-sized number of examples;
``scripts/fuzz_loaders.py`` runs as many as asked.  Needs the ``test`` extra
(Hypothesis).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from hypothesis import HealthCheck, given, settings, strategies as st

from kb.load import LoadFailed, LoadReport, decode, load
from kb.loaders import FORMATS, detect
from kb.loaders.records import FileRejected

FORMAT_CHOICES = ["auto", *FORMATS]

MARKS = [b"\n", b"\r\n", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\t", b" ", b'"', b",", b"{", b"}", b"(", b")", b"@",
         b"=", b"%", b"\\", b"[", b"]", b":", b"null", b"true", b"-1", b"1e999", b"<", b">", b"</", b"/>", b"&", b"&amp;",
         b"&#0;", b"<![CDATA[", b"<!DOCTYPE x [<!ENTITY e 'x'>]>", b"<PubmedArticle>", b"<Author>", b"<Year>",
         b"TY  - ", b"ER  - ", b"PMID- ", b"TI  - ", b"AU  - ", b"FAU - ", b"      ", b"@article{", b"@string{",
         b"@comment{", b"title = ", b"author = {", b" and ", b"title,doi,year\n", b"10.5555/", b"PMC", b"=HYPERLINK(",
         "é".encode(), "\u2028".encode()]
"""Bytes that mean something to one of the formats: inserted into real files to reach deep into each parser."""

EXAMPLE_COUNTS = {"random bytes": 150, "truncated files": 150, "mutated files": 300, "mutated JSON": 150}
"""Examples per kind of input in CI: under 20 seconds in all on a busy two-core machine."""


def fixture_files(folders: list[Path]) -> list[Path]:
    """The export files in ``folders`` (README and MANIFEST files left out), in a stable order."""
    return sorted(p for folder in folders if folder.is_dir() for p in folder.rglob("*")
                  if p.is_file() and p.suffix not in (".md",) and p.name != "MANIFEST.csv")


@dataclass
class Outcome:
    """How one fuzzed load ended: the format read (or tried), records read, and whether it was refused."""

    format: str
    n_read: int
    refused: bool


class Loader:
    """Loads fuzzed files into an empty data folder inside ``folder``, and counts how the loads ended.

    ``outcomes`` counts (format asked, format read, 'loaded' or 'refused');
    ``records_read`` counts the records each format's parser gave.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.data_dir = self.folder / "data"
        self.data_dir.mkdir()
        self.outcomes: Counter = Counter()
        self.records_read: Counter = Counter()

    def load_outcome(self, content: bytes, fmt: str) -> Outcome:
        """Dry-run load ``content`` as ``fmt``: a report, refused or not; anything else raises."""
        path = self.folder / "fuzzed.export"
        path.write_bytes(content)
        try:
            report = load([path], self.data_dir, fmt=fmt, dry_run=True)
            refused = False
        except LoadFailed as failure:
            report, refused = failure.report, True
        check_report(report)
        (file_load,) = report.files
        outcome = Outcome(file_load.format or "unrecognised", file_load.n_read, refused)
        self.outcomes[(fmt, outcome.format, "refused" if refused else "loaded")] += 1
        self.records_read[outcome.format] += outcome.n_read
        return outcome


def check_report(report: LoadReport) -> None:
    """Every problem and warning of ``report`` is a printable message that names its file, not a traceback."""
    for problem in report.problems + [w for f in report.files for w in f.warnings]:
        text = str(problem)
        assert problem.file == "fuzzed.export" and problem.message, text
        assert "Traceback" not in text, text


@st.composite
def random_bytes(draw) -> tuple[bytes, str]:
    return draw(st.binary(max_size=4000)), draw(st.sampled_from(FORMAT_CHOICES))


def by_format(files: list[Path]) -> dict[str, list[Path]]:
    """``files`` grouped by the format detected in each ('unrecognised' for those refused at the door)."""
    groups: dict[str, list[Path]] = {}
    for path in files:
        try:
            fmt = detect(decode(path.read_bytes()))
        except FileRejected:
            fmt = "unrecognised"
        groups.setdefault(fmt, []).append(path)
    return groups


@st.composite
def real_file(draw, groups: dict[str, list[Path]]) -> tuple[bytes, str]:
    """A real export, each format as likely as another, and the format to load it as: half the time
    'auto' or its own, else any."""
    fmt = draw(st.sampled_from(sorted(groups)))
    content = draw(st.sampled_from(groups[fmt])).read_bytes()
    return content, draw(st.sampled_from(["auto", fmt if fmt in FORMATS else "auto"]) | st.sampled_from(FORMAT_CHOICES))


def truncated_files(files: list[Path]) -> st.SearchStrategy:
    groups = by_format(files)

    @st.composite
    def strategy(draw) -> tuple[bytes, str]:
        content, fmt = draw(real_file(groups))
        return content[:draw(st.randoms(use_true_random=False)).randrange(len(content) + 1)], fmt
    return strategy()


def mutated_files(files: list[Path]) -> st.SearchStrategy:
    groups = by_format(files)

    @st.composite
    def strategy(draw) -> tuple[bytes, str]:
        original, fmt = draw(real_file(groups))
        content = bytearray(original)
        places = draw(st.randoms(use_true_random=False))  # anywhere in the file: Hypothesis's own integers favour the ends
        for _ in range(draw(st.integers(1, 3))):
            at = places.randrange(len(content) + 1)
            end = min(len(content), at + places.randrange(200))
            kind = draw(st.sampled_from(["insert", "delete", "duplicate", "replace"]))
            if kind == "insert":
                content[at:at] = draw(st.sampled_from(MARKS) | st.binary(min_size=1, max_size=8))
            elif kind == "delete":
                del content[at:end]
            elif kind == "duplicate":
                content[at:at] = content[at:end]
            else:
                content[at:end] = draw(st.sampled_from(MARKS))
        return bytes(content), fmt
    return strategy()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8)


def mutated_json(files: list[Path]) -> st.SearchStrategy:
    """JSON exports, still valid JSON, with values swapped for others of any type (a number where a list was...)."""
    documents = []
    for path in files:
        try:
            documents.append(json.loads(path.read_bytes()))
        except (ValueError, UnicodeDecodeError):
            continue

    @st.composite
    def strategy(draw) -> tuple[bytes, str]:
        document = json.loads(json.dumps(draw(st.sampled_from(documents))))
        for _ in range(draw(st.integers(1, 6))):
            document = _replace_somewhere(document, draw, draw(JSON_VALUES))
        return json.dumps(document).encode(), draw(st.sampled_from(["auto", "csl-json", "crossref-json"]))
    return strategy()


def _replace_somewhere(node, draw, value):
    """``node`` with one value somewhere inside it (or itself) replaced by ``value``."""
    children = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) if isinstance(node, list) else []
    if not children or draw(st.integers(0, 4)) == 0:
        return value
    key, child = draw(st.sampled_from(children))
    node[key] = _replace_somewhere(child, draw, value)
    return node


def strategies(files: list[Path]) -> dict[str, st.SearchStrategy]:
    """The four kinds of fuzzed input, by name (the keys of :data:`EXAMPLE_COUNTS`)."""
    return {"random bytes": random_bytes(), "truncated files": truncated_files(files),
            "mutated files": mutated_files(files), "mutated JSON": mutated_json(files)}


def fuzz(loader: Loader, strategy: st.SearchStrategy, max_examples: int, derandomize: bool = False) -> Callable[[], None]:
    """A function that loads ``max_examples`` drawn inputs with ``loader`` (Hypothesis shrinks any failure).

    ``derandomize`` draws the same inputs on every run (for CI: a test fails for a change, not for luck).
    """
    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=derandomize,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(strategy)
    def run(drawn: tuple[bytes, str]) -> None:
        loader.load_outcome(*drawn)
    return run


def campaign(files: list[Path], examples: dict[str, int]) -> list[tuple[str, float, Loader]]:
    """Run each kind of input for its number of examples: (kind, seconds, the loader with its counts) per kind."""
    rows = []
    for name, strategy in strategies(files).items():
        with tempfile.TemporaryDirectory(prefix="kb-fuzz-") as folder:
            loader = Loader(Path(folder))
            started = time.perf_counter()
            fuzz(loader, strategy, examples[name])()
            rows.append((name, time.perf_counter() - started, loader))
    return rows
