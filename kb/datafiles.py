"""Read and write the curated records in ``data/``.

``data/`` is the source of truth: one CSV file per table (columns as in
:mod:`kb.models`), plus the archived article texts.  Files are written
sorted by primary key, UTF-8, with ``\\n`` line endings, so that a change
shows as a small diff.  Writes replace files atomically (temporary file,
then rename), so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import hashlib
import io
import json
import operator
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
from sqlmodel import SQLModel

from kb.faults import failpoint
from kb.models import DATA_MODELS, data_columns, primary_key

DEFAULT_DATA_DIR = Path("data")
"""Curated records, relative to the working directory (the repository root)."""


@dataclass
class Table:
    """The rows of one data file as strings, with their line numbers."""

    model: type[SQLModel]
    path: Path
    columns: list[str]  # header as found in the file
    n_rows: int
    frame: pd.DataFrame | None = None  # as read from the file, every value a str ('' when empty)
    values: dict[str, list[str]] = field(default_factory=dict, repr=False)  # column -> values, converted from frame once

    @property
    def name(self) -> str:
        return self.model.__tablename__

    def line_of(self, index: int) -> int:
        """File line of the row at ``index`` (the header is line 1)."""
        return index + 2

    def column(self, name: str) -> list[str]:
        """One column's values, in file order (cached: tables can hold millions of rows)."""
        if name not in self.values:
            found = self.frame is not None and name in self.frame.columns
            self.values[name] = self.frame[name].tolist() if found else [""] * self.n_rows
        return self.values[name]

    def records(self) -> list[dict[str, str]]:
        """Rows as dicts (cached)."""
        if "_records" not in self.__dict__:
            self.__dict__["_records"] = [dict(zip(self.columns, values)) for values in zip(*(self.column(c) for c in self.columns))]
        return self.__dict__["_records"]

    def __len__(self) -> int:
        return self.n_rows


def data_file(data_dir: Path, model: type[SQLModel]) -> Path:
    return Path(data_dir) / model.__data_file__


def read_table(data_dir: Path, model: type[SQLModel]) -> Table:
    """Read one data file; every value is a string ('' when empty)."""
    path = data_file(data_dir, model)
    if not path.exists():
        return Table(model, path, data_columns(model), 0)
    frame = pd.read_csv(path, dtype=object, keep_default_na=False, na_filter=False, encoding="utf-8")
    return Table(model, path, list(frame.columns), len(frame), frame)


def read_all(data_dir: Path) -> dict[str, Table]:
    """Every data file, keyed by table name."""
    return {m.__tablename__: read_table(data_dir, m) for m in DATA_MODELS}


def sorted_rows(model: type[SQLModel], rows: list[dict], consume: bool = False) -> list[list[str]]:
    """Rows as lists of text in the data file's column order, sorted by primary key.

    With ``consume``, each dict is dropped from ``rows`` as soon as it is converted,
    so that a large table is never held twice.
    """
    columns = data_columns(model)
    sort_key = operator.itemgetter(*[columns.index(k) for k in primary_key(model)])
    getter, attributes = operator.itemgetter(*columns), operator.attrgetter(*columns)

    def text_values(row) -> list[str]:
        try:
            found = getter(row) if isinstance(row, dict) else attributes(row)  # dicts, or slotted row objects
        except KeyError:  # a partial row: missing columns are empty
            found = [row.get(c) for c in columns]
        return [v if v.__class__ is str else _cell(v) for v in found]

    if consume:
        values = []
        for index in range(len(rows)):
            values.append(text_values(rows[index]))
            rows[index] = None
    else:
        values = [text_values(row) for row in rows]
    values.sort(key=sort_key)
    return values


def csv_line(values: list[str]) -> str:
    """One line of a data file: fields quoted only when they hold a comma, a quote or a line break.

    The same bytes as ``csv.writer`` with minimal quoting and ``\\n`` line
    endings, except that a lone carriage return is quoted too (``csv.writer``
    leaves it bare, and readers then take it for a line break).  Done in
    Python with substring tests because ``csv.writer`` copies fields character
    by character: on a 150 MB studies.csv of abstracts this is five times as fast.
    """
    line = ",".join([f'"{v.replace(chr(34), chr(34) * 2)}"' if ("," in v or '"' in v or "\n" in v or "\r" in v) else v
                     for v in values])
    return line + "\n" if line else '""\n'


def write_csv(handle, model: type[SQLModel], values: list[list[str]]) -> None:
    """Write the data file of ``model`` (header, then ``values`` from :func:`sorted_rows`) to an open text handle."""
    write = handle.write
    write(csv_line(data_columns(model)))
    for row in values:
        write(csv_line(row))


def to_csv_text(model: type[SQLModel], rows: list[dict]) -> str:
    """Rows rendered as the data file for ``model``: known columns, sorted by primary key."""
    buffer = io.StringIO()
    write_csv(buffer, model, sorted_rows(model, rows))
    return buffer.getvalue()


