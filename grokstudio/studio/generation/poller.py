"""Start every waiting generation and ask xAI about every video in flight, from one place.

Every paid call leaves from here, so that one process paces them all under xAI's
per-key rates (ratelimit.py). One poller runs at a time, holding a lease row that
it renews as it goes. Each cycle takes the waiting images and videos whose turns
come within moments, round robin over the people who wait so that one person's
batch of hundreds never holds back another's single image for more than a few
turns, and starts them on threads: an image call holds its thread while xAI
draws it, so there are as many threads as calls that may be in flight at once
(`STUDIO_IMAGE_THREADS`). It asks GetDeferredVideo for every video that is due,
concurrently, saves progress in bulk, backs off per request when xAI has trouble,
and hands finished images and videos to download tasks. A poller that dies simply
stops renewing: its lease runs out and the next one takes over where the
Generation table says things are.
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
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
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
# How far ahead a cycle takes waiting generations: only those whose turn of the rate
# limit comes within this long are claimed, so none waits long in `submitting`, and a
# person who submits one image while another's batch runs waits at most this long
# behind it. A cycle comes every START_PAUSE_S while any is waiting or in hand.
START_HORIZON_S = 1.0
START_PAUSE_S = 0.1
# Video starts answer at once (a request id): a few threads carry them.
VIDEO_START_THREADS = 8
# The lease is checked by the cycles this often; the heartbeat thread renews it.
LEASE_CHECK_S = 1.0


def _in_flight():
    return Generation.objects.filter(kind=Kind.VIDEO, status=Status.PROCESSING)


class _Starts:
    """The starts of one kind of call: its threads, its pacer, and the rows in their hands."""

    def __init__(self, kind: str, threads: int) -> None:
        self.kind = kind
        self.bucket = ratelimit.IMAGE if kind == Kind.IMAGE else ratelimit.VIDEO
        self.threads = threads
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"start-{kind}")
        self._lock = threading.Lock()
        self._in_hand: set[int] = set()
        self._to_download: list[int] = []
        # When each person's last generation was taken (a count that only grows), for the round robin.
        self._served: dict[int, int] = {}
        self._served_count = 0

    def take(self, now) -> int:
        """Start the waiting generations whose turn comes within START_HORIZON_S, in the
        order they should go; answers how many."""
        pacer = ratelimit.pacer(self.bucket)
        with self._lock:
            in_hand = set(self._in_hand)
        room = min(self.threads - len(in_hand), pacer.room(START_HORIZON_S))
        if room <= 0:
            return 0
        # Round robin over people: everyone's oldest waiting one, then everyone's second, and
        # so on; among those of the same rank, the person served longest ago goes first (the
        # oldest row alone would let a batch submitted earlier win every tie).
        rank = Window(RowNumber(), partition_by=[F("user_id")], order_by=[F("created_at"), F("pk")])
        candidates = (
            Generation.objects.filter(kind=self.kind, status=Status.PENDING)
            .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
            .exclude(pk__in=in_hand)
            .annotate(rank=rank)
            .filter(rank__lte=room)
            .values_list("pk", "user_id", "rank", "created_at")
        )
        chosen = sorted(candidates, key=lambda c: (c[2], self._served.get(c[1], 0), c[3], c[0]))[:room]
        rows = Generation.objects.filter(pk__in=[c[0] for c in chosen]).prefetch_related("references__asset")
        by_pk = {generation.pk: generation for generation in rows}
        count = 0
        for pk, user_id, _, _ in chosen:
            generation = by_pk.get(pk)
            if generation is None:
                continue
            self._served_count += 1
            self._served[user_id] = self._served_count
            with self._lock:
                self._in_hand.add(pk)
            self.pool.submit(self._start, generation, pacer.turn())  # turns in this order
            count += 1
        return count

    def _start(self, generation: Generation, turn: ratelimit.Turn) -> None:
        try:
            pipeline.start(generation, turn)
        except Exception:  # logged and recorded on the row by the pipeline: the other starts go on
            pass
        finally:
            connections.close_all()  # this thread's own connections
            with self._lock:
                self._in_hand.discard(generation.pk)
                if generation.status == Status.DOWNLOADING:
                    self._to_download.append(generation.pk)

    def busy(self) -> bool:
        with self._lock:
            return bool(self._in_hand)

    def hand_over_downloads(self) -> None:
        """Queue download tasks for the images that xAI answered since the last time."""
        with self._lock:
            done, self._to_download = self._to_download, []
        for start in range(0, len(done), DOWNLOAD_BATCH):
            nudge_downloads(done[start : start + DOWNLOAD_BATCH])

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.hand_over_downloads()


def _acquire(holder: str) -> bool:
    now = timezone.now()
    return (
        PollerLease.objects.filter(Q(expires_at__lt=now) | Q(holder=holder), name=LEASE).update(
            holder=holder, expires_at=now + LEASE_TTL, renewed_at=now
        )
        == 1
    )


def run(run_for_s: float = RUN_FOR_S) -> None:
    """The body of one poller task: work until nothing waits or is in flight, or `run_for_s` has passed."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    lease = poller_lease()
    PollerLease.objects.filter(name=LEASE).update(queued_at=None)
    if not _acquire(holder):
        # The lease may belong to a poller that died: wait for it to run out, once.
        time.sleep(max(0.0, (lease.expires_at - timezone.now()).total_seconds()) + 0.2)
        if not _acquire(holder):
            return
    log.info("poller %s started", holder)
    if lease.holder and not lease.holder.startswith(f"{socket.gethostname()}:{os.getpid()}:"):
        # The poller before this one sent nothing after its lease ended (it lets go only once
        # its calls have left, and a dead one sends nothing), but may have sent until then,
        # from another process: nothing leaves here until a window after that.
        for bucket in (ratelimit.IMAGE, ratelimit.VIDEO):
            pacer = ratelimit.pacer(bucket)
            pacer.hold((lease.expires_at - timezone.now()).total_seconds() + pacer.window_s + pacer.margin_s)
    xai.connect()
    end = time.monotonic() + run_for_s
    # The lease is renewed on its own thread: a cycle that waits long on a slow
    # xAI must not look like a dead poller and invite a second one.
    stop = threading.Event()
    heartbeat = threading.Thread(target=_keep_lease, args=(holder, stop), daemon=True)
    heartbeat.start()
    starts = [_Starts(Kind.IMAGE, settings.STUDIO_IMAGE_THREADS), _Starts(Kind.VIDEO, VIDEO_START_THREADS)]
    try:
        with ThreadPoolExecutor(max_workers=settings.STUDIO_POLL_CONCURRENCY) as pool:
            # At least one cycle, however late this task starts: a poller queued for work does some.
            checked = 0.0
            while True:
                if time.monotonic() - checked >= LEASE_CHECK_S:
                    if not _acquire(holder):
                        log.warning("poller %s lost its lease", holder)
                        break
                    checked = time.monotonic()
                pause = _cycle(pool, starts)
                if pause is None or time.monotonic() + pause >= end:
                    break
                time.sleep(pause)
    finally:
        # Calls in flight finish before the lease is let go: the next poller paces from then.
        for kind_starts in starts:
            kind_starts.close()
        stop.set()
        heartbeat.join()
        # The holder's name stays: the next poller tells from it whether it was this process.
        PollerLease.objects.filter(name=LEASE, holder=holder).update(
            expires_at=timezone.now(), renewed_at=None
        )
        log.info("poller %s stopped", holder)
        # A generation committed while this poller was deciding to stop saw a live
        # lease and queued nothing: look once more, now that the lease is free.
        ensure_running(even_if_alive=True)


