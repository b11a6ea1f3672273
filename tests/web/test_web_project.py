"""Project-level checks: migrations match the models, translations are complete."""

from __future__ import annotations

import gettext
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

import parindex.web

LOCALE = Path(parindex.web.__file__).parent / "locale"


@pytest.mark.django_db
def test_migrations_match_the_models():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"models changed without a migration:\n{out.getvalue()}")


def _catalog(lang: str) -> dict:
    with open(LOCALE / lang / "LC_MESSAGES" / "django.mo", "rb") as handle:
        return gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]


def test_every_message_has_a_vietnamese_translation():
    vi, en = _catalog("vi"), _catalog("en")
    english_ids = {key if isinstance(key, str) else key[0] for key in en if key}
    vietnamese_ids = {key if isinstance(key, str) else key[0] for key in vi if key}
    assert len(english_ids) > 100
    assert english_ids - vietnamese_ids == set()


def test_compiled_catalogs_are_not_older_than_their_sources():
    for lang in ("vi", "en"):
        po = (LOCALE / lang / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
        catalog = _catalog(lang)
        for line in po.splitlines():
            if line.startswith('msgid "') and line != 'msgid ""':
                msgid = line[len('msgid "') : -1].replace('\\"', '"')
                assert msgid in catalog or any(
                    isinstance(k, tuple) and k[0] == msgid for k in catalog
                ), f"{lang}: {msgid!r} is in django.po but not in django.mo: compilemessages"
