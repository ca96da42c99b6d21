"""Callbacks: when a task ends, its final JSON is POSTed to the caller's `callBackUrl`.

The body is the task exactly as `GET /xai/tasks/{taskId}` answers it. Headers:

- `X-Studio-Signature: sha256=<hex>`: HMAC-SHA256 of the raw body under the
  signing secret of the token that made the task (on the API tokens page);
- `X-Studio-Task`: the taskId; `X-Studio-Delivery`: the same id on every
  attempt to report this ending, so a receiver can drop a repeat.

A 2xx answer ends it. A task that ended as `outcome_unknown` (the studio could
not tell whether xAI took it) and turns out to be at work after all is
reported again when it ends for good. Anything else (another status, a timeout, a refused
connection) is tried again after a growing wait, up to `Callback.MAX_ATTEMPTS`
times. A sender claims the row before it sends, so two workers never send the
same attempt. Only hosts on `STUDIO_API_CALLBACK_HOSTS` are called, and never
a private address unless `STUDIO_API_CALLBACK_PRIVATE_NETWORKS` lets it through
(outbound.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task
from ninja.responses import NinjaJSONEncoder

from grokstudio.api import outbound
from grokstudio.api.models import ApiToken, Callback
from grokstudio.api.schemas import TaskOut, task_json
from grokstudio.studio.models import FINAL_STATUSES, Generation

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Studio-Signature"
TIMEOUT_S = 10.0
# A sender that has not reported back in this long is taken to have died mid-send:
# well beyond a lookup, a connection and the request's own deadline.
SENDING_LEASE = timedelta(minutes=2)


def check_url(url: str) -> outbound.Target:
    """The checked target of `url`; outbound.NotAllowed if callbacks may not go there."""
    hosts, networks = settings.STUDIO_API_CALLBACK_HOSTS, settings.STUDIO_API_CALLBACK_PRIVATE_NETWORKS
    return outbound.check(url, hosts, networks)


def register(generation: Generation, token: ApiToken, url: str, base_url: str) -> Callback:
    return Callback.objects.create(generation=generation, token=token, url=url, base_url=base_url)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def task_ended(generation_id: int) -> None:
    """A task reached a final state: send its callback, if it has one, once this write is committed."""
    due = Callback.objects.filter(generation_id=generation_id, state=Callback.State.WAITING).update(
        next_attempt_at=timezone.now()
    )
    if due:
        transaction.on_commit(lambda: _enqueue(generation_id))


def task_reopened(generation_id: int) -> None:
    """A task reported as ended (`outcome_unknown`) is at work after all: report its next ending too.

    A new round, even while the last ending is being sent: that sender's result no longer counts.
    """
    Callback.objects.filter(generation_id=generation_id).update(
        round=F("round") + 1, state=Callback.State.WAITING, attempts=0, next_attempt_at=None,
        delivered_at=None, last_error="",
    )  # fmt: skip


def _enqueue(generation_id: int) -> None:
    async_task("grokstudio.api.callbacks.deliver", generation_id, task_name=f"callback-{generation_id}")


def body_of(callback: Callback) -> bytes:
    task = TaskOut.model_validate(task_json(callback.base_url, callback.generation)).model_dump()
    return json.dumps(task, cls=NinjaJSONEncoder).encode()


def deliver(generation_id: int) -> str | None:
    """One attempt at the callback of this task, if it is due; answers its new state."""
    now = timezone.now()
    if not Generation.objects.filter(pk=generation_id, status__in=FINAL_STATUSES).exists():
        return None
    # Every condition of the claim is on the callback's own row, so that on
    # PostgreSQL a second claimant that waited for the row lock sees it taken.
    claimed = Callback.objects.filter(
        generation_id=generation_id, state=Callback.State.WAITING, next_attempt_at__lte=now
    ).update(state=Callback.State.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + SENDING_LEASE)
    if not claimed:
        return None
    callback = Callback.objects.select_related("generation", "token").get(generation_id=generation_id)
    mine = Callback.objects.filter(pk=callback.pk, state=Callback.State.SENDING, round=callback.round)
    if callback.generation.status not in FINAL_STATUSES:
        # Reopened between the two reads: its next ending will be reported.
        mine.update(state=Callback.State.WAITING, attempts=F("attempts") - 1, next_attempt_at=None)
        return None
    try:
        body = body_of(callback)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(callback.token.signing_secret, body),
            "X-Studio-Task": str(generation_id),
            "X-Studio-Delivery": f"callback-{callback.pk}-{callback.round}",
        }
        answer = outbound.request(
            check_url(callback.url), "POST", body=body, headers=headers, timeout_s=TIMEOUT_S,
            max_bytes=64 * 1024,
        )  # fmt: skip
    except (outbound.NotAllowed, outbound.FetchError) as exc:
        return _failed(callback, mine, str(exc))
    except Exception:
        log.exception("callback of task %s failed unexpectedly", generation_id)
        return _failed(callback, mine, "the studio could not send it")
    if 200 <= answer.status < 300:
        mine.update(state=Callback.State.DELIVERED, delivered_at=timezone.now(), next_attempt_at=None,
                    last_error="")  # fmt: skip
        return Callback.State.DELIVERED
    return _failed(callback, mine, f"the receiver answered HTTP {answer.status}")


def _failed(callback: Callback, mine, reason: str) -> str:
    if callback.attempts >= Callback.MAX_ATTEMPTS:
        state, retry_at = Callback.State.FAILED, None
        log.warning("callback of task %s given up after %s attempts: %s", callback.generation_id,
                    callback.attempts, reason)  # fmt: skip
    else:
        state = Callback.State.WAITING
        wait = settings.STUDIO_API_CALLBACK_RETRY_S * 4 ** (callback.attempts - 1)
        retry_at = timezone.now() + timedelta(seconds=wait)
    mine.update(state=state, next_attempt_at=retry_at, last_error=reason[:300])
    return state


def sweep() -> int:
    """Send every callback that is due: retries, and any whose task ended while no worker heard."""
    now = timezone.now()
    # A sender that died mid-send: its attempt counts, and the next one is due (if any is left).
    died = Callback.objects.filter(state=Callback.State.SENDING, next_attempt_at__lt=now)
    died.filter(attempts__gte=Callback.MAX_ATTEMPTS).update(
        state=Callback.State.FAILED, next_attempt_at=None, last_error="the sender stopped before it finished"
    )
    died.update(state=Callback.State.WAITING, last_error="the sender stopped before it finished")
    due = Callback.objects.filter(
        state=Callback.State.WAITING, generation__status__in=FINAL_STATUSES
    ).exclude(next_attempt_at__gt=now)
    ids = list(due.values_list("generation_id", flat=True)[:500])
    Callback.objects.filter(generation_id__in=ids, next_attempt_at=None).update(next_attempt_at=now)
    for generation_id in ids:
        _enqueue(generation_id)
    return len(ids)
