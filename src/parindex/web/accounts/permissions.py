"""Guarding views that act on one unit: `unit_scoped` (functions) and `UnitScopedMixin`.

Consistent answers, in this order:
1. not signed in → redirect to the sign-in page (LoginRequiredMiddleware does this for
   every view not marked `login_not_required`; the guard repeats it for safety);
2. the unit (or the object carrying it) does not exist → 404;
3. it exists but the user's roles do not cover it → 403, rendered by `403.html`.

403 rather than 404 for an existing unit: unit lists are public knowledge (rankings are
published), so hiding that a unit exists protects nothing, while a clear "you do not have
access" saves a support call.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from parindex.web.units.models import Unit

UnitGetter = Callable[..., Unit]


def _unit_from_kwarg(url_kwarg: str) -> UnitGetter:
    def get(request: HttpRequest, **kwargs: Any) -> Unit:
        return get_object_or_404(Unit, pk=kwargs[url_kwarg])

    return get


def check_unit_permission(request: HttpRequest, perm: str, unit: Unit) -> None:
    """Raise PermissionDenied unless the signed-in user has `perm` on `unit`."""
    if not request.user.has_perm(perm, unit):
        raise PermissionDenied


def unit_scoped(
    perm: str,
    *,
    url_kwarg: str = "unit_id",
    get_unit: UnitGetter | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view that acts on a unit; the view receives `unit=` instead of the id.

        @unit_scoped("parindex.edit_self_assessment")
        def edit(request, unit): ...          # path("units/<int:unit_id>/edit/", edit)

    For views on an object that belongs to a unit, pass `get_unit(request, **kwargs)`
    returning the unit (raise Http404 if the object does not exist); the view then keeps
    its own keyword arguments and also receives `unit=`.
    """
    getter = get_unit or _unit_from_kwarg(url_kwarg)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            unit = getter(request, **kwargs)
            check_unit_permission(request, perm, unit)
            if get_unit is None:
                kwargs.pop(url_kwarg)
            request.unit = unit
            return view(request, *args, unit=unit, **kwargs)

        return wrapped

    return decorator


class UnitScopedMixin:
    """For class-based views on a unit: sets `self.unit` before `dispatch` goes on.

    Override `get_scoped_unit()` for views on an object that belongs to a unit.
    """

    unit_permission: str = "parindex.view_unit"
    unit_url_kwarg: str = "unit_id"
    unit: Unit

    def get_scoped_unit(self) -> Unit:
        return get_object_or_404(Unit, pk=self.kwargs[self.unit_url_kwarg])

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.unit = self.get_scoped_unit()
        check_unit_permission(request, self.unit_permission, self.unit)
        request.unit = self.unit
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.setdefault("unit", self.unit)
        return context
