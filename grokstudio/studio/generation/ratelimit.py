"""One xAI key, many workers: a limiter they all share keeps the studio under xAI's per-key rates.

xAI counts requests per API key (by default 5 image requests and 1 video start
a second), so the limit belongs to the whole studio, not to a process. Each
kind of call has a row (`RateSlot`) holding the time of its next free slot;
taking a slot moves that time on by one interval, under the row's lock (a
write transaction on SQLite, `SELECT ... FOR UPDATE` on PostgreSQL), so slots
are handed out in order and never twice. A caller then sleeps until its slot.
The interval leaves some headroom (`STUDIO_XAI_RATE_HEADROOM`), as calls reach
xAI a little later than they leave, and not all equally late.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from grokstudio.studio.models import RateSlot

IMAGE = "image"
VIDEO = "video"


def interval_s(bucket: str) -> float:
    """Seconds between two slots of `bucket`."""
    rate = settings.STUDIO_XAI_IMAGE_RPS if bucket == IMAGE else settings.STUDIO_XAI_VIDEO_RPS
    return 1 / (rate * settings.STUDIO_XAI_RATE_HEADROOM)


def reserve(bucket: str, count: int = 1, *, within_s: float | None = None) -> list[float]:
    """Take up to `count` slots of `bucket`; seconds to wait for each, soonest first.

    With `within_s`, only slots that start within that many seconds are taken,
    so a caller with other work (the video poller) never queues far ahead.
    """
    interval = timedelta(seconds=interval_s(bucket))
    with transaction.atomic():
        now = timezone.now()
        RateSlot.objects.get_or_create(name=bucket, defaults={"next_at": now})
        slot = RateSlot.objects.select_for_update().get(name=bucket)
        at = max(slot.next_at, now)
        waits = []
        while len(waits) < count and (within_s is None or (at - now).total_seconds() <= within_s):
            waits.append((at - now).total_seconds())
            at += interval
        if waits:
            RateSlot.objects.filter(name=bucket).update(next_at=at)
    return waits


def acquire(bucket: str, on_wait: Callable[[float], None] | None = None) -> None:
    """Wait for one slot of `bucket`; `on_wait(seconds)` is told first when there is a wait."""
    (wait,) = reserve(bucket)
    if wait > 0:
        if on_wait is not None:
            on_wait(wait)
        time.sleep(wait)
