"""The JSON API (django-ninja), mounted at /api/: see `parindex.web.api.api`."""
