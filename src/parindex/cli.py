"""The `parindex` command.

Each command group lives in `parindex.commands.<name>` and registers itself here, so
the command modules stay small and owned by the capability they expose.
"""

from __future__ import annotations

import importlib

import typer

from parindex import __version__

app = typer.Typer(
    name="parindex",
    help="Administrative-reform evaluation: PAR Index (Chỉ số CCHC), surveys, service index.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMAND_MODULES = (
    "framework",
    "score",
    "summary",
    "analyze",
    "demo",
    "calendar",
    "service_index",
    "dossiers",
    "units",
    "serve",
    "survey",
    "reports",
    "api_token",
    "report",
    "heads",
    "plans",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"parindex {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True),
) -> None:
    """parindex command line."""


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"parindex.commands.{_name}")
    except ModuleNotFoundError as exc:  # a command group not written yet
        if exc.name != f"parindex.commands.{_name}":
            raise
        continue
    _module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
