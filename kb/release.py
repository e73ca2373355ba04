"""``kb release``: a versioned, reproducible bundle of the knowledge base that others can cite and reuse.

A release is a folder ``OUT/<version>/`` (never overwritten) holding::

    kb.db                          the database built from data/
    tables/<table>.csv, .json      every public table (kb/exports/datapackage.py), sorted by primary key
    datapackage.json               Frictionless data package: a Table Schema per table, sizes and hashes
    claimreview.json               a schema.org ClaimReview per claim (kb/exports/claimreview.py)
    bibliography/studies.ris, studies.bib, studies.csl.json
    CHANGELOG.md                   what changed since the previous release (kb/changelog.py)
    release.json                   version, the release time, the data fingerprint, counts
    SHA256SUMS                     checksums of every other file (``sha256sum -c SHA256SUMS``)

Reproducible: the release time (``released_at``) is the one recorded
timestamp.  It is written in ``release.json``, as the build time in the
database's ``build_info`` (and so in its table files), as the date of the
CHANGELOG and of the claim reviews; everything else depends only on
``data/`` and the version.  Building twice with the same time (``--timestamp``
or ``SOURCE_DATE_EPOCH``) gives byte-identical folders.  The folder is
written beside its final place and renamed into it when complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import kb
from kb import changelog
from kb.build import build
from kb.datafiles import DEFAULT_DATA_DIR
from kb.exports import claimreview, datapackage
from kb.exports.citations import bibliography
from kb.exports.formats import BIBLIOGRAPHY_FORMATS
from kb.metadata import DATABASE, TITLE, metadata

DEFAULT_OUT = Path("releases")
VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
FIRST_VERSION = "1.0.0"
CHECKSUMS = "SHA256SUMS"
MANIFEST = "release.json"


class ReleaseError(Exception):
    """The release cannot be made (message says why); nothing was written."""


@dataclass
class ReleaseResult:
    path: Path
    version: str
    previous: Path | None
    counts: dict[str, int]


def version_key(version: str) -> tuple[int, int, int]:
    match = VERSION.match(version)
    if not match:
        raise ReleaseError(f"version {version!r} is not X.Y.Z (three whole numbers)")
    return tuple(int(part) for part in match.groups())


def releases(out_dir: Path) -> list[Path]:
    """The release folders in ``out_dir``, oldest version first."""
    found = [p for p in Path(out_dir).glob("*") if (p / MANIFEST).is_file() and VERSION.match(p.name)]
    return sorted(found, key=lambda p: version_key(p.name))


def next_version(previous: Path | None) -> str:
    """The patch after the previous release's version, or 1.0.0 for a first release."""
    if previous is None:
        return FIRST_VERSION
    major, minor, patch = version_key(json.loads((previous / MANIFEST).read_text(encoding="utf-8"))["version"])
    return f"{major}.{minor}.{patch + 1}"


def release_time(timestamp: str | None = None) -> str:
    """The release time, ISO 8601 UTC to the second: ``timestamp``, else SOURCE_DATE_EPOCH, else now."""
    if timestamp:
        try:
            moment = datetime.fromisoformat(timestamp)
        except ValueError:
            raise ReleaseError(f"timestamp {timestamp!r} is not an ISO 8601 date or time") from None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    elif os.environ.get("SOURCE_DATE_EPOCH"):
        moment = datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), timezone.utc)
    else:
        moment = datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def claim_url(site_url: str):
    """The address of a claim's page on the site (None when the site's address is not known)."""
    from datasette.utils import tilde_encode

    return (lambda claim_id: f"{site_url.rstrip('/')}/{DATABASE}/claims/{tilde_encode(claim_id)}") if site_url else None


def write_text(path: Path, text: str) -> bytes:
    data = text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def write_tables(conn: sqlite3.Connection, folder: Path) -> tuple[list[dict], dict[str, int]]:
    """tables/<name>.csv and .json for every public table; the data package resources and row counts."""
    resources, counts = [], {}
    for name in datapackage.public_tables(conn):
        columns, rows = datapackage.table_rows(conn, name)
        data = write_text(folder / "tables" / f"{name}.csv", datapackage.csv_text(name, columns, rows))
        write_text(folder / "tables" / f"{name}.json", datapackage.json_text(columns, rows))
        resources.append(datapackage.resource(name, f"tables/{name}.csv", data))
        counts[name] = len(rows)
    return resources, counts


