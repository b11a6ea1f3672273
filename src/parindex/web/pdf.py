"""HTML → PDF with WeasyPrint and the bundled DejaVu Sans font (no Django needed).

The one renderer of the project: the results exports (`parindex.web.results.exports`) and
the apology letter of `parindex dossiers reschedule --pdf` use it. Only the bundled font
files are ever fetched (no network, no other file), so a server without any installed font
renders the same Vietnamese text. WeasyPrint needs Pango (Debian: libpango-1.0-0
libpangoft2-1.0-0); without it `PdfUnavailable` is raised.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlparse

FONT_DIR = Path(__file__).resolve().parent / "results" / "static" / "results" / "fonts"
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
FONT_FAMILY = "Parindex Sans"


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the Pango library it needs) is not installed on this server."""


def font_face_css(family: str = FONT_FAMILY) -> str:
    """@font-face rules declaring the bundled regular and bold faces as `family`."""
    return (
        f'@font-face {{ font-family: "{family}"; src: url("{FONT_REGULAR.as_uri()}"); '
        "font-weight: normal; font-style: normal; }\n"
        f'@font-face {{ font-family: "{family}"; src: url("{FONT_BOLD.as_uri()}"); '
        "font-weight: bold; font-style: normal; }\n"
    )


def _fetcher_class():
    import weasyprint

    base = getattr(weasyprint, "URLFetcher", None)
    fonts = FONT_DIR

    def allowed(url: str) -> bool:
        parsed = urlparse(url)
        if parsed.scheme != "file":
            return False
        path = Path(unquote(parsed.path)).resolve()
        return path.is_relative_to(fonts)

    if base is not None:  # WeasyPrint ≥ 66

        class LocalFonts(base):
            def fetch(self, url, headers=None):
                if not allowed(url):
                    raise ValueError(f"not fetched: {url}")
                return super().fetch(url, headers)

        return LocalFonts()

    def fetch(url, *args, **kwargs):  # older WeasyPrint: a function
        if not allowed(url):
            raise ValueError(f"not fetched: {url}")
        return weasyprint.default_url_fetcher(url, *args, **kwargs)

    return fetch


def html_to_pdf(html: str, stylesheet: str = "") -> bytes:
    """HTML text → PDF bytes. `stylesheet` (CSS text, e.g. `font_face_css()` plus rules
    using it) is applied after the page's own styles. Only the bundled fonts are fetched."""
    progress = logging.getLogger("weasyprint.progress")
    if progress.level == logging.NOTSET:  # its INFO lines, seven per file, are noise
        progress.setLevel(logging.WARNING)
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise PdfUnavailable(str(exc)) from exc
    fetcher = _fetcher_class()
    document = weasyprint.HTML(string=html, base_url=FONT_DIR.as_uri() + "/", url_fetcher=fetcher)
    if stylesheet:
        css = weasyprint.CSS(
            string=stylesheet, base_url=FONT_DIR.as_uri() + "/", url_fetcher=fetcher
        )
        return document.write_pdf(stylesheets=[css])
    return document.write_pdf()
