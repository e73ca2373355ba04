"""The ``kb`` command line: each command a thin wrapper over one library function."""

from __future__ import annotations

import atexit
import contextlib
import gc
import sys
from pathlib import Path

import click

import kb
from kb import vocab
from kb.build import DEFAULT_DB, build as build_database, is_up_to_date
from kb.datafiles import DEFAULT_DATA_DIR, LOCK_WAIT, DataLocked, data_lock
from kb.load import PROBLEMS_SHOWN, LoadFailed, first_and_rest, load as load_files, terminal_progress
from kb.loaders import FORMATS, NOTICE_FORMATS
from kb.loaders.outcomes_template import FORMAT as OUTCOMES
from kb.validate import ValidationError, validate as validate_data

DATA_OPTION = click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
                           default=DEFAULT_DATA_DIR, show_default=True, help="Folder of curated records.")
DB_OPTION = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
                         default=DEFAULT_DB, show_default=True, help="Database file to build or serve.")
WAIT_OPTION = click.option("--wait", "lock_wait", type=click.FloatRange(0), default=LOCK_WAIT, show_default=True,
                           help="Seconds to wait for another kb command (a load or a build) to finish with data/.")


class Commands(click.Group):
    """The kb group: a command that finds data/ locked by another exits with a message and a way out, not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DataLocked as error:
            command = self.get_command(ctx, ctx.invoked_subcommand or "")
            waits = command is not None and any(p.name == "lock_wait" for p in command.params)
            way_out = ", or let it wait longer with --wait SECONDS." if waits else "."
            click.echo(f"kb: {error}\nRun the command again when it has finished{way_out}", err=True)
            ctx.exit(1)


@click.group(cls=Commands)
@click.version_option(kb.__version__, prog_name="kb")
def cli():
    """Evidence and claims knowledge base: claims anchored to their words, linked to verified studies.

    Data flows one way: data/ -> validate -> build kb.db -> Datasette.
    """
    # At exit, Python's last garbage collection walks the million objects pandas, SQLAlchemy and pydantic
    # create at import (about 0.3 s on every command); they die with the process anyway, so skip them.
    atexit.register(gc.freeze)


@contextlib.contextmanager
def _refusals():
    """For commands that write data/: invalid data becomes a message and exit code 1, never a traceback
    (a held lock is answered for every command by :class:`Commands`)."""
    try:
        yield
    except ValidationError as error:
        _report_problems(error.problems)
        sys.exit(1)


def _report_problems(problems) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(problems)} problem(s) found; nothing was written.", err=True)


@cli.command()
@DATA_OPTION
@WAIT_OPTION
def validate(data_dir: Path, lock_wait: float):
    """Check data/ and print every problem (exit code 1 if there is any)."""
    with data_lock(data_dir, timeout=lock_wait):
        problems = validate_data(data_dir)
    if problems:
        _report_problems(problems)
        sys.exit(1)
    click.echo(f"{data_dir}: no problems found.")


@cli.command()
@DATA_OPTION
@DB_OPTION
@WAIT_OPTION
def build(data_dir: Path, db_path: Path, lock_wait: float):
    """Validate data/ and build the database (the previous one is kept if anything fails)."""
    _build(data_dir, db_path, lock_wait)


def _build(data_dir: Path, db_path: Path, lock_wait: float) -> None:
    try:
        result = build_database(data_dir, db_path, lock_timeout=lock_wait)
    except ValidationError as error:
        _report_problems(error.problems)
        sys.exit(1)
    counts = ", ".join(f"{n} {table}" for table, n in result.counts.items())
    click.echo(f"Built {result.db_path} from {data_dir}: {counts}.")
    _print_moved(result.moved)


@cli.command()
@DATA_OPTION
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
@WAIT_OPTION
def serve(data_dir: Path, db_path: Path, host: str, port: int, lock_wait: float):
    """Build if data/ changed since the last build, then start Datasette."""
    from kb.web.serve import run_server

    if is_up_to_date(data_dir, db_path):
        click.echo(f"{db_path} is up to date with {data_dir}.")
    else:
        _build(data_dir, db_path, lock_wait)
    click.echo(f"Serving the knowledge base at http://{host}:{port}/ (Ctrl-C to stop)")
    run_server(db_path, host=host, port=port)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DATA_OPTION
@DB_OPTION
@click.option("--format", "fmt", type=click.Choice(["auto", *FORMATS, OUTCOMES, *NOTICE_FORMATS]), default="auto", show_default=True,
              help="File format; 'auto' recognises it from the content, not the file name.")
@click.option("--dry-run", is_flag=True, help="Report what would be added, merged and rejected; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Load the valid records; list and record the rejected ones with the load.")
@click.option("--encoding", default=None, help="Encoding of a legacy (non-UTF-8) file, for example cp1252.")
@click.option("--claim", "claim_id", default=None, help="Link every loaded study to this claim id ...")
@click.option("--stance", type=click.Choice(vocab.STANCES.values()), default=None, help="... with this stance ...")
@click.option("--rating", type=click.IntRange(1, 5), default=None, help="... this 1-5 support rating ...")
@click.option("--note", default="", help="... and this note (what the study shows about the claim).")
@click.option("--directness", type=click.Choice(vocab.DIRECTNESS.values()), default="direct", show_default=True,
              help="Directness of the link.")
@click.option("--indirectness-reason", default="", help="How the studies differ from the claim (for indirect links).")
@click.option("--no-build", is_flag=True, help="Update data/ only; do not rebuild the database.")
@click.option("--max-problems", type=click.IntRange(0), default=PROBLEMS_SHOWN, show_default=True,
              help="Problems, warnings and merges listed per file; the rest are counted (0 lists them all).")
@WAIT_OPTION
def load(files, data_dir, db_path, fmt, dry_run, skip_invalid, encoding, claim_id, stance, rating, note,
         directness, indirectness_reason, no_build, max_problems, lock_wait):
    """Load evidence from export files (curator CSV, RIS, BibTeX, PubMed XML, MEDLINE, CSL-JSON, Crossref JSON),
    outcomes of known studies from the outcomes template (docs/outcomes-template.csv), or notices.

    A Retraction Watch data file (CSV) records its retractions, corrections, expressions of concern and
    reinstatements on the studies they are about (matched by DOI, then PMID); it never adds studies, and
    the claims whose verdict or certainty moved are listed with why.

    Every record is validated before anything is written; duplicates (DOI, PMID, PMCID,
    then title + year) are merged into the existing study, filling only empty fields.
    The load is recorded in data/loads.csv, data/ is updated atomically, and the
    database is rebuilt. Loading the same file twice changes nothing.
    """
    from kb.loaders.records import LinkSpec

    links = []
    if claim_id or stance or rating or note:
        if not (claim_id and stance and rating and note):
            raise click.UsageError("--claim, --stance, --rating and --note go together")
        links.append(LinkSpec(claim_id, stance, rating, note, directness, indirectness_reason))
    try:
        with _refusals():
            report = load_files(list(files), data_dir, None if (no_build or dry_run) else db_path, fmt=fmt, links=links,
                                dry_run=dry_run, skip_invalid=skip_invalid, encoding=encoding,
                                command=" ".join(["kb", *sys.argv[1:]]), progress=terminal_progress("Reading"),
                                lock_timeout=lock_wait)
    except LoadFailed as failure:
        _print_report(failure.report, max_problems)
        click.echo(f"{len(failure.report.problems)} problem(s) found; nothing was written.", err=True)
        sys.exit(1)
    _print_report(report, max_problems, db_path)


def _print_report(report, limit: int, db_path: Path | None = None) -> None:
    for file_load in report.files:
        if file_load.same_as:
            click.echo(f"{file_load.path.name}: the same file (SHA-256) as {file_load.same_as}, loaded once; skipped")
            continue
        if file_load.format in NOTICE_FORMATS:
            _print_notices(file_load, report.written, limit)
            continue
        click.echo(f"{file_load.path.name} ({file_load.format or 'unrecognised'}): {file_load.n_read} read, "
                   f"{file_load.count('added')} added, {file_load.count('merged')} merged, "
                   f"{file_load.count('duplicate')} duplicates within the load, {file_load.count('unchanged')} unchanged, "
                   f"{file_load.count('rejected')} rejected, {file_load.links_added} links added")
        merges = [o for o in file_load.outcomes if o.action in ("merged", "duplicate")]
        _echo_bounded([f"  {o.location}: {o.action} into {o.study_id} ({o.detail})" for o in merges], limit, "merge(s)", err=False)
        _echo_bounded([f"  {'rejected' if report.written else 'problem'}: {p}" for p in file_load.problems], limit, "problem(s)")
        _echo_bounded([f"  warning: {w}" for w in file_load.warnings], limit, "warning(s)")
    if report.dry_run:
        click.echo("Dry run: nothing was written.")
    elif not report.changed and not report.problems:
        click.echo("Nothing changed: every record is already in the knowledge base.")
    elif report.written:
        click.echo("Loaded: data/ updated" + ("" if not report.files else "; load ids " + ", ".join(f.load_id for f in report.files if f.changed)) + ".")
    _print_moved(report.moved, db_path)


def _print_notices(file_load, written: bool, limit: int) -> None:
    """A notices file's part of a load report: each notice recorded (or refused), and how many rows matched no study."""
    click.echo(f"{file_load.path.name} ({file_load.format}): {file_load.n_read} read, {file_load.notices_added} notices recorded, "
               f"{file_load.count('unchanged')} already recorded, {file_load.count('unmatched')} about no study in the knowledge base, "
               f"{file_load.count('rejected')} rejected")
    recorded = [o for o in file_load.outcomes if o.action == "notice"]
    _echo_bounded([f"  {o.location}: {o.detail} recorded on study {o.study_id}" for o in recorded], limit, "notice(s)", err=False)
    _echo_bounded([f"  {'rejected' if written else 'problem'}: {p}" for p in file_load.problems], limit, "problem(s)")


