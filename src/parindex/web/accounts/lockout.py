"""Locking a user name after repeated failed sign-ins.

After `PARINDEX_LOCKOUT_ATTEMPTS` consecutive failures the name is locked for
`PARINDEX_LOCKOUT_MINUTES`, even for the right password. Failures older than that window
are forgotten, and a successful sign-in clears the count. The lock is per user name, not
per address: the offices of a province often share one public IP.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from parindex.web.accounts.models import LoginLock


def _key(username: str) -> str:
    return (username or "").strip().casefold()[:150]


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.PARINDEX_LOCKOUT_MINUTES)


def locked_until(username: str) -> dt.datetime | None:
    """When the lock on `username` ends, or None if it is not locked."""
    lock = LoginLock.objects.filter(username=_key(username)).first()
    if lock is not None and lock.is_locked():
        return lock.locked_until
    return None


def record_failure(username: str) -> dt.datetime | None:
    """Count one failed attempt; returns the end of the lock if this one set it."""
    key = _key(username)
    if not key:
        return None
    now = timezone.now()
    with transaction.atomic():
        lock, _ = LoginLock.objects.select_for_update().get_or_create(username=key)
        if lock.last_failure_at is None or now - lock.last_failure_at > _window():
            lock.failures = 0
        lock.failures += 1
        lock.last_failure_at = now
        if lock.failures >= settings.PARINDEX_LOCKOUT_ATTEMPTS:
            lock.locked_until = now + _window()
            lock.failures = 0
        lock.save()
    return lock.locked_until if lock.is_locked(now) else None


def clear(username: str) -> None:
    """Forget the failures of `username` (after a successful sign-in, or by an admin)."""
    LoginLock.objects.filter(username=_key(username)).delete()
