"""The state machine that carries one generation from `pending` to an end.

images: pending -> submitting -> downloading -> completed
videos: pending -> submitting -> processing -> downloading -> completed
and from any of them to failed, cancelled or timeout, with a reason.

Safe to run twice for the same row: every step starts with a conditional
UPDATE, and a step that finds the row elsewhere leaves it alone. A paid call
is only repeated when xAI said plainly that it did nothing (rate limit,
outage); a call whose outcome we cannot know is never sent again. Every paid
call leaves from the poller (poller.py), which calls `start` for each waiting
image and video in turn under xAI's rates, asks xAI about videos in flight, and
hands finished ones back here, to tasks, to be downloaded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, connections
from django.db.models import Q
from django.utils import timezone

from grokstudio import xai
from grokstudio.studio.attribution import xai_user_id
from grokstudio.studio.catalog import VideoMode
from grokstudio.studio.generation import clusters
from grokstudio.studio.generation.queue import ensure_running, nudge, release_leases
from grokstudio.studio.generation.ratelimit import Turn
from grokstudio.studio.media.clips import CheckedClip, ClipRejected, check_clip
from grokstudio.studio.media.images import CheckedImage, ImageRejected, check_result, data_uri
from grokstudio.studio.models import Asset, Generation, Kind, Reference, Status
from grokstudio.studio.services import StorageUnavailable, store_clip, store_image

log = logging.getLogger(__name__)

# A result URL that breaks is fetched again this many times before giving up.
DOWNLOAD_ATTEMPTS = 3
IMAGE_MAX_BYTES = 64 * 1024 * 1024
VIDEO_MAX_BYTES = 512 * 1024 * 1024
LOST_TRACK = (
    "The studio lost track of this request while xAI was working on it. It was not sent "
    "again, so that you are not charged twice; submit it again if you want it."
)
# A row that has not moved for this long has lost its task (a worker died, a
# queue message was dropped); the sweep nudges it again.
STALE_AFTER = timedelta(minutes=5)
# After the client's own deadline a call has either answered or failed; a row
# still `submitting` later than this lost its worker mid-call. It covers the moments
# a claimed row waits for its turn of the rate limit, too (a second or two at most).
SUBMIT_GRACE = timedelta(seconds=5)

PARALLEL_RUNS = 4
RESULT_GONE = (
    "xAI's link to the result has expired (its links last a limited time), so it cannot be fetched any more."
)

T = TypeVar("T")


def run_generation(generation_id: int) -> None:
    """The queued task's work: download a finished generation, settle a lost call, or make
    sure the poller runs for a waiting one."""
    generation = Generation.objects.filter(pk=generation_id).first()
    if generation is None:
        return
    with _ended_on_unexpected_error(generation):
        _advance(generation)


def start(generation: Generation, turn: Turn) -> None:
    """Send the paid call of one waiting image or video when `turn` comes (see poller.py):
    one try, no sleep; a refused call waits in `pending` until its `next_poll_at` for the
    poller to try again."""
    with turn, _ended_on_unexpected_error(generation):
        if generation.kind == Kind.VIDEO:
            _submit_video(generation, turn)
        else:
            _submit_images(generation, turn)


@contextmanager
def _ended_on_unexpected_error(generation: Generation) -> Iterator[None]:
    """Whatever went wrong, the row must not stay in flight for ever. The exception goes
    on: django-q2 lists the task as failed, and the poller goes on with other videos."""
    try:
        yield
    except Exception:
        log.exception("generation %s: unexpected error", generation.pk)
        generation.refresh_from_db()
        if generation.status == Status.SUBMITTING:
            generation.fail(LOST_TRACK, "outcome_unknown")
        elif generation.status != Status.PROCESSING:
            generation.fail(
                "The studio hit an unexpected error; an administrator can see it.", "internal_error"
            )
        raise


def run_many(generation_ids: list[int]) -> None:
    """run_generation for each id on a few threads: downloads wait on the network and on
    PyAV and Pillow, which let go of the GIL, so they overlap well."""
    with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
        for generation_id, error in zip(
            generation_ids, pool.map(_run_in_thread, generation_ids), strict=True
        ):
            if error is not None:
                log.error("generation %s: %r", generation_id, error)


def _run_in_thread(generation_id: int) -> BaseException | None:
    try:
        run_generation(generation_id)
    except Exception as error:  # already recorded on the row by run_generation
        return error
    finally:
        connections.close_all()  # this thread's own connections
    return None


def _advance(generation: Generation) -> None:
    if generation.status == Status.SUBMITTING and submission_is_stale(generation):
        generation.fail(LOST_TRACK, "outcome_unknown")
        return
    if generation.status == Status.PENDING:
        ensure_running()  # waiting generations are the poller's to start
    if generation.status == Status.DOWNLOADING:
        _download_results(generation)


def submission_is_stale(generation: Generation) -> bool:
    limit = timedelta(seconds=settings.XAI_TIMEOUT_S) + SUBMIT_GRACE
    return generation.started_at is not None and timezone.now() - generation.started_at > limit


def sweep() -> int:
    """Nudge every generation that stopped moving; each run is safe however often it comes."""
    now = timezone.now()
    lost_calls = Generation.objects.filter(
        status=Status.SUBMITTING,
        started_at__lt=now - timedelta(seconds=settings.XAI_TIMEOUT_S) - SUBMIT_GRACE,
    )
    # Waiting generations belong to the poller (ensure_running below); a nudge about a
    # pending image only makes sure of that too. One whose next_poll_at is ahead waits
    # for its retry: nothing to nudge yet.
    stalled = Generation.objects.filter(updated_at__lt=now - STALE_AFTER).filter(
        Q(status=Status.DOWNLOADING)
        | (Q(status=Status.PENDING, kind=Kind.IMAGE) & (Q(next_poll_at=None) | Q(next_poll_at__lt=now)))
    )
    ids = list(lost_calls.values_list("pk", flat=True)[:1000]) + list(
        stalled.values_list("pk", flat=True)[:1000]
    )
    for generation_id in ids:
        nudge(generation_id)
    ensure_running()
    return len(ids) + hand_back()


def hand_back() -> int:
    """Give the work of worker clusters that no longer run to live workers at once.

    Run when a worker starts (a cluster restarted after a crash finds what the dead one
    held) and by the sweep. A waiting or downloading row whose cluster is gone is let go
    and nudged: running its task twice is harmless. A row gone in the middle of its paid
    call is never sent again: it ends as `outcome_unknown` as soon as its worker is proved
    dead, or else after the call's deadline, as any lost call does. With the ORM broker,
    a cluster that finds itself alone also has django-q2 deliver again at once the tasks
    a dead one had taken from the queue, instead of after `retry` seconds.
    """
    census = clusters.census()
    if census is None:
        return 0  # not a worker, or the clusters' Stats cannot be seen: nothing to judge by
    held = Generation.objects.filter(
        status__in=(Status.PENDING, Status.SUBMITTING, Status.DOWNLOADING)
    ).exclude(worker="")
    for cluster_id in census.live:
        held = held.exclude(worker__endswith=f":{cluster_id}")
    count = 0
    for generation in held[:1000]:
        if generation.status == Status.SUBMITTING:
            if census.proves_dead(generation.worker) and generation.give_up_lost_call(LOST_TRACK):
                count += 1
        elif generation.hand_back():
            nudge(generation.pk)
            count += 1
    if census.live == {str(census.own.cluster_id)}:
        count += release_leases(taken_before=census.own.tob)
    if count:
        log.warning("took over %d generations or tasks from worker clusters that are gone", count)
    return count


# --- submitting ------------------------------------------------------------


def _send(generation: Generation, call: Callable[[], T], turn: Turn) -> T | None:
    """Make the paid call for a row this worker has just claimed (`submitting`), when its
    `turn` comes: nothing but the call happens between the two.

    Answers the call's result, or None when xAI refused: the row is then back in
    `pending` until its `next_poll_at` if the refusal says trying again may work
    (rate limit, outage: xAI did nothing) and attempts are left, and ended
    otherwise. Any other failure propagates with the row still `submitting`:
    whether xAI got the call is unknown, so it is never sent again.
    """
    turn.go()
    try:
        result = call()
    except xai.ProviderError as error:
        turn.answered()
        if error.code == "rate_limited":
            turn.refused()
        if error.retryable and generation.attempts < settings.STUDIO_RETRY_ATTEMPTS:
            delay = settings.STUDIO_RETRY_BASE_DELAY_S * 2 ** (generation.attempts - 1)
            log.info("generation %s: %s, retrying in %.1fs", generation.pk, error.code, delay)
            # The row is `pending` while it waits: if this worker dies now, any
            # worker may pick it up again without risk of paying twice.
            generation.back_to_pending(
                f"{error.message} (attempt {generation.attempts})", error.code,
                retry_at=timezone.now() + timedelta(seconds=delay),
            )  # fmt: skip
        else:
            generation.fail(error.message, error.code)
        return None
    turn.answered()
    turn.accepted()
    return result


def _submit_images(generation: Generation, turn: Turn) -> None:
    # Inputs are read before the claim: a failure here happens before any call.
    references = [_image_uri(ref.asset) for ref in generation.references.select_related("asset")]

    def call() -> xai.GeneratedBatch:
        return xai.generate_images(
            prompt=generation.prompt,
            model=generation.model,
            n=generation.params.get("n", 1),
            aspect_ratio=generation.params.get("aspect_ratio") or None,
            resolution=generation.params.get("resolution") or None,
            quality=generation.params.get("quality") or None,
            references=references,
            user=xai_user_id(generation.user_id),
        )

    # The claim comes before the turn, so that no database work comes between the turn and
    # the call; the poller takes only turns that come within moments (see SUBMIT_GRACE).
    if not generation.claim(clusters.this_worker()):
        return
    batch = _send(generation, call, turn)
    if batch is None:
        return
    note = ""
    if batch.moderated_count:
        verb = "was" if batch.moderated_count == 1 else "were"
        note = f"{batch.moderated_count} of {len(batch.urls)} images {verb} blocked by moderation."
    generation.start_download(batch.urls, batch.cost_usd_ticks, message=note)


def _submit_video(generation: Generation, turn: Turn) -> None:
    params = generation.params
    mode = params.get("mode", VideoMode.TEXT)
    inputs: dict[str, list[Reference]] = {}
    for ref in generation.references.all():  # the poller prefetches these for a whole batch
        inputs.setdefault(ref.role, []).append(ref)
    # Everything but the paid call happens before the claim: a failure here is
    # plainly "nothing was sent", and the call alone fits the claim's deadline.
    first = [_image_uri(r.asset) for r in inputs.get(Reference.Role.FIRST_FRAME, [])]
    last = [_image_uri(r.asset) for r in inputs.get(Reference.Role.LAST_FRAME, [])]
    references = [_image_uri(r.asset) for r in inputs.get(Reference.Role.REFERENCE, [])]
    keyframes = [(_image_uri(r.asset), r.time_s) for r in inputs.get(Reference.Role.KEYFRAME, [])]
    clip = next((r.asset for r in inputs.get(Reference.Role.SOURCE_VIDEO, [])), None)
    file_id = None
    if clip is not None:
        try:
            # Free, and kept by xAI for a day: uploading again on a later try costs nothing.
            file_id = xai.upload_clip(_read(clip), clip.download_name())
        except xai.ProviderError as error:
            message = f"{error.message} (uploading the clip)"
            if error.retryable and generation.poll_failures < settings.STUDIO_RETRY_ATTEMPTS:
                delay = settings.STUDIO_RETRY_BASE_DELAY_S * 4 * 2**generation.poll_failures
                generation.postpone(
                    timezone.now() + timedelta(seconds=delay), message, error.code, failed_try=True
                )
            else:
                generation.fail(message, error.code)
            return

    def call() -> str:
        if mode == VideoMode.EXTEND:
            return xai.extend_video(
                prompt=generation.prompt, model=generation.model, video_file_id=file_id,
                duration=params.get("duration"),
            )  # fmt: skip
        shaped = mode in (VideoMode.TEXT, VideoMode.REFERENCE)  # the input fixes shape otherwise
        return xai.start_video(
            prompt=generation.prompt,
            model=generation.model,
            duration=params.get("duration") if mode != VideoMode.VIDEO else None,
            aspect_ratio=params.get("aspect_ratio") if shaped else None,
            resolution=params.get("resolution") if mode != VideoMode.VIDEO else None,
            audio=params.get("audio"),
            image=first[0] if first else None,
            last_frame=last[0] if last else None,
            references=references,
            keyframes=keyframes,
            voices=params.get("voices") or [],
            video_file_id=file_id if mode == VideoMode.VIDEO else None,
        )

    if not generation.claim(clusters.this_worker()):
        return
    request_id = _send(generation, call, turn)
    if request_id is None:
        return
    # The request_id is written before anything else happens: from here on a
    # crash costs a poll, never a second paid start.
    if not generation.start_processing(request_id):
        # The sweep gave up on this call a moment ago; xAI did take it, so carry it on.
        log.warning("generation %s: start answered late with request %s", generation.pk, request_id)
        generation.resume_processing(request_id)


def _read(asset: Asset) -> bytes:
    with asset.file.open("rb") as f:
        return f.read()


def _image_uri(asset: Asset) -> str:
    # Input images reach xAI inline as data: URIs: xAI never fetches a URL of ours.
    return data_uri(_read(asset), asset.content_type)


# --- downloading -------------------------------------------------------------


def _download_results(generation: Generation) -> None:
    existing = set(generation.outputs.values_list("index", flat=True))
    video = generation.kind == Kind.VIDEO
    for index, url in enumerate(generation.result_urls):
        if url is None or index in existing:
            continue
        try:
            if video:
                result = _fetch(url, VIDEO_MAX_BYTES, check_clip, ClipRejected)
            else:
                result = _fetch(url, IMAGE_MAX_BYTES, check_result, ImageRejected)
        except xai.ProviderError as error:
            message = RESULT_GONE if error.code == "result_gone" else error.message
            generation.fail(message, error.code)
            return
        slot = {"user": generation.user, "role": Asset.Role.OUTPUT, "generation": generation, "index": index}
        try:
            if video:
                store_clip(clip=result, **slot)
            else:
                store_image(image=result, **slot)
        except IntegrityError:
            # Another run stored this slot first; one file per slot is the rule.
            log.info("generation %s: slot %s already stored", generation.pk, index)
        except StorageUnavailable:
            generation.fail(_not_stored_message(generation), StorageUnavailable.code)
            return
    generation.complete()


def _not_stored_message(generation: Generation) -> str:
    paid = (
        f" xAI charged ${generation.cost_usd:.4f} for it"
        if generation.cost_usd
        else " xAI may have charged for it"
    )
    return (
        f"The result could not be stored: the studio's storage is unavailable.{paid}; "
        "use Retry download to fetch it again while xAI's link lasts."
    )


def _fetch(
    url: str, max_bytes: int, check: Callable[[bytes], CheckedImage | CheckedClip], rejected: type[Exception]
) -> CheckedImage | CheckedClip:
    last_error: xai.ProviderError | None = None
    for attempt in range(DOWNLOAD_ATTEMPTS):
        if attempt:
            time.sleep(settings.STUDIO_RETRY_BASE_DELAY_S * attempt)
        try:
            data = xai.fetch_result(url, timeout=settings.STUDIO_DOWNLOAD_TIMEOUT_S, max_bytes=max_bytes)
            return check(data)
        except rejected as exc:
            last_error = xai.ProviderError(
                "bad_result", f"xAI's result could not be read: {exc}", retryable=True
            )
        except xai.ProviderError as error:
            if not error.retryable:
                raise
            last_error = error
    assert last_error is not None
    raise xai.ProviderError(
        last_error.code, f"{last_error.message} Gave up after {DOWNLOAD_ATTEMPTS} attempts."
    )
