"""What every command working on the web application's data shares: the `--data-dir` option
and opening its database (settings for that directory, pending migrations applied)."""

from __future__ import annotations

from pathlib import Path

import typer

DATA_DIR_OPTION = typer.Option(
    None,
    "--data-dir",
    help="Data directory (default: PARINDEX_DATA_DIR or ~/.local/share/parindex).",
)


def open_web_database(data_dir: Path | None) -> None:
    """Set Django up on `data_dir` and migrate, so a command works on a fresh directory too.
    Imported lazily: commands that never touch the web application do not load Django."""
    from parindex.web.setup import django_setup, migrate

    django_setup(data_dir)
    migrate()