def _print_moved(moved: list[str], db_path: Path | None = None) -> None:
    """The claims a rebuild moved; with ``db_path``, each one from what to what, and why (as `kb diff` prints them)."""
    if moved:
        click.echo(f"{len(moved)} claim(s) whose verdict or certainty moved since the last build: {', '.join(moved)} (kb diff says why).")
    if moved and db_path is not None:
        from kb.history import latest_changes, render_changes

        for line in render_changes(latest_changes(db_path)).splitlines()[1:]:
            click.echo(f"  {line}")


@cli.command()
@DATA_OPTION
def loads(data_dir: Path):
    """List the loads, oldest first: id, when, file, format, and what each added, merged and rejected."""
    from kb.loads import list_loads

    rows = list_loads(data_dir)
    if not rows:
        click.echo(f"No loads in {data_dir}/loads.csv yet.")
    for row in rows:
        state = f"; undone at {row['undone_at']}" if row["undone_at"] else ""
        click.echo(f"{row['id']}  {row['started_at']}  {row['file_name']} ({row['format']}): {row['n_added']} added, "
                   f"{row['n_merged']} merged, {row['n_rejected']} rejected, {row['n_links_added']} links added, "
                   f"{row['n_notices_added'] or 0} notices recorded{state}")


@cli.command()
@click.argument("load_id")
@DATA_OPTION
@DB_OPTION
@click.option("--no-build", is_flag=True, help="Update data/ only; do not rebuild the database.")
@WAIT_OPTION
def unload(load_id: str, data_dir: Path, db_path: Path, no_build: bool, lock_wait: float):
    """Undo load LOAD_ID: remove the studies and links it added, empty the fields it filled in.

    Atomic, and recorded (the load stays in data/loads.csv with its undone_at time). Refused, with
    every reason, when a later change depends on the load: undo later loads first, or undo the
    curator's change.
    """
    from kb.loads import UnloadRefused, unload as unload_load

    try:
        with _refusals():
            report = unload_load(load_id, data_dir, None if no_build else db_path, lock_timeout=lock_wait)
    except UnloadRefused as refused:
        click.echo(f"Load {refused.load_id} was not undone; nothing was written:", err=True)
        for reason in refused.reasons:
            click.echo(f"  {reason}", err=True)
        sys.exit(1)
    click.echo(f"Undid load {report.load_id} ({report.file_name}): removed {report.studies_removed} studies and "
               f"{report.links_removed} links, emptied {report.fields_restored} filled-in fields, "
               f"removed {report.rejections_removed} rejection records and {report.notices_removed} notices.")
    _print_moved(report.moved)


