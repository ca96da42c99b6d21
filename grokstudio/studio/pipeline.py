"""The state machine that carries one image generation from `pending` to an end.

pending -> submitting -> downloading -> completed, or to failed with a reason.

Safe to run twice for the same row: every step starts with a conditional
UPDATE, and a step that finds the row elsewhere leaves it alone. A paid call
is only repeated when xAI said plainly that it did nothing (rate limit,
outage); a call whose outcome we cannot know is never sent again.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone
from django_q.tasks import async_task

from grokstudio import xai
from grokstudio.studio.media import CheckedImage, ImageRejected, check_result, data_uri
from grokstudio.studio.models import Asset, Generation, Status
from grokstudio.studio.services import store_image

log = logging.getLogger(__name__)

# A result URL that breaks is fetched again this many times before giving up.
DOWNLOAD_ATTEMPTS = 3
RESULT_MAX_BYTES = 64 * 1024 * 1024


LOST_TRACK = (
    "The studio lost track of this request while xAI was working on it. It was not sent "
    "again, so that you are not charged twice; submit it again if you want it."
)
# A row that has not moved for this long has lost its task (a worker died, a
# queue message was dropped); the sweep nudges it again.
STALE_AFTER = timedelta(minutes=5)


def run_generation(generation_id: int) -> None:
    generation = Generation.objects.filter(pk=generation_id).first()
    if generation is None:
        return
    try:
        _advance(generation)
    except Exception:
        # Whatever went wrong, the row must not stay in flight for ever; the
        # exception still reaches django-q2, which lists the task as failed.
        log.exception("generation %s: unexpected error", generation_id)
        generation.refresh_from_db()
        if generation.status == Status.SUBMITTING:
            generation.fail(LOST_TRACK, "outcome_unknown")
        else:
            generation.fail(
                "The studio hit an unexpected error; an administrator can see it.", "internal_error"
            )
        raise


def _advance(generation: Generation) -> None:
    if generation.status == Status.SUBMITTING and _submission_is_stale(generation):
        generation.fail(LOST_TRACK, "outcome_unknown")
        return
    if generation.status == Status.PENDING:
        _submit_with_retries(generation)
    if generation.status == Status.DOWNLOADING:
        _download_results(generation)


def sweep() -> int:
    """Nudge every generation that stopped moving; each run is safe however often it comes."""
    stale = Generation.objects.active().filter(updated_at__lt=timezone.now() - STALE_AFTER)
    ids = list(stale.values_list("pk", flat=True)[:1000])
    for generation_id in ids:
        async_task(
            "grokstudio.studio.tasks.run_generation", generation_id, task_name=f"sweep-{generation_id}"
        )
    return len(ids)


def _submission_is_stale(generation: Generation) -> bool:
    """A row stuck in `submitting` longer than any call may take: its worker died mid-call."""
    limit = timedelta(seconds=settings.XAI_TIMEOUT_S + 60)
    return generation.started_at is not None and timezone.now() - generation.started_at > limit


def _submit_with_retries(generation: Generation) -> None:
    # Inputs are read before the claim: a failure here happens before any call.
    references = [_reference_uri(ref.asset) for ref in generation.references.select_related("asset")]
    while generation.claim():
        try:
            batch = xai.generate_images(
                prompt=generation.prompt,
                model=generation.model,
                n=generation.params.get("n", 1),
                aspect_ratio=generation.params.get("aspect_ratio") or None,
                resolution=generation.params.get("resolution") or None,
                references=references,
            )
        except xai.ProviderError as error:
            if error.retryable and generation.attempts < settings.STUDIO_RETRY_ATTEMPTS:
                delay = settings.STUDIO_RETRY_BASE_DELAY_S * 2 ** (generation.attempts - 1)
                log.info("generation %s: %s, retrying in %.1fs", generation.pk, error.code, delay)
                generation.back_to_pending(f"{error.message} (attempt {generation.attempts})", error.code)
                # The row is `pending` while we wait: if this worker dies now,
                # any worker may pick it up again without risk of paying twice.
                time.sleep(delay)
                continue
            generation.fail(error.message, error.code)
            return
        generation.start_download(batch.urls, batch.cost_usd_ticks)
        if batch.moderated_count:
            Generation.objects.filter(pk=generation.pk).update(
                message=f"{batch.moderated_count} of {len(batch.urls)} images were blocked by moderation."
            )
        return


def _reference_uri(asset: Asset) -> str:
    # References reach xAI inline as data: URIs: xAI never fetches a URL of ours.
    with asset.file.open("rb") as f:
        return data_uri(f.read(), asset.content_type)


def _download_results(generation: Generation) -> None:
    existing = set(generation.outputs.values_list("index", flat=True))
    for index, url in enumerate(generation.result_urls):
        if url is None or index in existing:
            continue
        try:
            image = _fetch_image(url)
        except xai.ProviderError as error:
            generation.fail(error.message, error.code)
            return
        try:
            store_image(
                user=generation.user, role=Asset.Role.OUTPUT, image=image, generation=generation, index=index
            )
        except IntegrityError:
            # Another run stored this slot first; one file per slot is the rule.
            log.info("generation %s: slot %s already stored", generation.pk, index)
    generation.complete()


def _fetch_image(url: str) -> CheckedImage:
    last_error: xai.ProviderError | None = None
    for attempt in range(DOWNLOAD_ATTEMPTS):
        if attempt:
            time.sleep(settings.STUDIO_RETRY_BASE_DELAY_S * attempt)
        try:
            data = xai.fetch_result(
                url, timeout=settings.STUDIO_DOWNLOAD_TIMEOUT_S, max_bytes=RESULT_MAX_BYTES
            )
            return check_result(data)
        except ImageRejected as exc:
            last_error = xai.ProviderError("bad_result", f"xAI's result is not a valid image: {exc}",
                                           retryable=True)  # fmt: skip
        except xai.ProviderError as error:
            if not error.retryable:
                raise
            last_error = error
    assert last_error is not None
    raise xai.ProviderError(
        last_error.code, f"{last_error.message} Gave up after {DOWNLOAD_ATTEMPTS} attempts."
    )
