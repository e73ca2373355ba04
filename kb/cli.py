"""The ``kb`` command line: each command a thin wrapper over one library function."""

from __future__ import annotations

import sys
from pathlib import Path

import click

import kb
from kb.build import DEFAULT_DB, build as build_database, is_up_to_date
from kb.datafiles import DEFAULT_DATA_DIR
from kb.validate import ValidationError, validate as validate_data

DATA_OPTION = click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
                           default=DEFAULT_DATA_DIR, show_default=True, help="Folder of curated records.")
DB_OPTION = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
                         default=DEFAULT_DB, show_default=True, help="Database file to build or serve.")


@click.group()
@click.version_option(kb.__version__, prog_name="kb")
def cli():
    """Evidence and claims knowledge base: claims anchored to their words, linked to verified studies.

    Data flows one way: data/ -> validate -> build kb.db -> Datasette.
    """


def _report_problems(problems) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(problems)} problem(s) found; nothing was written.", err=True)


@cli.command()
@DATA_OPTION
def validate(data_dir: Path):
    """Check data/ and print every problem (exit code 1 if there is any)."""
    problems = validate_data(data_dir)
    if problems:
        _report_problems(problems)
        sys.exit(1)
    click.echo(f"{data_dir}: no problems found.")


@cli.command()
@DATA_OPTION
@DB_OPTION
def build(data_dir: Path, db_path: Path):
    """Validate data/ and build the database (the previous one is kept if anything fails)."""
    _build(data_dir, db_path)


def _build(data_dir: Path, db_path: Path) -> None:
    try:
        result = build_database(data_dir, db_path)
    except ValidationError as error:
        _report_problems(error.problems)
        sys.exit(1)
    counts = ", ".join(f"{n} {table}" for table, n in result.counts.items())
    click.echo(f"Built {result.db_path} from {data_dir}: {counts}.")


@cli.command()
@DATA_OPTION
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
def serve(data_dir: Path, db_path: Path, host: str, port: int):
    """Build if data/ changed since the last build, then start Datasette."""
    from kb.serve import run_server

    if is_up_to_date(data_dir, db_path):
        click.echo(f"{db_path} is up to date with {data_dir}.")
    else:
        _build(data_dir, db_path)
    click.echo(f"Serving the knowledge base at http://{host}:{port}/ (Ctrl-C to stop)")
    run_server(db_path, host=host, port=port)


@cli.command()
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of the repository's metadata.json.")
def metadata(output: Path | None):
    """Regenerate metadata.json (Datasette's), docs/columns.md and docs/grading.md from the code."""
    from kb.publish import METADATA_PATH, write_metadata

    path = write_metadata(output or METADATA_PATH)
    click.echo(f"Wrote {path}")

if __name__ == "__main__":
    cli()
