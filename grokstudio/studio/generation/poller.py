"""Ask xAI about every in-flight video from one place, many at a time.

A waiting video holds no worker. One poller runs at a time, holding a lease
row that it renews every cycle; each cycle asks GetDeferredVideo for every
video that is due, concurrently, saves progress in bulk, backs off per
request when xAI has trouble, and hands finished videos to download tasks.
A poller that dies simply stops renewing: its lease runs out and the next
one takes over where the Generation table says things are.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import connections
from django.db.models import Q
from django.utils import timezone

from grokstudio import xai
from grokstudio.studio.generation import pipeline, ratelimit
from grokstudio.studio.generation.queue import (
    HEARTBEAT,
    LEASE,
    LEASE_TTL,
    ensure_running,
    nudge_downloads,
    poller_lease,
)
from grokstudio.studio.models import Generation, Kind, PollerLease, Status

log = logging.getLogger(__name__)

RUN_FOR_S = 300
BATCH = 2000
MAX_BACKOFF_S = 60.0
NEAR_THE_END = timedelta(seconds=1)
# Poll answers that no amount of asking again will change.
FINAL_POLL_ERRORS = {"not_found", "unauthenticated", "permission_denied"}
DOWNLOAD_BATCH = 16
# Waiting videos started per cycle, on a few threads: a burst of hundreds is
# started in seconds without one queued task per video.
START_BATCH = 64
# How far ahead one cycle takes start slots of the rate limiter: the cycle waits
# for its starts, and in-flight videos must still be polled on time.
START_HORIZON_S = 2.0
START_THREADS = 16


def _in_flight():
    return Generation.objects.filter(kind=Kind.VIDEO, status=Status.PROCESSING)


def _waiting_to_start(now):
    return Generation.objects.filter(kind=Kind.VIDEO, status=Status.PENDING).filter(
        Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    )


def _acquire(holder: str) -> bool:
    now = timezone.now()
    return (
        PollerLease.objects.filter(Q(expires_at__lt=now) | Q(holder=holder), name=LEASE).update(
            holder=holder, expires_at=now + LEASE_TTL, renewed_at=now
        )
        == 1
    )


def run(run_for_s: float = RUN_FOR_S) -> None:
    """The body of one poller task: poll until nothing is in flight or `run_for_s` has passed."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    lease = poller_lease()
    PollerLease.objects.filter(name=LEASE).update(queued_at=None)
    if not _acquire(holder):
        # The lease may belong to a poller that died: wait for it to run out, once.
        time.sleep(max(0.0, (lease.expires_at - timezone.now()).total_seconds()) + 0.2)
        if not _acquire(holder):
            return
    log.info("video poller %s started", holder)
    end = time.monotonic() + run_for_s
    # The lease is renewed on its own thread: a cycle that waits long on a slow
    # xAI must not look like a dead poller and invite a second one.
    stop = threading.Event()
    heartbeat = threading.Thread(target=_keep_lease, args=(holder, stop), daemon=True)
    heartbeat.start()
    try:
        with (
            ThreadPoolExecutor(max_workers=settings.STUDIO_POLL_CONCURRENCY) as pool,
            ThreadPoolExecutor(max_workers=START_THREADS) as starter,
        ):
            # At least one cycle, however late this task starts: a poller queued for work does some.
            while (pause := _cycle(holder, pool, starter)) is not None:
                if time.monotonic() + pause >= end:
                    break
                time.sleep(pause)
    finally:
        stop.set()
        heartbeat.join()
        PollerLease.objects.filter(name=LEASE, holder=holder).update(
            expires_at=timezone.now(), holder="", renewed_at=None
        )
        log.info("video poller %s stopped", holder)
        # A video committed while this poller was deciding to stop saw a live
        # lease and queued nothing: look once more, now that the lease is free.
        ensure_running(even_if_alive=True)


