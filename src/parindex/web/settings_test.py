"""Settings for the test suite: `parindex.web.settings` with a fixed, test-only key.

pytest-django loads this module (see [tool.pytest.ini_options] in pyproject.toml) for the
whole test run, including the tests that do not use Django, so it must import without a
database and without writing anything. The database comes from `DATABASE_URL` like in
production (PostgreSQL when set; otherwise SQLite, in memory for tests).
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("PARINDEX_SECRET_KEY", "test-only-not-secret-" + "x" * 40)
os.environ.setdefault("PARINDEX_DATA_DIR", str(Path(tempfile.gettempdir()) / "parindex-tests"))

from parindex.web.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_USE_FINDERS = True  # static files straight from the apps: no collectstatic in tests
WHITENOISE_AUTOREFRESH = True
