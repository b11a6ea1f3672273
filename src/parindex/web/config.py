"""Reading the web settings from environment variables.

Pure functions over a mapping (normally `os.environ`), so that `settings.py` stays a flat
list of Django settings and the parsing rules can be tested without reloading settings.
Importing this module, or calling anything here except `ensure_secret_key_file`, touches
no file and no database.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

SECRET_KEY_FILE = "secret_key"
SQLITE_FILE = "parindex.sqlite3"

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off", ""})


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A yes/no variable; a value that is neither is a configuration error, not `False`."""
    if name not in env:
        return default
    value = env[name].strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={env[name]!r}: use 1/0, true/false, yes/no or on/off")


def env_int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    if name not in env or not env[name].strip():
        return default
    try:
        value = int(env[name].strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={env[name]!r} is not a whole number") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def env_list(env: Mapping[str, str], name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blanks are dropped."""
    if name not in env:
        return list(default)
    return [item.strip() for item in env[name].split(",") if item.strip()]


def data_dir(env: Mapping[str, str]) -> Path:
    """Where parindex keeps its database, secret key, static files and uploads.

    `PARINDEX_DATA_DIR`, else the user's data folder: `$XDG_DATA_HOME/parindex`,
    `~/.local/share/parindex`, or `%LOCALAPPDATA%\\parindex` on Windows.
    """
    explicit = env.get("PARINDEX_DATA_DIR", "").strip()
    if explicit:
        return Path(explicit).expanduser().resolve()
    if sys.platform == "win32" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "parindex"
    xdg = env.get("XDG_DATA_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return (base / "parindex").resolve()


def media_dir(env: Mapping[str, str], data: Path) -> Path:
    """Uploaded evidence files: outside the static root, served only through views."""
    explicit = env.get("PARINDEX_MEDIA_DIR", "").strip()
    return Path(explicit).expanduser().resolve() if explicit else data / "media"


def database(env: Mapping[str, str], data: Path) -> dict[str, Any]:
    """`DATABASE_URL` (any URL dj-database-url reads), else a SQLite file in the data dir.

    SQLite is tuned for a few gunicorn workers writing at once: WAL journal, and
    transactions that take the write lock when they begin (IMMEDIATE) so two writers wait
    for each other instead of one failing with "database is locked" half-way.
    """
    import dj_database_url

    url = env.get("DATABASE_URL", "").strip()
    if url:
        try:
            config = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
        except Exception as exc:  # dj-database-url raises several kinds for a bad URL
            raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {exc}") from None
        if not config.get("ENGINE"):
            raise ImproperlyConfigured("DATABASE_URL names no database engine")
        if config["ENGINE"] == "django.db.backends.sqlite3":
            config.setdefault("OPTIONS", {}).update(_sqlite_options())
            config["CONN_MAX_AGE"] = 0
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(data / SQLITE_FILE),
        "OPTIONS": _sqlite_options(),
    }


def _sqlite_options() -> dict[str, Any]:
    return {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }


def secret_key(env: Mapping[str, str], data: Path, debug: bool) -> str:
    """`PARINDEX_SECRET_KEY`, else the key persisted in `<data dir>/secret_key`.

    The key file is written by `parindex serve` / `web-setup` (see `ensure_secret_key_file`)
    and, in debug mode only, on first use. With debug off and neither present, starting is
    refused: a made-up key would log every user out at each restart and differ between
    workers.
    """
    key = env.get("PARINDEX_SECRET_KEY", "").strip()
    if key:
        return key
    path = data / SECRET_KEY_FILE
    if path.is_file():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    if debug:
        return ensure_secret_key_file(data)
    raise ImproperlyConfigured(
        "PARINDEX_SECRET_KEY is not set and there is no key file "
        f"{path}: set the variable, or run `parindex web-setup` once to create the file."
    )


def ensure_secret_key_file(data: Path) -> str:
    """Create `<data dir>/secret_key` (readable by its owner only) if missing; return the key."""
    path = data / SECRET_KEY_FILE
    if path.is_file():
        existing = path.read_text(encoding="utf-8").strip()
        if existing:
            return existing
    data.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def email(env: Mapping[str, str]) -> dict[str, Any]:
    """E-mail settings: the console backend unless an SMTP host is given."""
    host = env.get("PARINDEX_EMAIL_HOST", "").strip()
    backend = env.get("PARINDEX_EMAIL_BACKEND", "").strip() or (
        "django.core.mail.backends.smtp.EmailBackend"
        if host
        else "django.core.mail.backends.console.EmailBackend"
    )
    return {
        "EMAIL_BACKEND": backend,
        "EMAIL_HOST": host or "localhost",
        "EMAIL_PORT": env_int(env, "PARINDEX_EMAIL_PORT", 25, minimum=1),
        "EMAIL_HOST_USER": env.get("PARINDEX_EMAIL_USER", ""),
        "EMAIL_HOST_PASSWORD": env.get("PARINDEX_EMAIL_PASSWORD", ""),
        "EMAIL_USE_TLS": env_bool(env, "PARINDEX_EMAIL_USE_TLS", False),
        "DEFAULT_FROM_EMAIL": env.get("PARINDEX_DEFAULT_FROM_EMAIL", "parindex@localhost"),
    }