def package_descriptor(version: str, resources: list[dict]) -> dict:
    site = metadata()
    return {
        "profile": "tabular-data-package",
        "name": "microneedling-claims-evidence",
        "title": TITLE,
        "description": site["description"],
        "version": version,
        "licenses": [{"name": "CC-BY-4.0", "path": site["license_url"], "title": site["license"]}],
        "resources": resources,
    }


def write_checksums(folder: Path) -> None:
    """SHA256SUMS: one 'hash  path' line per file, sorted by path (the format of sha256sum)."""
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != CHECKSUMS):
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(folder).as_posix()}\n")
    write_text(folder / CHECKSUMS, "".join(lines))


def stamp_build_time(db_path: Path, released_at: str) -> None:
    """Record the release time as the database's build time, so the bundle depends on no other clock."""
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            conn.execute("UPDATE build_info SET built_at = ?", (released_at,))
    finally:
        conn.close()


def write_release(folder: Path, data_dir: Path, version: str, released_at: str, previous: Path | None, site_url: str) -> dict[str, int]:
    """Every file of the release into ``folder``; the row counts."""
    result = build(data_dir, folder / "kb.db")
    stamp_build_time(folder / "kb.db", released_at)
    conn = sqlite3.connect(f"file:{folder / 'kb.db'}?mode=ro", uri=True)
    try:
        resources, counts = write_tables(conn, folder)
        reviews = claimreview.claim_reviews(conn, released_at[:10], claim_url(site_url), site_url)
        entries = bibliography(conn)
    finally:
        conn.close()
    write_text(folder / "datapackage.json", json.dumps(package_descriptor(version, resources), indent=2, ensure_ascii=False) + "\n")
    write_text(folder / "claimreview.json", json.dumps(reviews, indent=2, ensure_ascii=False) + "\n")
    for extension, export in BIBLIOGRAPHY_FORMATS.items():
        write_text(folder / "bibliography" / f"studies.{extension}", export.dumps(entries))
    previous_manifest = json.loads((previous / MANIFEST).read_text(encoding="utf-8")) if previous else None
    write_text(folder / "CHANGELOG.md", changelog.changelog(folder, previous, version, released_at[:10], previous_manifest))
    manifest = {"version": version, "released_at": released_at, "previous_version": previous_manifest["version"] if previous_manifest else None,
                "kb_version": kb.__version__, "data_sha256": result.data_sha256, "site_url": site_url, "rows": counts,
                "bibliography_left_out": {"reason": "no verified title", "studies": entries.left_out}}
    write_text(folder / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    write_checksums(folder)
    return counts


def release(data_dir: Path = DEFAULT_DATA_DIR, out_dir: Path = DEFAULT_OUT, version: str | None = None,
            previous: Path | None = None, timestamp: str | None = None, site_url: str = "") -> ReleaseResult:
    """Build a release of ``data_dir`` in ``out_dir/<version>``; the CHANGELOG compares it with ``previous``
    (by default the latest release in ``out_dir``).

    Raises :class:`ReleaseError` (or :class:`kb.validate.ValidationError` for bad data) before anything is
    in place; a release folder is never overwritten.
    """
    out_dir = Path(out_dir)
    if previous is not None and not (Path(previous) / MANIFEST).is_file():
        raise ReleaseError(f"{previous} is not a release folder (it has no {MANIFEST})")
    previous = Path(previous) if previous is not None else next(reversed(releases(out_dir)), None)
    version = version or next_version(previous)
    version_key(version)
    target = out_dir / version
    if target.exists():
        raise ReleaseError(f"{target} already exists; a release is never overwritten (choose another --version)")
    released_at = release_time(timestamp)
    temporary = out_dir / f".{version}.tmp-{os.getpid()}"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    try:
        counts = write_release(temporary, Path(data_dir), version, released_at, previous, site_url)
        errors = datapackage.validation_errors(temporary / "datapackage.json")
        if errors:
            raise ReleaseError("the data package is not valid:\n" + "\n".join(errors[:20]))
        os.rename(temporary, target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return ReleaseResult(target, version, previous, counts)