@cli.group()
def review():
    """Review links: list those waiting, accept or reject one (writes data/claim_evidence.csv and rebuilds)."""


@review.command(name="list")
@DATA_OPTION
@click.option("--claim", "claim_id", default=None, help="Only the links of this claim.")
@click.option("--status", type=click.Choice([*vocab.REVIEW_STATUSES.values(), "all"]), default=str(vocab.ReviewStatus.PROPOSED),
              show_default=True, help="Only links with this review status.")
def review_list(data_dir: Path, claim_id: str | None, status: str):
    """List links with their study, stance, note, and why each does not count yet."""
    from kb.review import waiting

    links = waiting(data_dir, claim_id, None if status == "all" else status)
    if not links:
        click.echo(f"No {'' if status == 'all' else status + ' '}links{f' for {claim_id}' if claim_id else ''}.")
    for link in links:
        click.echo(f"{link.claim_id}  {link.study_id}  [{link.review_status}]  {link.citation}: {link.title}")
        click.echo(f"  {link.stance}, {link.directness}, rating {link.rating}: {link.note}")
        click.echo(f"  {'not counted: ' + link.not_counted_reason if link.not_counted_reason else 'counted'}")


def _review_options(command):
    for option in reversed([
        click.argument("claim_id"), click.argument("study_id"), DATA_OPTION, DB_OPTION,
        click.option("--by", default=None, help="Reviewer's name (default: the KB_REVIEWER environment variable)."),
        click.option("--on", default=None, help="Review date, YYYY-MM-DD (default: today)."),
        click.option("--no-build", is_flag=True, help="Update data/ only; do not rebuild the database."),
    ]):
        command = option(command)
    return command


