"""`parindex api-token`: keys for the JSON API (`Authorization: Bearer <key>`).

    parindex api-token create --user baocao.stp --name "sync script" [--expires 2026-12-31]
    parindex api-token list [--user baocao.stp]
    parindex api-token revoke 12

`create` prints the key once, alone on standard output (KEY=$(parindex api-token create
...) works); only its SHA-256 is stored, so a lost key is revoked and replaced, never
recovered. A token acts as its user, with the user's roles at the time of each request.
The database is the one `parindex serve` uses (`--data-dir`, `DATABASE_URL`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from parindex.commands.webdata import DATA_DIR_OPTION, open_web_database


def _user(username: str):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        typer.echo(f"error: no user named {username!r}", err=True)
        raise typer.Exit(1)
    return user


def _expiry(expires: str | None, days: int | None) -> dt.datetime | None:
    """The end of the given day (inclusive, Asia/Ho_Chi_Minh), or now + days."""
    from django.utils import timezone

    if expires and days is not None:
        raise typer.BadParameter("give --expires or --expires-days, not both")
    if days is not None:
        if days < 1:
            raise typer.BadParameter("must be 1 or more", param_hint="--expires-days")
        return timezone.now() + dt.timedelta(days=days)
    if not expires:
        return None
    try:
        day = dt.date.fromisoformat(expires)
    except ValueError:
        raise typer.BadParameter("give a date as YYYY-MM-DD", param_hint="--expires") from None
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(end, timezone.get_default_timezone())


def register(app: typer.Typer) -> None:
    token_app = typer.Typer(
        help="Keys for the JSON API (/api/): create, list, revoke.", no_args_is_help=True
    )
    app.add_typer(token_app, name="api-token")

    @token_app.command("create")
    def create_command(
        user: str = typer.Option(..., "--user", help="User name the token acts as."),
        name: str = typer.Option(..., "--name", help="What the token is for."),
        expires: str | None = typer.Option(
            None, "--expires", help="Last day of validity (YYYY-MM-DD, inclusive)."
        ),
        expires_days: int | None = typer.Option(
            None, "--expires-days", help="Valid for this many days from now."
        ),
        data_dir: Path | None = DATA_DIR_OPTION,
    ) -> None:
        """Create a token and print its key, once."""
        if not name.strip():
            raise typer.BadParameter("must not be empty", param_hint="--name")
        expires_at = _expiry(expires, expires_days)
        open_web_database(data_dir)
        from parindex.web.api.models import ApiToken

        owner = _user(user)
        if not owner.is_active:
            typer.echo(f"error: user {user!r} is not active", err=True)
            raise typer.Exit(1)
        token, key = ApiToken.issue(owner, name, expires_at=expires_at)
        until = f", expires {expires_at:%Y-%m-%d %H:%M %Z}" if expires_at else ""
        typer.echo(f"Token {token.pk} ({token.name}) for {owner.get_username()}{until}.", err=True)
        typer.echo("The key is shown only now; send it as 'Authorization: Bearer <key>':", err=True)
        typer.echo(key)

    @token_app.command("list")
    def list_command(
        user: str | None = typer.Option(None, "--user", help="Only this user's tokens."),
        data_dir: Path | None = DATA_DIR_OPTION,
    ) -> None:
        """List tokens (never their keys)."""
        open_web_database(data_dir)
        from django.utils import timezone

        from parindex.web.api.models import ApiToken

        tokens = ApiToken.objects.select_related("user").order_by("user__username", "pk")
        if user:
            tokens = tokens.filter(user=_user(user))
        now = timezone.now()
        for t in tokens:
            if t.revoked:
                state = "revoked"
            elif t.expires_at and t.expires_at <= now:
                state = "expired"
            elif not t.user.is_active:
                state = "user inactive"
            else:
                state = "active"
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            typer.echo(
                f"{t.pk}\t{t.user.get_username()}\t{t.name}\t{t.prefix}…\t{state}\tlast used {used}"
            )

    @token_app.command("revoke")
    def revoke_command(
        token_id: int = typer.Argument(..., help="The token's number (see `list`)."),
        data_dir: Path | None = DATA_DIR_OPTION,
    ) -> None:
        """Revoke a token: it stops working at once."""
        open_web_database(data_dir)
        from parindex.web.api.models import ApiToken

        updated = ApiToken.objects.filter(pk=token_id).update(revoked=True)
        if not updated:
            typer.echo(f"error: no token {token_id}", err=True)
            raise typer.Exit(1)
        typer.echo(f"Token {token_id} revoked.")
