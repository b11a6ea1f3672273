"""Every user-facing string has a Vietnamese translation.

The catalogues are regenerated with Django's `makemessages` on a copy of the web package
(so the tree is not touched) and every message found in the code and templates must have
a non-empty, non-fuzzy Vietnamese translation. A string added without a translation fails
here instead of appearing in English on a Vietnamese page.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import parindex.web

WEB = Path(parindex.web.__file__).parent
# Apps that keep their own catalogue (locale/ inside the app); the rest share web/locale.
OWN_CATALOGUE = sorted(p.parent.name for p in WEB.glob("*/locale") if p.is_dir())


def _untranslated(po_text: str) -> list[str]:
    """msgids with an empty or fuzzy Vietnamese msgstr (the header entry excepted)."""
    missing, entries = [], po_text.split("\n\n")
    for entry in entries:
        lines = [ln for ln in entry.splitlines() if not ln.startswith("#~")]
        if not any(ln.startswith("msgid ") for ln in lines):
            continue
        fuzzy = any(ln.startswith("#,") and "fuzzy" in ln for ln in lines)
        msgid = _field(lines, "msgid")
        if msgid == "":
            continue
        strs = [_field(lines, key) for key in ("msgstr", "msgstr[0]") if _has(lines, key)]
        if fuzzy or not strs or any(s == "" for s in strs):
            missing.append(msgid)
    return missing


def _has(lines: list[str], key: str) -> bool:
    return any(ln.startswith(key + " ") for ln in lines)


def _field(lines: list[str], key: str) -> str:
    """The (possibly multi-line) string of `key` in a .po entry."""
    out, inside = [], False
    for ln in lines:
        if ln.startswith(key + " "):
            inside = True
            out.append(ln[len(key) + 1 :].strip()[1:-1])
        elif inside and ln.startswith('"'):
            out.append(ln.strip()[1:-1])
        elif inside:
            break
    return "".join(out)


def _makemessages(root: Path, ignore: list[str]) -> str:
    # django-admin rather than `python -m django`: the latter puts the working directory on
    # sys.path, where an app module (e.g. reports/email.py) would shadow the standard library.
    admin = Path(sys.executable).parent / "django-admin"
    args = [str(admin), "makemessages", "-l", "vi", "--no-obsolete"]
    for pattern in ignore:
        args += ["-i", pattern]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "parindex.web.settings_test"}
    done = subprocess.run(args, cwd=root, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, f"makemessages failed in {root}: {done.stderr}"
    return (root / "locale" / "vi" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")


def test_every_message_in_code_and_templates_is_translated(tmp_path):
    copy = tmp_path / "web"
    shutil.copytree(WEB, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    problems = {}
    shared = _makemessages(copy, [f"{app}/*" for app in OWN_CATALOGUE])
    problems["web/locale"] = _untranslated(shared)
    for app in OWN_CATALOGUE:
        problems[f"web/{app}/locale"] = _untranslated(_makemessages(copy / app, []))
    problems = {where: ids for where, ids in problems.items() if ids}
    assert problems == {}, f"untranslated messages: {problems}"


def test_the_checker_sees_an_untranslated_message():
    po = 'msgid ""\nmsgstr ""\n\nmsgid "Save"\nmsgstr "Lưu"\n\nmsgid "New"\nmsgstr ""\n'
    assert _untranslated(po) == ["New"]
    fuzzy = '#, fuzzy\nmsgid "Old"\nmsgstr "Cũ"\n'
    assert _untranslated(fuzzy) == ["Old"]