@review.command()
@_review_options
def accept(claim_id, study_id, data_dir, db_path, by, on, no_build):
    """Accept link CLAIM_ID STUDY_ID: it counts once its study's identity is confirmed."""
    _review(claim_id, study_id, vocab.ReviewStatus.ACCEPTED, by, on, "", data_dir, None if no_build else db_path)


@review.command()
@_review_options
@click.option("--reason", required=True, help="Why the link is rejected (added to its note).")
def reject(claim_id, study_id, data_dir, db_path, by, on, no_build, reason):
    """Reject link CLAIM_ID STUDY_ID: kept on the record, never counted."""
    _review(claim_id, study_id, vocab.ReviewStatus.REJECTED, by, on, reason, data_dir, None if no_build else db_path)


def _review(claim_id, study_id, status, by, on, reason, data_dir, db_path) -> None:
    from kb.review import ReviewError, review as review_link, reviewer

    try:
        with _refusals():
            result = review_link(claim_id, study_id, status, reviewer(by), on, reason, data_dir, db_path)
    except ReviewError as error:
        click.echo(f"{error}; nothing was written.", err=True)
        sys.exit(1)
    if not result.changed:
        click.echo(f"Link {claim_id} - {study_id} is already {status}: nothing changed.")
        return
    click.echo(f"Link {claim_id} - {study_id} is now {status}.")
    _print_moved(result.moved)


@cli.command()
@DATA_OPTION
@DB_OPTION
def diff(data_dir: Path, db_path: Path):
    """List the claims whose verdict or certainty moved in the latest build, and why (links, studies, overrides)."""
    from kb.history import latest_changes, render_changes

    if not db_path.exists():
        click.echo(f"{db_path} does not exist yet: run kb build.", err=True)
        sys.exit(1)
    if not is_up_to_date(data_dir, db_path):
        click.echo(f"Note: {db_path} is older than {data_dir}; run kb build to compare the current data.", err=True)
    click.echo(render_changes(latest_changes(db_path)), nl=False)


