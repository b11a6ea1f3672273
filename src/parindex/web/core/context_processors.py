"""What every page needs: version, and which menu entries to show the user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parindex import __version__


def parindex(request: HttpRequest) -> dict[str, Any]:
    from parindex.web.core.admin_site import is_admin_user

    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    return {
        "parindex_version": __version__,
        "show_admin_link": signed_in and is_admin_user(user),
    }
