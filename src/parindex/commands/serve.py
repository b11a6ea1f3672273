"""`parindex serve`, `parindex web-setup`, `parindex manage`: run the web application.

    parindex serve                       # http://127.0.0.1:8000, demo data on first start
    parindex serve --host 0.0.0.0 --port 8080 --workers 4 --no-demo --data-dir /srv/parindex
    parindex web-setup [--demo]          # migrate, collect static files, (demo); no server
    parindex manage createsuperuser      # any Django management command

`serve` prepares the data directory (database migrations, static files, secret key), loads
the demo into an empty database unless `--no-demo`, and runs gunicorn in-process. It is
meant for one machine; behind a TLS reverse proxy set PARINDEX_HTTPS=1 and
PARINDEX_BEHIND_PROXY=1 (see docs/WEB.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer

from parindex.commands.webdata import DATA_DIR_OPTION


def prepare(data_dir: Path | None, demo: bool) -> Any:
    """Set up Django, migrate, collect static files, load the demo into an empty database."""
    from parindex.web.setup import collect_static, database_is_empty, django_setup, migrate

    path = django_setup(data_dir)
    applied = migrate()
    if applied:
        typer.echo(f"Database: applied {len(applied)} migration(s).")
    collect_static()
    result = None
    if demo and database_is_empty():
        from parindex.web.demo import load_demo

        result = load_demo()
        typer.echo(f"Demo data: {result.units} unit versions from {result.source}.")
        if result.note:
            typer.echo(f"  note: {result.note}", err=True)
    typer.echo(f"Data directory: {path}")
    return result


def print_demo_accounts(result: Any) -> None:
    from parindex.web.demo import DEMO_PASSWORD

    typer.echo("")
    typer.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    width = max(len(a.username) for a in result.accounts)
    for account in result.accounts:
        where = account.unit_code or "*"
        fields = f", fields {','.join(account.fields)}" if account.fields else ""
        typer.echo(f"  {account.username:<{width}}  {account.role} on {where}{fields}")
    typer.echo("Simulated data only. Start with --no-demo on an empty database for real use.")


LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
ANY_ADDRESS = ("0.0.0.0", "::", "[::]")


def _allow_host(host: str) -> None:
    """Accept requests for the address we listen on, unless PARINDEX_ALLOWED_HOSTS says otherwise.

    Django answers 400 to a Host it does not know. Listening on one address (e.g. the
    server's LAN address) clearly means that name is fine; listening on every address does
    not say which names users will type, so that needs PARINDEX_ALLOWED_HOSTS.
    """
    if os.environ.get("PARINDEX_ALLOWED_HOSTS"):
        return
    if host in ANY_ADDRESS:
        typer.echo(
            "note: listening on every address; set PARINDEX_ALLOWED_HOSTS to the host names "
            "users will type (e.g. cchc.example.gov.vn,10.0.0.5), or requests get 400.",
            err=True,
        )
        return
    name = f"[{host}]" if ":" in host and not host.startswith("[") else host
    if name not in LOCAL_HOSTS:
        os.environ["PARINDEX_ALLOWED_HOSTS"] = ",".join((*LOCAL_HOSTS, name))


def _gunicorn_application(bind: str, workers: int) -> Any:
    from gunicorn.app.base import BaseApplication

    class ParindexGunicorn(BaseApplication):
        """gunicorn run in-process with our options, without reading any command line."""

        def __init__(self, options: dict[str, Any]):
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                if key in self.cfg.settings:  # older gunicorn lacks some settings
                    self.cfg.set(key, value)

        def load(self) -> Any:
            from parindex.web.wsgi import application

            return application

    return ParindexGunicorn(
        {
            "bind": bind,
            "workers": workers,
            "accesslog": "-",
            "errorlog": "-",
            "timeout": 120,
            "graceful_timeout": 30,
            "proc_name": "parindex",
            # gunicorn ≥ 24 opens a control socket in ~/.gunicorn; two instances would clash
            "control_socket_disable": True,
        }
    )


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_command(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
        data_dir: Path | None = DATA_DIR_OPTION,
        workers: int = typer.Option(2, "--workers", min=1, help="gunicorn worker processes."),
        demo: bool = typer.Option(
            True, "--demo/--no-demo", help="Load demo units and accounts into an empty database."
        ),
    ) -> None:
        """Run the web application (gunicorn) after preparing the data directory."""
        if sys.platform == "win32":
            typer.echo("error: gunicorn does not run on Windows; use WSL or a Linux server.")
            raise typer.Exit(1)
        _allow_host(host)
        result = prepare(data_dir, demo)
        if result is not None:
            print_demo_accounts(result)
        address = f"[{host}]" if ":" in host and not host.startswith("[") else host
        typer.echo("")
        typer.echo(f"parindex is at http://{address}:{port}/  (Ctrl+C to stop)")
        from django.db import connections

        connections.close_all()  # workers are forked: none may inherit an open connection
        _gunicorn_application(f"{address}:{port}", workers).run()

    @app.command("web-setup")
    def web_setup_command(
        data_dir: Path | None = DATA_DIR_OPTION,
        demo: bool = typer.Option(
            False, "--demo/--no-demo", help="Load demo units and accounts into an empty database."
        ),
    ) -> None:
        """Prepare the data directory (migrations, static files, secret key) without serving."""
        result = prepare(data_dir, demo)
        if result is not None:
            print_demo_accounts(result)

    @app.command(
        "manage",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def manage_command(
        ctx: typer.Context,
        data_dir: Path | None = DATA_DIR_OPTION,
    ) -> None:
        """Run a Django management command, e.g. `parindex manage createsuperuser`."""
        from django.core.management import execute_from_command_line

        from parindex.web.setup import django_setup

        django_setup(data_dir)
        execute_from_command_line(["parindex manage", *ctx.args])
