"""The sign-in form, with the lockout of `parindex.web.accounts.lockout`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from parindex.web.accounts import lockout


class LockoutAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Too many failed sign-ins for this user name. Try again after %(time)s, "
            "or ask your system administrator to reset your password."
        ),
    }

    def _locked_error(self, until: Any) -> ValidationError:
        time = formats.time_format(timezone.localtime(until), "H:i")
        return ValidationError(self.error_messages["locked"], code="locked", params={"time": time})

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if username:
            until = lockout.locked_until(username)
            if until is not None:
                raise self._locked_error(until)
        try:
            cleaned = super().clean()
        except ValidationError:
            if username:
                until = lockout.record_failure(username)
                if until is not None:
                    raise self._locked_error(until) from None
            raise
        lockout.clear(username)
        return cleaned