def _echo_bounded(lines: list[str], limit: int, noun: str, err: bool = True) -> None:
    shown, rest = first_and_rest(lines, limit)
    for line in shown:
        click.echo(line, err=err)
    if rest:
        click.echo(f"  ... and {rest} more {noun} (--max-problems 0 lists them all)", err=err)


@cli.command()
@click.argument("file", type=click.File("rb"))
@DATA_OPTION
@DB_OPTION
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json", "html"]), default="text", show_default=True,
              help="Report format.")
@click.option("--min-score", type=click.FloatRange(0, 1), default=0.6, show_default=True,
              help="Lowest match score reported (0.6 means every curated concept of the claim is present).")
def check(file, data_dir, db_path, output_format, min_score):
    """Check an article (plain text or HTML; '-' for standard input) against the knowledge base.

    Reports, in article order, the sentences that make known claims (with offsets, match score,
    direction, verdict, certainty and the strongest sources), overstatement flags, and sentences
    that look like health claims but match nothing (candidates for curation). When data/
    changed since the last build, checks against a private build of it: the database a
    running `kb serve` shows is never rebuilt by a check.
    """
    from kb.check import RENDERERS, CheckInputError, check_bytes, current_matcher

    try:
        matcher = current_matcher(data_dir, db_path)
    except ValidationError as error:
        _report_problems(error.problems)
        sys.exit(1)
    try:
        report = check_bytes(file.read(), matcher, min_score, source=getattr(file, "name", "<stdin>"))
    except CheckInputError as error:
        click.echo(f"kb check: {error}", err=True)
        sys.exit(1)
    click.echo(RENDERERS[output_format](report), nl=False)


@cli.command()
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of the repository's metadata.json.")
def metadata(output: Path | None):
    """Regenerate metadata.json (Datasette's), docs/columns.md and docs/grading.md from the code."""
    from kb.metadata import METADATA_PATH, write_metadata

    path = write_metadata(output or METADATA_PATH)
    click.echo(f"Wrote {path}")


@cli.command()
@DATA_OPTION
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("releases"), show_default=True,
              help="Folder of releases; this one goes into OUT/VERSION.")
@click.option("--version", "version", default=None, help="Version X.Y.Z (default: the patch after the latest release in --out, or 1.0.0).")
@click.option("--previous", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Release folder the CHANGELOG compares with (default: the latest release in --out).")
@click.option("--timestamp", default=None, help="Release time, ISO 8601 (default: SOURCE_DATE_EPOCH, else now); the only clock a release records.")
@click.option("--site-url", default="", help="Address of the published site, for the claim reviews' links (optional).")
def release(data_dir, out_dir, version, previous, timestamp, site_url):
    """Build a versioned, reproducible release: tables as CSV and JSON with a data package, kb.db,
    ClaimReview, RIS/BibTeX/CSL-JSON, a CHANGELOG against the previous release, and SHA-256 checksums."""
    from kb.release import ReleaseError, release as make_release

    try:
        result = make_release(data_dir, out_dir, version, previous, timestamp, site_url)
    except ValidationError as error:
        _report_problems(error.problems)
        sys.exit(1)
    except ReleaseError as error:
        raise click.ClickException(str(error)) from None
    since = f" (CHANGELOG against {result.previous})" if result.previous else " (first release)"
    click.echo(f"Released {result.version} in {result.path}{since}: {result.counts.get('claims', 0)} claims, "
               f"{result.counts.get('studies', 0)} studies.")


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@DATA_OPTION
def publish(folder: Path, data_dir: Path):
    """Write a deployable site into FOLDER (a new folder): the immutable kb.db, its inspect file, metadata,
    templates, plugins, static files, pinned requirements and a Dockerfile that serves it read-only."""
    from kb.publish import PublishError, publish as publish_site

    try:
        publish_site(folder, data_dir)
    except ValidationError as error:
        _report_problems(error.problems)
        sys.exit(1)
    except PublishError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Published the site in {folder}; serve it with: cd {folder} && docker build -t kb-site . && docker run -p 8001:8001 kb-site")


if __name__ == "__main__":
    cli()