def table_from_values(data_dir: Path, model: type[SQLModel], values: list[list[str]]) -> Table:
    """A :class:`Table` over rows held in memory (as they would be written), for validating before writing."""
    columns = data_columns(model)
    by_column = map(list, zip(*values)) if values else ([] for _ in columns)
    return Table(model, data_file(data_dir, model), columns, len(values), values=dict(zip(columns, by_column)))


def _cell(value) -> str:
    if value.__class__ is str:
        return value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600 files; data files are ordinary files
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def data_fingerprint(data_dir: Path) -> str:
    """SHA-256 over the names and contents of every file in ``data_dir``.

    Hidden files (temporary files of an interrupted write, locks) are ignored.
    """
    digest = hashlib.sha256()
    data_dir = Path(data_dir)
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(data_dir)
        if any(part.startswith(".") for part in relative.parts):
            continue
        digest.update(str(relative.as_posix()).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@contextlib.contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector for bulk work.

    Builds and loads create millions of long-lived objects and no reference
    cycles; with the collector running, each generation-2 pass walks them
    all again, which made a million-link build several times slower.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


LOCK_FILE = ".kb.lock"
JOURNAL_FILE = ".kb-transaction.json"


LOCK_WAIT = 30.0
"""Seconds a command waits for another to release data/ by default (a full-scale load and rebuild takes about 26)."""


class DataLocked(Exception):
    """Another process (a load or a build) holds the lock on data/ and did not release it in time."""

    def __init__(self, data_dir: Path, waited: float, holder: str = ""):
        self.data_dir, self.waited, self.holder = Path(data_dir), waited, holder
        super().__init__(f"{data_dir} is locked by {holder or 'another kb command (a load or a build)'}; waited {waited:g} s "
                         f"for it to finish. The lock is released when that process ends (deleting {LOCK_FILE} would not help).")


def lock_holder(path: Path) -> str:
    """'process PID (its command line)' for the process holding a flock on ``path``, from Linux's /proc/locks; '' if unknown."""
    try:
        status = os.stat(path)
        with open("/proc/locks", encoding="ascii", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return ""
    wanted = f"{os.major(status.st_dev):02x}:{os.minor(status.st_dev):02x}:{status.st_ino}"
    for line in lines:
        parts = line.split()
        if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5] == wanted:  # waiting requests are marked '->' and do not match
            pid = parts[4]
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                command = ""
            return f"process {pid}" + (f" ({command})" if command else "")
    return ""


@contextlib.contextmanager
def data_lock(data_dir: Path, timeout: float | None = None):
    """Hold the exclusive lock on ``data_dir`` (waiting up to ``timeout`` seconds, :data:`LOCK_WAIT` when None),
    after finishing any interrupted commit.

    The lock is a ``flock`` on ``data_dir/.kb.lock`` (created when missing);
    the system releases it when its holder ends, however it ends.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"{data_dir} is not a data folder")
    timeout = LOCK_WAIT if timeout is None else timeout
    with open(data_dir / LOCK_FILE, "a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                    raise DataLocked(data_dir, timeout, lock_holder(data_dir / LOCK_FILE)) from None
                time.sleep(0.1)
        try:
            recover(data_dir)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit_files(data_dir: Path, contents: dict[str, str | Callable]) -> None:
    """Replace several files of ``data_dir`` all at once, or not at all.

    ``contents`` maps a path relative to ``data_dir`` to its text, or to a
    function that writes it to an open file.  Every new file is written beside its target first; then a journal naming
    the renames is put in place atomically (the commit point); then the
    renames are done and the journal removed.  A process killed before the
    journal exists leaves the old files (its temporaries are swept up later);
    killed after, the next :func:`recover` completes the renames.  Call with
    :func:`data_lock` held.
    """
    data_dir = Path(data_dir)
    renames = []
    for relative, content in contents.items():
        target = data_dir / relative
        temporary = _temporary(target)
        with open(temporary, "w", encoding="utf-8", newline="", buffering=1 << 20) as handle:
            content(handle) if callable(content) else handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        renames.append([temporary.name, relative])
    failpoint("commit:temporaries-written")
    journal = data_dir / JOURNAL_FILE
    atomic_write_text(journal, json.dumps({"renames": renames}))
    _fsync_dir(data_dir)
    failpoint("commit:journal-written")
    _apply_journal(data_dir)


def _apply_journal(data_dir: Path) -> None:
    journal = data_dir / JOURNAL_FILE
    renames = json.loads(journal.read_text(encoding="utf-8"))["renames"]
    for number, (temporary, relative) in enumerate(renames):
        source = data_dir / Path(relative).parent / temporary
        if source.exists():
            os.replace(source, data_dir / relative)
        if number == 0:
            failpoint("commit:first-rename-done")
    _fsync_dir(data_dir)
    journal.unlink()


def recover(data_dir: Path) -> None:
    """Finish a commit that was interrupted after its commit point; discard one interrupted before it."""
    data_dir = Path(data_dir)
    if (data_dir / JOURNAL_FILE).exists():
        _apply_journal(data_dir)
    for stray in data_dir.rglob(".*.tmp"):
        stray.unlink()
