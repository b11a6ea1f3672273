"""Starting Django from the `parindex` command line (no manage.py).

    from parindex.web.setup import django_setup
    data_dir = django_setup()            # or django_setup("/srv/parindex")

`django_setup` points Django at `parindex.web.settings`, creates the data directory and
its secret-key file, and calls `django.setup()`. When Django is already configured (inside
tests, or a second call) it changes nothing and returns the configured data directory.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

SETTINGS_MODULE = "parindex.web.settings"


def django_setup(data_dir: str | Path | None = None) -> Path:
    import django
    from django.conf import settings

    from parindex.web import config

    if not settings.configured:
        if data_dir is not None:
            os.environ["PARINDEX_DATA_DIR"] = str(Path(data_dir).expanduser().resolve())
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
        if os.environ["DJANGO_SETTINGS_MODULE"] == SETTINGS_MODULE:
            path = config.data_dir(os.environ)
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not os.environ.get("PARINDEX_SECRET_KEY", "").strip():
                config.ensure_secret_key_file(path)
    django.setup()
    return Path(settings.DATA_DIR)


def pending_migrations() -> list[str]:
    """Migrations not yet applied to the default database ("app.name")."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    targets = executor.loader.graph.leaf_nodes()
    return [f"{m.app_label}.{m.name}" for m, _ in executor.migration_plan(targets)]


def migrate(verbosity: int = 0) -> list[str]:
    """Apply pending migrations; returns those applied (nothing to do is cheap)."""
    from django.core.management import call_command

    pending = pending_migrations()
    if pending:
        call_command("migrate", interactive=False, verbosity=verbosity, stdout=io.StringIO())
    return pending


def collect_static() -> Path:
    """Copy the static files into `<data dir>/static`, where whitenoise serves them from."""
    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0, stdout=io.StringIO())
    return Path(settings.STATIC_ROOT)


def database_is_empty() -> bool:
    """No unit and no user yet: the state in which the demo may be loaded."""
    from django.contrib.auth import get_user_model

    from parindex.web.units.models import Unit

    return not Unit.objects.exists() and not get_user_model().objects.exists()
