"""Benchmarks: build, load and Datasette latency at a chosen scale, each beside a baseline from the same run.

``scripts/benchmark.py`` is the entry point.  Every figure is measured
here and now, never remembered: the build against raw ``sqlite3``
``executemany`` of the same rows into the same schema, the load against
parsing the same file without loading it, page latencies against a real
``kb serve`` on a loopback port with a bounded number of requests (each
rendered, the page cache bypassed), and many readers at once with ``wrk``
against the same server beside a trivial uvicorn app (the floor).
"""

from __future__ import annotations

import csv
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlmodel import create_engine

from kb.build import PAGE_SIZE, build, create_indexes, tables_only
from kb.datafiles import read_all
from kb.loaders import pubmed_xml
from kb.models import DATA_MODELS, data_columns
from kb.synthetic import generate, write_pubmed_xml

SCALES = {
    # name: (studies, claims, links, PubMed records to load)
    "smoke": (1_000, 100, 10_000, 1_000),
    "medium": (10_000, 1_000, 100_000, 10_000),
    "full": (100_000, 10_000, 1_000_000, 100_000),
}
REQUESTS = {"smoke": (1, 5)}
"""(warm-up, timed) requests per page; every scale not listed uses (5, 50)."""
UNCACHED = {"Cookie": "kb_benchmark=render"}
"""A cookie makes the page cache step aside (kb.web.page_cache): the latency rows time Datasette rendering each page."""
CONNECTIONS = 200
"""Readers at once in the concurrency rows."""
WRK_SECONDS = {"smoke": 2}
"""Seconds of each wrk run; every scale not listed uses 15."""
WRK_TIMEOUT = "2s"
"""wrk's default: a request unanswered this long counts as a timeout (an error)."""
WRK_INSTALL = "wrk is not installed (Debian or Ubuntu: apt-get install wrk; macOS: brew install wrk)"
REPEATS = {"smoke": 1}
"""Timed loads (each beside a parse-only run) per scale, the median reported; every scale not listed uses 3."""


