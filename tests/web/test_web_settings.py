"""Settings come from environment variables; parsing is tested on plain dicts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from parindex.web import config


def test_database_url_for_postgresql():
    db = config.database(
        {"DATABASE_URL": "postgres://user:pw@db.example:5433/parindex"}, Path("/d")
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "parindex",
        "user",
        "pw",
        "db.example",
        5433,
    )
    assert db["CONN_MAX_AGE"] == 600 and db["CONN_HEALTH_CHECKS"] is True


def test_default_database_is_sqlite_in_the_data_dir(tmp_path):
    db = config.database({}, tmp_path)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "parindex.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_sqlite_database_url_gets_the_same_tuning(tmp_path):
    db = config.database({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, tmp_path)
    assert db["NAME"] == f"{tmp_path}/x.db"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_bad_database_url_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        config.database({"DATABASE_URL": "nosuchdb://x"}, Path("/d"))


def test_data_dir_explicit_then_xdg_then_home(tmp_path, monkeypatch):
    assert config.data_dir({"PARINDEX_DATA_DIR": str(tmp_path / "d")}) == tmp_path / "d"
    assert config.data_dir({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "parindex"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config.data_dir({}) == tmp_path / "home" / ".local" / "share" / "parindex"


def test_media_dir_defaults_inside_the_data_dir_and_can_move(tmp_path):
    assert config.media_dir({}, tmp_path) == tmp_path / "media"
    assert config.media_dir({"PARINDEX_MEDIA_DIR": str(tmp_path / "m")}, tmp_path) == tmp_path / "m"


def test_booleans_integers_and_lists():
    assert config.env_bool({"X": "yes"}, "X", False) is True
    assert config.env_bool({"X": "0"}, "X", True) is False
    assert config.env_bool({}, "X", True) is True
    with pytest.raises(ImproperlyConfigured, match="X='maybe'"):
        config.env_bool({"X": "maybe"}, "X", False)
    assert config.env_int({"N": "7"}, "N", 5) == 7
    with pytest.raises(ImproperlyConfigured):
        config.env_int({"N": "0"}, "N", 5, minimum=1)
    assert config.env_list({"H": "a.vn, b.vn,,"}, "H", []) == ["a.vn", "b.vn"]


def test_secret_key_from_env_then_file(tmp_path):
    assert config.secret_key({"PARINDEX_SECRET_KEY": "k" * 50}, tmp_path, False) == "k" * 50
    (tmp_path / "secret_key").write_text("from-file\n")
    assert config.secret_key({}, tmp_path, False) == "from-file"


def test_secret_key_is_required_when_debug_is_off(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="PARINDEX_SECRET_KEY"):
        config.secret_key({}, tmp_path, debug=False)
    assert not (tmp_path / "secret_key").exists()


def test_debug_generates_and_persists_a_private_key(tmp_path):
    key = config.secret_key({}, tmp_path / "data", debug=True)
    path = tmp_path / "data" / "secret_key"
    assert len(key) >= 50 and path.read_text().strip() == key
    assert (path.stat().st_mode & 0o777) == 0o600
    assert config.secret_key({}, tmp_path / "data", debug=True) == key  # stable


def test_email_is_console_unless_a_host_is_given():
    assert config.email({})["EMAIL_BACKEND"].endswith("console.EmailBackend")
    smtp = config.email({"PARINDEX_EMAIL_HOST": "mail.gov.vn", "PARINDEX_EMAIL_PORT": "587"})
    assert smtp["EMAIL_BACKEND"].endswith("smtp.EmailBackend") and smtp["EMAIL_PORT"] == 587


def _settings_in_subprocess(env: dict[str, str], expression: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PARINDEX_", "DATABASE_"))}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    code = f"import parindex.web.settings as s; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True
    )


def test_settings_module_reads_the_environment(tmp_path):
    env = {
        "PARINDEX_DATA_DIR": str(tmp_path),
        "PARINDEX_SECRET_KEY": "s" * 50,
        "PARINDEX_ALLOWED_HOSTS": "cchc.example.gov.vn",
        "PARINDEX_LOCKOUT_ATTEMPTS": "3",
        "PARINDEX_SESSION_HOURS": "4",
        "PARINDEX_HTTPS": "1",
        "DATABASE_URL": "postgres://u@h:5432/parindex",
    }
    expression = (
        "s.DEBUG, s.ALLOWED_HOSTS, s.DATABASES['default']['HOST'], s.MEDIA_ROOT, "
        "s.PARINDEX_LOCKOUT_ATTEMPTS, s.SESSION_COOKIE_AGE, s.SESSION_COOKIE_SECURE, "
        "s.LANGUAGE_CODE, s.TIME_ZONE"
    )
    result = _settings_in_subprocess(env, expression)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"False ['cchc.example.gov.vn'] h {tmp_path / 'media'} 3 14400 True vi Asia/Ho_Chi_Minh"
    )
    assert not list(tmp_path.iterdir())  # importing settings created nothing


def test_settings_module_refuses_to_start_without_a_key(tmp_path):
    result = _settings_in_subprocess({"PARINDEX_DATA_DIR": str(tmp_path)}, "s.SECRET_KEY")
    assert result.returncode != 0
    assert "PARINDEX_SECRET_KEY is not set" in result.stderr
