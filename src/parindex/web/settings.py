"""Django settings of the parindex web application, read from environment variables.

Every variable is described in docs/WEB.md. Importing this module reads the environment
and, with debug off, the secret-key file in the data directory; it opens no database and
creates nothing (except the key file in debug mode, see `config.secret_key`).
"""

from __future__ import annotations

import os
from pathlib import Path

from parindex.web import config

ENV = os.environ
PACKAGE_DIR = Path(__file__).resolve().parent

DEBUG = config.env_bool(ENV, "PARINDEX_DEBUG", False)
DATA_DIR = config.data_dir(ENV)
MEDIA_ROOT = str(config.media_dir(ENV, DATA_DIR))
MEDIA_URL = "/media/"  # never routed: evidence files are served by permission-checked views
# Largest evidence file (and framework / survey file) a user may upload, in megabytes.
PARINDEX_UPLOAD_MAX_MB = config.env_int(ENV, "PARINDEX_UPLOAD_MAX_MB", 20, minimum=1)
PARINDEX_MAP_UPLOAD_MAX_MB = config.env_int(ENV, "PARINDEX_MAP_UPLOAD_MAX_MB", 25, minimum=1)
# Rank uncertainty shown beside rankings (parindex.web.results.uncertainty)
PARINDEX_UNCERTAINTY_RUNS = config.env_int(ENV, "PARINDEX_UNCERTAINTY_RUNS", 1000, minimum=100)
PARINDEX_UNCERTAINTY_SEED = config.env_int(ENV, "PARINDEX_UNCERTAINTY_SEED", 0)
PARINDEX_UNCERTAINTY_WEIGHT_RANGE = config.env_int(ENV, "PARINDEX_UNCERTAINTY_WEIGHT_PCT", 20) / 100
PARINDEX_UNCERTAINTY_ALTERNATIVE_AGGREGATION = config.env_bool(
    ENV, "PARINDEX_UNCERTAINTY_ALTERNATIVE_AGGREGATION", False
)
PARINDEX_DOSSIER_STORE = ENV.get("PARINDEX_DOSSIER_STORE") or str(DATA_DIR / "dossiers")
# Dossier pages read up to this many of the units' dossiers from the database, else DuckDB
# over the Parquet store (0 = always Parquet).
PARINDEX_DOSSIERS_DB_LIMIT = config.env_int(ENV, "PARINDEX_DOSSIERS_DB_LIMIT", 100_000)
STATIC_ROOT = str(DATA_DIR / "static")
STATIC_URL = "/static/"

SECRET_KEY = config.secret_key(ENV, DATA_DIR, DEBUG)
ALLOWED_HOSTS = config.env_list(ENV, "PARINDEX_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = config.env_list(ENV, "PARINDEX_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "parindex.web.core.apps.ParindexAdminConfig",  # django.contrib.admin with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "parindex.web.core",
    "parindex.web.units",
    "parindex.web.accounts",
    "parindex.web.campaigns",
    "parindex.web.results",
    "parindex.web.surveys",
    "parindex.web.reports",
    "parindex.web.dossiers",
    "parindex.web.remedial",
    "parindex.web.heads",
    "parindex.web.annual",
    "parindex.web.maps",
    "parindex.web.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "parindex.web.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "parindex.web.core.middleware.VietnameseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",  # views are private by default
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "parindex.web.urls"
WSGI_APPLICATION = "parindex.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "parindex.web.core.context_processors.parindex",
            ],
        },
    },
]

DATABASES = {"default": config.database(ENV, DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PARINDEX_LOCKOUT_ATTEMPTS = config.env_int(ENV, "PARINDEX_LOCKOUT_ATTEMPTS", 5, minimum=1)
PARINDEX_LOCKOUT_MINUTES = config.env_int(ENV, "PARINDEX_LOCKOUT_MINUTES", 15, minimum=1)
PASSWORD_RESET_TIMEOUT = 3 * 3600

SESSION_COOKIE_AGE = config.env_int(ENV, "PARINDEX_SESSION_HOURS", 8, minimum=1) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = config.env_bool(
    ENV, "PARINDEX_SESSION_EXPIRE_AT_BROWSER_CLOSE", True
)
SESSION_COOKIE_NAME = "parindex_session"
CSRF_COOKIE_NAME = "parindex_csrftoken"
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from the page (hx-headers), not the cookie
SESSION_COOKIE_SAMESITE = "Lax"

# --- security headers ----------------------------------------------------------------
HTTPS = config.env_bool(ENV, "PARINDEX_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and config.env_bool(ENV, "PARINDEX_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = config.env_int(ENV, "PARINDEX_HSTS_SECONDS", 31536000 if HTTPS else 0)
# parindex usually runs on one subdomain of a province's portal: it cannot speak for the
# other subdomains (includeSubDomains) nor for the whole domain (preload list).
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if config.env_bool(ENV, "PARINDEX_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PARINDEX_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)

# --- language, time, numbers ---------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [str(PACKAGE_DIR / "locale")]
LANGUAGE_COOKIE_NAME = "parindex_language"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Thousands grouping is NOT switched on globally: it would print years as "2.025" and ids
# as "1.234" wherever a template shows a bare integer. Scores go through the `number`
# filter of `parindex_format`, which groups thousands and uses the decimal comma in
# Vietnamese (87,68; 1.234,50) and the point in English.
USE_THOUSAND_SEPARATOR = False
FORMAT_MODULE_PATH = ["parindex.web.formats"]

# --- static files --------------------------------------------------------------------
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- e-mail --------------------------------------------------------------------------
_email = config.email(ENV)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
DEFAULT_FROM_EMAIL = _email["DEFAULT_FROM_EMAIL"]
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- history -------------------------------------------------------------------------
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True  # an audit trail, not an undo button

# --- logging -------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": ENV.get("PARINDEX_LOG_LEVEL", "INFO").upper()},
}