@dataclass
class Row:
    measure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def raw_sqlite_baseline(data_dir: Path, scratch: Path) -> tuple[float, int]:
    """Seconds to insert the data files' rows with raw sqlite3 executemany into the same schema, in one transaction.

    The schema is created whole (indexes included) with the build's page size, then the rows go in.
    """
    path = scratch / "baseline.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    engine = create_engine(f"sqlite:///{path}")
    tables_only(conn, engine)
    create_indexes(conn, engine)
    conn.commit()
    engine.dispose()
    rows = {}
    for model in DATA_MODELS:
        # the file's columns, plus those the build derives (empty here) so that NOT NULL holds
        derived = tuple("" if not c.nullable else None for c in model.__table__.columns if c.name not in data_columns(model))
        with open(data_dir / model.__data_file__, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            nullable = [model.__table__.columns[c].nullable for c in data_columns(model)]
            rows[model] = [tuple(None if (v == "" and n) else v for v, n in zip(row, nullable)) + derived for row in reader]
    start = time.perf_counter()
    with conn:
        for model, values in rows.items():
            columns = data_columns(model) + [c.name for c in model.__table__.columns if c.name not in data_columns(model)]
            if values:
                conn.executemany(f"INSERT INTO {model.__tablename__} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", values)
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed, sum(len(v) for v in rows.values())


LOAD_WITH_PEAK = """
import sys
from kb.cli import cli
try:
    cli(sys.argv[1:], standalone_mode=False)
finally:
    print(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1], file=sys.stderr)
"""
"""`kb load` that reports its own peak resident memory (kB) last on stderr.

The child's own high-water mark: the rusage of children would count the pages
the large benchmark process shared with it between fork and exec."""


def process_tree_pss(pid: int) -> int:
    """Proportional set size (kB) of process ``pid`` and its descendants: shared pages are counted once in all."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            total += next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            children = [int(child) for child in handle.read().split()]
    except (OSError, StopIteration):  # the process has just ended
        return total
    return total + sum(process_tree_pss(child) for child in children)


@dataclass
class LoadRun:
    seconds: float
    peak_mb: float  # the main process's high-water mark
    peak_tree_mb: float = 0.0  # the largest sampled sum over the load's processes (0 when not sampled)


def time_load(xml: Path, data_template: Path, scratch: Path, sample_memory: bool = False) -> LoadRun:
    """One ``kb load --no-build`` of ``xml`` into a fresh copy of ``data_template``, as a separate process.

    With ``sample_memory`` the memory of the load and its parser process is sampled every 20 ms (which
    costs the machine some time, so timed runs do not sample).
    """
    load_data = scratch / "load-data"
    shutil.rmtree(load_data, ignore_errors=True)
    shutil.copytree(data_template, load_data, ignore=shutil.ignore_patterns(".*"))
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", LOAD_WITH_PEAK, "load", "--data", str(load_data), "--no-build", str(xml)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_tree = 0
    while sample_memory and process.poll() is None:
        peak_tree = max(peak_tree, process_tree_pss(process.pid))
        time.sleep(0.02)
    _, stderr = process.communicate()
    seconds = time.perf_counter() - start
    if process.returncode:
        raise RuntimeError(f"kb load failed: {stderr}")
    return LoadRun(seconds, int(stderr.strip().splitlines()[-1]) / 1024, peak_tree / 1024)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("kb serve did not start")
            time.sleep(0.25)


def latency(url: str, warmup: int = 5, timed_requests: int = 50) -> tuple[float, float]:
    """p50 and p95 in milliseconds over ``timed_requests`` requests after ``warmup`` ones, each page rendered."""
    request = urllib.request.Request(url, headers=UNCACHED)
    try:
        for _ in range(warmup):
            urllib.request.urlopen(request, timeout=30).read()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{url}: HTTP {error.code}: {error.read()[:300]!r}") from None
    samples = []
    for _ in range(timed_requests):
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{url}: HTTP {response.status}")
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, round(0.95 * len(samples)) - 1)]


FLOOR_PAGE = b"<!DOCTYPE html><html><body><p>" + b"x" * (30_000 - 46) + b"</p></body></html>\n"
"""The floor's answer: a constant 30 KB page, about the size of a claim page."""


async def floor_app(scope, receive, send):
    """The floor for this machine: the least an ASGI app under uvicorn can do per request (a constant page)."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(FLOOR_PAGE)).encode())]})
    await send({"type": "http.response.body", "body": FLOOR_PAGE})


@dataclass
class WrkRun:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors (connect, read, write, timeout) and non-2xx/3xx answers

    def __str__(self) -> str:
        return (f"{self.requests_per_second:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, "
                f"{self.errors} errors or timeouts")


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def parse_wrk(output: str) -> WrkRun:
    """The figures of ``wrk --latency`` output."""
    percentile = {m.group(1): _milliseconds(m.group(2)) for m in re.finditer(r"^\s+(50|99)%\s+(\S+)", output, re.M)}
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = sum(map(int, socket_errors.groups())) if socket_errors else 0
    return WrkRun(float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)), percentile["50"], percentile["99"],
                  errors + (int(non_2xx.group(1)) if non_2xx else 0))


def wrk(url: str, seconds: int, connections: int = CONNECTIONS) -> WrkRun:
    """``wrk`` against ``url`` for ``seconds`` with ``connections`` open at once (two threads, one per core)."""
    threads = min(2, connections)
    result = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", WRK_TIMEOUT, url],
                            capture_output=True, text=True, check=True)
    return parse_wrk(result.stdout)


def concurrency(base: str, claim_path: str, scale: str) -> list[Row]:
    """Many readers at once: the claim and home pages (cached) under wrk, beside the floor in the same run."""
    names = {"floor": f"{CONNECTIONS} readers at once (wrk): floor, a constant 30 KB page from a trivial uvicorn app",
             "claim": f"{CONNECTIONS} readers at once (wrk): claim row page",
             "home": f"{CONNECTIONS} readers at once (wrk): home page",
             "single": "1 reader (wrk): claim row page, cached"}
    if shutil.which("wrk") is None:
        return [Row(name, f"not measured: {WRK_INSTALL}") for name in names.values()]
    seconds = WRK_SECONDS.get(scale, 15)
    port = free_port()
    floor = subprocess.Popen([sys.executable, "-m", "uvicorn", "kb.benchmark:floor_app", "--port", str(port), "--log-level", "warning"],
                             cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        floor_url = f"http://127.0.0.1:{port}/"
        wait_for(floor_url, floor)
        runs = {"floor": wrk(floor_url, seconds)}
    finally:
        floor.terminate()
        floor.wait(timeout=30)
    target = ">= 1,000 req/s, p99 < 250 ms, 0 errors"
    for key, path in (("claim", claim_path), ("home", "/")):
        urllib.request.urlopen(base + path, timeout=30).read()  # rendered once, then served from the cache
        runs[key] = wrk(base + path, seconds)
    runs["single"] = wrk(base + claim_path, seconds, connections=1)
    floor_run = runs["floor"]
    rows = [Row(names["floor"], str(floor_run))]
    for key in ("claim", "home"):
        rows.append(Row(names[key], str(runs[key]), f"floor: {floor_run}",
                        f"{runs[key].requests_per_second / floor_run.requests_per_second:.2f}x", target))
    rows.append(Row(names["single"], str(runs["single"]), target="p99 < 100 ms"))
    return rows


def pages(data_dir: Path) -> dict[str, str]:
    """The pages and canned queries to time, with typical parameters taken from the data."""
    tables = read_all(data_dir)
    claim = tables["claims"].column("id")[len(tables["claims"]) // 2]
    study = tables["studies"].column("id")[len(tables["studies"]) // 2]
    load_id = tables["loads"].column("id")[0]
    return {
        "claim_summary table with facets": "/kb/claim_summary",
        "claim row page (HTML)": f"/kb/claims/{claim}",
        "study row page (HTML)": f"/kb/studies/{study}",
        "full-text search (claims)": "/kb/claims?_search=collagen",
        "full-text search (studies, term in ~30% of them)": "/kb/studies?_search=melasma",
        "full-text search (studies, term in ~0.5% of them)": "/kb/studies?_search=rareterm042",
        "search page (claims + studies)": "/-/search?q=scar",
        "query evidence_for_claim": f"/kb/evidence_for_claim?claim_id={claim}",
        "query risk_and_safety_evidence": "/kb/risk_and_safety_evidence",
        "query darker_skin_studies": "/kb/darker_skin_studies",
        "query conflicting_evidence": "/kb/conflicting_evidence",
        "query incomplete_verification": "/kb/incomplete_verification",
        "query certainty_reasons": f"/kb/certainty_reasons?claim_id={claim}",
        "query curator_overrides": "/kb/curator_overrides",
        "query load_changes": f"/kb/load_changes?load_id={load_id}",
        "home page (beyond the issue's list)": "/",
        "claim_evidence table with facets, all links (beyond the issue's list)": "/kb/claim_evidence",
    }


def run(scale: str, report: Callable[[str], None] = print) -> list[Row]:
    """Run every measurement at ``scale`` and return the table (also reported line by line)."""
    n_studies, n_claims, n_links, n_records = SCALES[scale]
    rows: list[Row] = []
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as scratch_name:
        scratch = Path(scratch_name)
        data, db = scratch / "data", scratch / "kb.db"
        report(f"generating {n_studies:,} studies, {n_claims:,} claims, {n_links:,} links ...")
        counts = generate(data, n_studies, n_claims, n_links)
        n_rows = sum(counts.values())

        report("building ...")
        build_seconds = timed(lambda: build(data, db))
        baseline_seconds, baseline_rows = raw_sqlite_baseline(data, scratch)
        rows.append(Row(f"kb build: {n_rows:,} rows (validation, grading, FTS, map included)", f"{build_seconds:.2f} s",
                        f"{baseline_seconds:.2f} s raw sqlite3 executemany of {baseline_rows:,} rows",
                        f"{build_seconds / baseline_seconds:.2f}x", "<= 2x"))
        rows.append(Row("kb.db size", f"{db.stat().st_size / 1e6:.1f} MB"))

        report(f"writing a {n_records:,}-record PubMed XML file ...")
        xml = scratch / "pubmed.xml"
        write_pubmed_xml(xml, n_records)
        data_template = repo / "data" if (repo / "data").is_dir() else data
        repeats = REPEATS.get(scale, 3)
        report(f"loading it ({repeats} timed runs, each beside a parse-only run, and one run sampling memory) ...")
        parse_times, load_times = [], []
        for _ in range(repeats):
            parse_times.append(timed(lambda: sum(1 for _ in pubmed_xml.parse_file(xml))))
            load_times.append(time_load(xml, data_template, scratch).seconds)
        memory = time_load(xml, data_template, scratch, sample_memory=True)
        parse_seconds, load_seconds = statistics.median(parse_times), statistics.median(load_times)
        runs = f"; median of {repeats} runs: {', '.join(f'{t:.2f}' for t in load_times)} s" if repeats > 1 else ""
        parse_runs = f" (runs: {', '.join(f'{t:.2f}' for t in parse_times)} s)" if repeats > 1 else ""
        rows.append(Row(f"kb load: {n_records:,} PubMed XML records into data/ (a new process: start-up and imports included{runs})",
                        f"{n_records / load_seconds:,.0f} records/s ({load_seconds:.2f} s)",
                        f"{parse_seconds:.2f} s parse only, in this process{parse_runs}",
                        f"{load_seconds / parse_seconds:.2f}x", ">= 5,000/s, <= 2x"))
        rows.append(Row("kb load: peak memory", f"{memory.peak_mb:.0f} MB main process (high-water mark); "
                        f"{memory.peak_tree_mb:.0f} MB load and parser processes together (largest 20 ms sample of PSS)",
                        target="< 500 MB"))

        report("serving ...")
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "kb.cli", "serve", "--data", str(data), "--db", str(db), "--port", str(port)],
                                  cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/", server)
            timed_pages = pages(data)
            for name, path in timed_pages.items():
                p50, p95 = latency(base + path, *REQUESTS.get(scale, (5, 50)))
                rows.append(Row(f"Datasette {name}", f"p50 {p50:.0f} ms, p95 {p95:.0f} ms", target="p95 < 100 ms"))
            report(f"{CONNECTIONS} readers at once ...")
            rows += concurrency(base, timed_pages["claim row page (HTML)"], scale)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return rows


def format_table(rows: list[Row], scale: str) -> str:
    lines = [f"Benchmark at scale '{scale}' on {platform.machine()} ({os.cpu_count()} cores), Python {platform.python_version()}, "
             f"SQLite {sqlite3.sqlite_version}", "",
             "| measure | value | baseline (same run) | ratio | target |", "|---|---|---|---|---|"]
    lines += [f"| {r.measure} | {r.value} | {r.baseline} | {r.ratio} | {r.target} |" for r in rows]
    return "\n".join(lines)