def _cycle(holder: str, pool: ThreadPoolExecutor, starter: ThreadPoolExecutor) -> float | None:
    """Start the videos that are due to start and ask about those due a poll.

    Answers how long to pause before the next cycle, or None when this poller
    should stop (it lost its lease, or no video is at work)."""
    if not _acquire(holder):
        log.warning("video poller %s lost its lease", holder)
        return None
    now = timezone.now()
    waiting = list(
        _waiting_to_start(now).order_by("created_at", "pk").values_list("pk", flat=True)[:START_BATCH]
    )
    started = 0
    if waiting:
        # Only as many as the shared rate limiter has slots for before the next cycle
        # (at least one slot ahead, however slow the rate); only those are read whole.
        horizon = max(START_HORIZON_S, ratelimit.interval_s(ratelimit.VIDEO))
        waits = ratelimit.reserve(ratelimit.VIDEO, len(waiting), within_s=horizon)
        starts = (
            Generation.objects.filter(pk__in=waiting[: len(waits)])
            .order_by("created_at", "pk")
            .prefetch_related("references__asset")
        )
        list(starter.map(_start, starts, waits))
        started = len(waits)
    due = list(
        _in_flight()
        .filter(next_poll_at__lte=now)
        .order_by("next_poll_at")
        .only("pk", "request_id", "progress", "poll_failures", "started_at", "status")[:BATCH]
    )
    if due:
        _poll(pool, due)
    if started or due:
        return 0.0
    if waiting:  # videos wait, but every slot ahead is taken
        return 0.5
    if not Generation.objects.videos_at_work().exists():
        return None
    upcoming = (
        Generation.objects.videos_at_work()
        .exclude(next_poll_at=None)
        .order_by("next_poll_at")
        .values_list("next_poll_at", flat=True)
        .first()
    )
    wait = (upcoming - timezone.now()).total_seconds() if upcoming else 0
    return min(max(wait, 0.05), 1.0)


def _keep_lease(holder: str, stop: threading.Event) -> None:
    try:
        while not stop.wait(HEARTBEAT.total_seconds() / 2):
            _acquire(holder)
    finally:
        connections.close_all()  # this thread's own connections


def _start(generation: Generation, wait_s: float = 0.0) -> None:
    try:
        if wait_s > 0:
            time.sleep(wait_s)  # its slot of the shared rate limiter
        pipeline.start_video(generation)
    except Exception:  # logged and recorded on the row by the pipeline: the other starts go on
        pass
    finally:
        connections.close_all()  # this thread's own connections


def _ask(request_id: str) -> xai.VideoPoll | xai.ProviderError:
    try:
        return xai.poll_video(request_id)
    except xai.ProviderError as error:
        return error


def _next_poll_in(generation: Generation, progress: int, now, interval: timedelta) -> timedelta:
    """The usual interval, shortened when the progress so far says the video is about to
    be done, so that a finished video is noticed within a moment, not a whole interval."""
    if progress <= 0 or generation.started_at is None:
        return interval
    elapsed = (now - generation.started_at).total_seconds()
    remaining = timedelta(seconds=elapsed * (100 - progress) / progress)
    return max(min(interval, remaining), NEAR_THE_END)


def _poll(pool: ThreadPoolExecutor, due: list[Generation]) -> None:
    answers = list(pool.map(_ask, [g.request_id for g in due]))
    now = timezone.now()
    interval = timedelta(seconds=settings.STUDIO_VIDEO_POLL_INTERVAL_S)
    deadline = timedelta(seconds=settings.STUDIO_VIDEO_DEADLINE_S)
    progressed, waiting, finished = [], [], []
    for generation, answer in zip(due, answers, strict=True):
        if (
            generation.started_at
            and now - generation.started_at > deadline
            and (isinstance(answer, xai.ProviderError) or answer.state == "pending")
        ):
            minutes = settings.STUDIO_VIDEO_DEADLINE_S / 60
            generation.fail(
                f"xAI had not finished the video after {minutes:g} minutes; the studio stopped waiting.",
                "deadline_exceeded", status=Status.TIMEOUT,
            )  # fmt: skip
            continue
        if isinstance(answer, xai.ProviderError):
            if answer.code in FINAL_POLL_ERRORS:
                generation.fail(f"{answer.message.rstrip('.')} (while asking about the video).", answer.code)
                continue
            # A poll is free and changes nothing: anything else is asked again later,
            # with per-request backoff so one troubled request does not slow the others.
            generation.poll_failures += 1
            delay = min(
                settings.STUDIO_VIDEO_POLL_INTERVAL_S * 2 ** min(generation.poll_failures, 8), MAX_BACKOFF_S
            )
            generation.next_poll_at = now + timedelta(seconds=delay)
            waiting.append(generation)
        elif answer.state == "pending":
            generation.poll_failures = 0
            generation.next_poll_at = now + _next_poll_in(generation, answer.progress, now, interval)
            if answer.progress != generation.progress:
                generation.progress = answer.progress
                progressed.append(generation)
            else:
                waiting.append(generation)
        elif answer.state == "done":
            if generation.start_download([answer.url], answer.cost_usd_ticks):
                finished.append(generation.pk)
        else:
            generation.fail(answer.message, answer.error_code, cost_usd_ticks=answer.cost_usd_ticks)
    Generation.objects.save_polls(progressed, waiting)
    # Finished videos go to download tasks in small batches: one task per
    # batch, not per video, when hundreds finish within a few seconds.
    for start in range(0, len(finished), DOWNLOAD_BATCH):
        nudge_downloads(finished[start : start + DOWNLOAD_BATCH])
