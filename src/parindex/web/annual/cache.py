"""Rendered PDFs kept on disk, addressed by the digest of their HTML.

WeasyPrint needs tens of seconds for a 1,000-unit report (about a hundred pages), while the
HTML it renders takes a second or two to build from the database. The file is therefore
named after the SHA-256 of that HTML: the same figures give the same HTML and the PDF is
served from disk; any change — a recomputed result, a new survey feed, a remedial task
done, another day on the cover — gives another digest and a fresh rendering. No
invalidation rules to keep in step with the rest of the application.

Files live in `<media dir>/annual/` (private: never served as static files), one per
campaign, edition and language; an older file of the same key is removed when a new one
is written. Writes go through a temporary file and an atomic rename, so concurrent workers
never serve a partial file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

SUBDIR = "annual"


def directory() -> Path:
    return Path(settings.MEDIA_ROOT) / SUBDIR


def cached_pdf(key: str, html: str, render: Callable[[str], bytes]) -> bytes:
    """The PDF of `html`: from disk when this very HTML was rendered before under `key`
    (e.g. "12-internal-vi"), else `render(html)`, stored for next time."""
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()[:40]
    folder = directory()
    path = folder / f"{key}-{digest}.pdf"
    if path.is_file():
        return path.read_bytes()
    content = render(html)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = folder / f".{key}-{digest}.{os.getpid()}.tmp"
    temporary.write_bytes(content)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
    for old in folder.glob(f"{key}-*.pdf"):
        if old != path:
            old.unlink(missing_ok=True)
    return content