def _cycle(pool: ThreadPoolExecutor, starts: list[_Starts]) -> float | None:
    """Start the generations whose turn comes soon and ask about the videos due a poll.

    Answers how long to pause before the next cycle, or None when this poller
    should stop (nothing waits, and nothing is at work)."""
    now = timezone.now()
    started = sum(kind_starts.take(now) for kind_starts in starts)
    for kind_starts in starts:
        kind_starts.hand_over_downloads()
    due = list(
        _in_flight()
        .filter(next_poll_at__lte=now)
        .order_by("next_poll_at")
        .only("pk", "request_id", "progress", "poll_failures", "started_at", "status")[:BATCH]
    )
    if due:
        _poll(pool, due)
        return 0.0
    if started or any(kind_starts.busy() for kind_starts in starts):
        return START_PAUSE_S
    if not Generation.objects.poller_work().exists():
        return None
    upcoming = (
        Generation.objects.poller_work()
        .exclude(next_poll_at=None)
        .order_by("next_poll_at")
        .values_list("next_poll_at", flat=True)
        .first()
    )
    wait = (upcoming - timezone.now()).total_seconds() if upcoming else 0
    return min(max(wait, START_PAUSE_S), 1.0)


def _keep_lease(holder: str, stop: threading.Event) -> None:
    try:
        while not stop.wait(HEARTBEAT.total_seconds() / 2):
            _acquire(holder)
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
