"""What an uploaded file really is, by its content (magic bytes), not by its name.

Evidence may be PDF, DOCX, XLSX, PNG or JPEG. A file is accepted only if its first bytes
say it is one of those *and* its name ends with a matching extension, so a renamed
executable or an HTML page called "report.pdf" is refused, and the type stored with the
file (served back with `nosniff`) is the one detected here.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EXTENSIONS = {
    PDF: (".pdf",),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg"),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
}
ACCEPT = ",".join(ext for exts in EXTENSIONS.values() for ext in exts)
NAMES = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", DOCX: "DOCX", XLSX: "XLSX"}


class UploadRefused(ValueError):
    """The message says why, for the person uploading."""


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str
    original_name: str


def max_bytes() -> int:
    return int(getattr(settings, "PARINDEX_UPLOAD_MAX_MB", 20)) * 1024 * 1024


def detect(handle: IO[bytes]) -> str | None:
    """The content type of a file by its content, or None if it is none we accept."""
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(handle) as archive:  # reads the directory only
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            handle.seek(0)
        if "[Content_Types].xml" not in names:
            return None
        if any(n.startswith("word/") for n in names):
            return DOCX
        if any(n.startswith("xl/") for n in names):
            return XLSX
    return None


def clean_name(name: str) -> str:
    """The base name a browser sent, without any path, control characters or quotes."""
    base = PurePath(str(name).replace("\\", "/")).name
    base = "".join(c for c in base if c.isprintable() and c not in '"<>|')
    return base.strip()[:200] or "file"


def check_upload(upload) -> CheckedUpload:
    """Check an uploaded file (Django UploadedFile); raise UploadRefused with the reason."""
    limit = max_bytes()
    if upload.size is None or upload.size == 0:
        raise UploadRefused(_("The file is empty."))
    if upload.size > limit:
        raise UploadRefused(
            _("The file is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024)}
        )
    name = clean_name(upload.name)
    content_type = detect(upload)
    if content_type is None:
        raise UploadRefused(
            _(
                "“%(name)s” is not a PDF, DOCX, XLSX, PNG or JPEG file (checked by its "
                "content, not its name)."
            )
            % {"name": name}
        )
    suffix = PurePath(name).suffix.lower()
    if suffix not in EXTENSIONS[content_type]:
        raise UploadRefused(
            _("“%(name)s” contains a %(kind)s file but its name ends with “%(suffix)s”.")
            % {"name": name, "kind": NAMES[content_type], "suffix": suffix or "—"}
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(content_type, int(upload.size), digest.hexdigest(), name)
