"""`Idempotency-Key` for the task API's POSTs: a retried request never pays twice.

The key is stored with the task it made, in the same transaction, so either
both exist or neither. The same key with the same request answers the first
task; with a different request it is refused. "The same" is read as the API
reads a request: fields it ignores, at any depth, do not count, and a preset
is compared by its name, not by what it fills in. Keys are per person and kept
for `KEEP` (the sweep forgets older ones).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from grokstudio.api.models import IdempotencyKey
from grokstudio.studio.models import Generation

KEEP = timedelta(days=7)
MAX_KEY_LENGTH = 255


class Conflict(Exception):
    pass


class BadKey(Exception):
    pass


def _digest(path: str, body: dict) -> str:
    return hashlib.sha256(json.dumps([path, body], sort_keys=True).encode()).hexdigest()


def _check(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise BadKey(f"Idempotency-Key: 1 to {MAX_KEY_LENGTH} printable characters.")


def earlier(user, key: str, path: str, body: dict) -> Generation | None:
    """The task this key made before, None if the key is new; Conflict if it came with another request."""
    _check(key)
    found = IdempotencyKey.objects.filter(user=user, key=key).select_related("generation").first()
    if found is None:
        return None
    if found.request_digest != _digest(path, body):
        raise Conflict("This Idempotency-Key was used with a different request; use a new key.")
    return found.generation


def submit_once(user, key: str, path: str, body: dict, submit: Callable[[], Generation]) -> Generation:
    """Run `submit` and keep the key with its task, atomically; a concurrent twin gets the first task."""
    _check(key)
    try:
        with transaction.atomic():
            generation = submit()
            IdempotencyKey.objects.create(
                user=user, key=key, request_digest=_digest(path, body), generation=generation
            )
            return generation
    except IntegrityError:
        # Another request with this key won the race: its task is the answer (or a conflict).
        winner = earlier(user, key, path, body)
        if winner is None:
            raise
        return winner


def forget_old() -> int:
    return IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP).delete()[0]
