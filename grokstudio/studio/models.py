"""Generations and the files they take and make.

A `Generation` is one request to xAI and the source of truth for its state; a
queue task only nudges it. State moves through methods that do a conditional
UPDATE, so two workers can never both win the same step.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone

from grokstudio.studio.catalog import ASPECT_RATIOS, VIDEO_MODELS, VideoMode, nearest_aspect_ratio


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    SUBMITTING = "submitting", "Submitting"
    PROCESSING = "processing", "Processing"
    DOWNLOADING = "downloading", "Downloading"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    TIMEOUT = "timeout", "Timed out"


ACTIVE_STATUSES = (Status.PENDING, Status.SUBMITTING, Status.PROCESSING, Status.DOWNLOADING)
FINAL_STATUSES = (Status.COMPLETED, Status.FAILED, Status.CANCELLED, Status.TIMEOUT)
# A started video is first asked about after this (or the poll interval, if shorter): its
# first progress figure tells the poller when it will be done (poller._next_poll_in), so a
# short clip is noticed soon after it ends rather than a whole interval later.
FIRST_POLL_S = 1.0


# Sent once a generation reaches a final state (with `generation=`), by whichever
# worker or view moved it there; the task API sends callbacks from it.
generation_ended = Signal()
# Sent when a generation given up as `outcome_unknown` turns out to be at work after all.
generation_reopened = Signal()


class Kind(models.TextChoices):
    IMAGE = "image", "Image"
    VIDEO = "video", "Video"


class GenerationQuerySet(models.QuerySet["Generation"]):
    def active(self) -> GenerationQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def poller_work(self) -> GenerationQuerySet:
        """The poller's rows: images and videos waiting to be started, and videos rendering at xAI."""
        return self.filter(Q(status=Status.PENDING) | Q(kind=Kind.VIDEO, status=Status.PROCESSING))

    def set_favorite(self, favorite: bool) -> int:
        # updated_at moves too, so an open gallery's poll redraws the star.
        return self.update(favorite=favorite, updated_at=timezone.now())

    def save_polls(self, progressed: Iterable[Generation], waiting: Iterable[Generation]) -> None:
        """Save what one round of polls learned, in bulk: hundreds of videos, two statements.

        Only `progress` shows on a card, so only rows whose progress moved get a new
        `updated_at` (the gallery's poll sends those cards). `status` is left alone,
        so a card cancelled meanwhile stays cancelled.
        """
        progressed, waiting = list(progressed), list(waiting)
        now = timezone.now()
        for generation in progressed:
            generation.updated_at = now
        if progressed:
            self.bulk_update(progressed, ["progress", "next_poll_at", "poll_failures", "updated_at"])
        if waiting:
            self.bulk_update(waiting, ["next_poll_at", "poll_failures"])

    def create_finished(self, generations: list[Generation]) -> list[Generation]:
        """Insert generations that have already ended (a seeded demo gallery), each last
        changed when it finished rather than now, as auto_now would have it."""
        created = self.bulk_create(generations)
        self.filter(pk__in=[g.pk for g in created]).update(updated_at=F("finished_at"))
        return created


class Generation(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generations")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.IMAGE)
    prompt = models.TextField()
    model = models.CharField(max_length=64)
    # The options the user chose (aspect_ratio, resolution, n, ...), as sent.
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    # A human sentence for the card, and xAI's code (or ours) for machines.
    message = models.CharField(max_length=500, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    # When to look at the row again (a slot, a retry, a poll), and how many free calls in a row
    # (polls of a video, the upload of its clip) failed.
    next_poll_at = models.DateTimeField(null=True, blank=True)
    poll_failures = models.PositiveSmallIntegerField(default=0)
    # The worker holding the row while it waits, calls xAI or downloads ("host:pid:cluster id",
    # see generation/clusters.py), so that a cluster that starts can tell work whose worker
    # is gone; empty when no worker has taken it yet.
    worker = models.CharField(max_length=120, blank=True)
    # Result URLs xAI answered with, kept so a download can resume after a crash.
    result_urls = models.JSONField(default=list, blank=True)
    cost_usd_ticks = models.BigIntegerField(null=True, blank=True)
    favorite = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = GenerationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="gen_user_newest"),
            # Favourites are few among many: their own index keeps that filter a short walk.
            models.Index(
                fields=["user", "-created_at", "-id"],
                condition=models.Q(favorite=True),
                name="gen_user_favorites",
            ),
            models.Index(fields=["status", "next_poll_at"], name="gen_due_polls"),
            # The gallery's poll: "changed since" or "still at work", one user at a time.
            models.Index(fields=["user", "updated_at"], name="gen_user_changed"),
            models.Index(fields=["user", "status"], name="gen_user_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("studio:generation", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_final(self) -> bool:
        """Changes only through the row from here on, each time moving `updated_at`."""
        return self.status in FINAL_STATUSES

    @property
    def cost_usd(self) -> float | None:
        return None if self.cost_usd_ticks is None else self.cost_usd_ticks / 1e10

    @property
    def grid_columns(self) -> int:
        n = self.params.get("n", 1)
        return 1 if n == 1 else 2 if n <= 4 else 3 if n <= 9 else 4

    @property
    def grid_rows(self) -> int:
        return -(-self.params.get("n", 1) // self.grid_columns)

    @property
    def grid_classes(self) -> str:
        """The card's final shape as studio.css classes, known before any result, so no card jumps:
        its columns and rows of results, each the shape asked for (`shape-16x9`).

        Classes rather than a style attribute, which the Content-Security-Policy refuses. A shape
        an input sets (any width by height) takes the nearest of the catalog's ratios: the
        results are cropped to the card's tiles anyway, and shown whole when opened.
        """
        ratio = self.params.get("shape") or self.params.get("aspect_ratio") or "1:1"
        width, _, height = ratio.partition(":")
        try:
            shape = ratio if ratio in ASPECT_RATIOS else nearest_aspect_ratio(float(width), float(height))
        except (ValueError, ZeroDivisionError):
            shape = "1:1"
        shape_class = "shape-" + shape.replace(".", "_").replace(":", "x")
        return f"cols-{self.grid_columns} rows-{self.grid_rows} {shape_class}"

    # --- state changes: each is one conditional UPDATE ---------------------

    def _move(self, from_statuses: tuple[str, ...], *, held_by: str | None = None, **changes: Any) -> bool:
        """Apply `changes` if the row is in one of `from_statuses` (and, given `held_by`, still
        held by that worker)."""
        changes.setdefault("updated_at", timezone.now())
        rows = Generation.objects.filter(pk=self.pk, status__in=from_statuses)
        if held_by is not None:
            rows = rows.filter(worker=held_by)
        won = rows.update(**changes) == 1
        if won:
            # Mirror the write instead of reading the row back: at hundreds of
            # videos a second the extra SELECT per step shows.
            for name, value in changes.items():
                setattr(self, name, value)
            if changes.get("status") in FINAL_STATUSES:
                generation_ended.send(sender=Generation, generation=self)
        return won

    def claim(self, worker: str = "") -> bool:
        """Take a pending generation for submission as `worker`; False if another worker has it."""
        # The row was just read and only the winner of this UPDATE may change it now.
        attempts = self.attempts + 1
        won = self._move(
            (Status.PENDING,), status=Status.SUBMITTING, attempts=F("attempts") + 1,
            started_at=timezone.now(), message="", worker=worker,
        )  # fmt: skip
        self.attempts = attempts if won else self.attempts
        return won

    def back_to_pending(self, message: str, error_code: str, retry_at=None) -> bool:
        """xAI refused before doing anything (rate limit, outage): safe to try again at `retry_at`."""
        return self._move(
            (Status.SUBMITTING,), status=Status.PENDING, message=message, error_code=error_code,
            next_poll_at=retry_at,
        )  # fmt: skip

    def postpone(
        self,
        until: datetime,
        message: str | None = None,
        error_code: str = "",
        *,
        failed_try: bool = False,
        worker: str | None = None,
    ) -> bool:
        """Keep a pending row waiting until `until` (its rate-limit slot, or a retry); the sweep
        and the video poller pass it by meanwhile. A `message` says why on its card; a
        `failed_try` (a free call before the paid one was refused) counts in `poll_failures`;
        a `worker` that waits with the row in hand says so."""
        held = {} if worker is None else {"worker": worker}
        if message is None and not failed_try:
            # Only when to look again changes: nothing on its card, so open galleries are not
            # sent it again, and the sweep's clock of a row that stopped moving runs on.
            rows = Generation.objects.filter(pk=self.pk, status=Status.PENDING)
            won = rows.update(next_poll_at=until, **held) == 1
            if won:
                self.next_poll_at = until
                self.worker = held.get("worker", self.worker)
            return won
        changes = {"next_poll_at": until, "poll_failures": self.poll_failures + int(failed_try), **held}
        if message is not None:
            changes.update(message=message[:500], error_code=error_code)
        return self._move((Status.PENDING,), **changes)

    def hand_back(self) -> bool:
        """Let go of a waiting or downloading row whose worker is gone, for a new task to take
        on; False if it moved meanwhile or another worker let go of it first."""
        return self._move((Status.PENDING, Status.DOWNLOADING), held_by=self.worker, worker="")

    def give_up_lost_call(self, message: str) -> bool:
        """End a row whose worker died during the paid call: what xAI did is unknown, so the
        call is never sent again."""
        return self._move(
            (Status.SUBMITTING,), held_by=self.worker, status=Status.FAILED, message=message[:500],
            error_code="outcome_unknown", finished_at=timezone.now(),
        )  # fmt: skip

    def start_processing(self, request_id: str) -> bool:
        """xAI accepted a video: keep its request_id first, then let the poller ask."""
        return self._move(
            (Status.SUBMITTING,), status=Status.PROCESSING, request_id=request_id, progress=0,
            next_poll_at=timezone.now()
            + timedelta(seconds=min(FIRST_POLL_S, settings.STUDIO_VIDEO_POLL_INTERVAL_S)),
            poll_failures=0, error_code="", message="",
        )  # fmt: skip

    def resume_processing(self, request_id: str) -> bool:
        """A start whose answer came after the row was given up as `outcome_unknown`:
        xAI has the video, so the studio follows it after all."""
        won = (
            Generation.objects.filter(pk=self.pk, status=Status.FAILED, error_code="outcome_unknown").update(
                status=Status.PROCESSING, request_id=request_id, finished_at=None, message="", error_code="",
                next_poll_at=timezone.now(), updated_at=timezone.now(),
            )
            == 1
        )  # fmt: skip
        if won:
            self.refresh_from_db()
            generation_reopened.send(sender=Generation, generation=self)
        return won

    @property
    def can_retry_download(self) -> bool:
        return self.status == Status.FAILED and self.error_code == "storage_unavailable"

    def retry_download(self) -> bool:
        """Back to `downloading` a generation whose results could not be stored: xAI's URLs are
        kept in `result_urls`, and what xAI charged stays. False if it did not end that way."""
        not_stored = Generation.objects.filter(
            pk=self.pk, status=Status.FAILED, error_code="storage_unavailable"
        )
        won = not_stored.update(
            status=Status.DOWNLOADING, finished_at=None, message="", error_code="", updated_at=timezone.now()
        ) == 1  # fmt: skip
        if won:
            self.refresh_from_db()
            # A task reported failed is reported again when it ends this time.
            generation_reopened.send(sender=Generation, generation=self)
        return won

    def cancel(self) -> bool:
        """Stop waiting. xAI has no way to stop a render: what it finishes may still be billed."""
        return self._move(
            (Status.PENDING, Status.PROCESSING), status=Status.CANCELLED, finished_at=timezone.now(),
            message="Cancelled.", error_code="cancelled",
        )  # fmt: skip

    def get_mode_display(self) -> str:
        return dict(VideoMode.CHOICES).get(self.params.get("mode", ""), "Video")

    def inputs(self) -> list[tuple[Reference, str]]:
        """Each input with what it is for, a keyframe with its time ("Keyframe at 2.5 s")."""
        return [(ref, ref.label) for ref in self.references.all()]

    @property
    def can_cancel(self) -> bool:
        return self.status in (Status.PENDING, Status.PROCESSING)

    @property
    def elapsed_s(self) -> float:
        end = self.finished_at or timezone.now()
        return max(0.0, (end - (self.started_at or self.created_at)).total_seconds())

    def start_download(self, urls: list[str | None], cost_usd_ticks: int | None, message: str = "") -> bool:
        """xAI answered with results to fetch; `message` is a note for the card (moderated images)."""
        return self._move(
            (Status.SUBMITTING, Status.PROCESSING),
            status=Status.DOWNLOADING,
            result_urls=urls,
            cost_usd_ticks=cost_usd_ticks,
            progress=100,
            error_code="",
            message=message,
        )

    def complete(self) -> bool:
        return self._move((Status.DOWNLOADING,), status=Status.COMPLETED, finished_at=timezone.now())

    def fail(
        self, message: str, error_code: str, status: str = Status.FAILED, cost_usd_ticks: int | None = None
    ) -> bool:
        """End the row with a reason; `cost_usd_ticks` when xAI billed a render that failed."""
        billed = {} if cost_usd_ticks is None else {"cost_usd_ticks": cost_usd_ticks}
        return self._move(
            ACTIVE_STATUSES, status=status, message=message[:500], error_code=error_code,
            finished_at=timezone.now(), **billed,
        )  # fmt: skip

    def download_name(self, index: int, extension: str) -> str:
        """A file name a person recognises: the prompt's first words, the id, the index."""
        words = re.sub(r"[^a-z0-9]+", "-", self.prompt.lower()).strip("-")[:48].rstrip("-") or "generation"
        suffix = f"-{index + 1}" if self.params.get("n", 1) > 1 else ""
        return f"grok-{words}-{self.pk}{suffix}.{extension}"


def _asset_path(asset: Asset, filename: str) -> str:
    return f"{asset.role}/{asset.user_id}/{timezone.now():%Y/%m}/{filename}"


class Asset(models.Model):
    """A stored file: a generated result or an uploaded reference."""

    class Role(models.TextChoices):
        OUTPUT = "output", "Output"
        UPLOAD = "upload", "Upload"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assets")
    generation = models.ForeignKey(
        Generation, null=True, blank=True, on_delete=models.CASCADE, related_name="outputs"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.IMAGE)
    index = models.PositiveSmallIntegerField(default=0)
    # Indexed because files may be shared (seeded demo galleries): a file is
    # removed from storage only when no remaining asset names it.
    file = models.FileField(upload_to=_asset_path, max_length=300, db_index=True)
    thumbnail = models.FileField(upload_to=_asset_path, max_length=300, blank=True, db_index=True)
    content_type = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    duration_s = models.FloatField(null=True, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["generation_id", "index", "id"]
        constraints = [
            # One stored file per result slot, even if a download runs twice.
            models.UniqueConstraint(
                fields=["generation", "index"],
                condition=models.Q(role="output"),
                name="one_output_per_slot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.kind} #{self.pk}"

    @property
    def can_extend(self) -> bool:
        """Whether xAI takes this clip as the start of an extension (the model table's limits)."""
        if self.kind != Kind.VIDEO or not self.duration_s:
            return False
        return any(
            low <= self.duration_s <= high
            for low, high in (m.extend_input_seconds for m in VIDEO_MODELS.values())
        )

    @property
    def extension(self) -> str:
        return self.file.name.rsplit(".", 1)[-1] if "." in self.file.name else "bin"

    def download_name(self) -> str:
        if self.generation_id:
            return self.generation.download_name(self.index, self.extension)
        return self.original_name or f"upload-{self.pk}.{self.extension}"


class Reference(models.Model):
    """An input of a generation (an image or a clip), in the order it was given."""

    class Role(models.TextChoices):
        REFERENCE = "reference", "Reference image"
        FIRST_FRAME = "first_frame", "Starting image"
        LAST_FRAME = "last_frame", "Last frame"
        SOURCE_VIDEO = "source_video", "Source video"
        KEYFRAME = "keyframe", "Keyframe"  # a picture the clip passes through at `time_s`

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="references")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REFERENCE)
    # RESTRICT, not PROTECT: an upload in use cannot be deleted on its own,
    # but deleting its owner (and so the generation) still cascades.
    asset = models.ForeignKey(Asset, on_delete=models.RESTRICT, related_name="used_by")
    position = models.PositiveSmallIntegerField()
    # Seconds into the clip, for a keyframe alone: the time stays with its picture whatever
    # order the inputs are read in.
    time_s = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "position"], name="one_reference_per_position"),
            models.CheckConstraint(
                condition=(Q(role="keyframe") & Q(time_s__isnull=False))
                | (~Q(role="keyframe") & Q(time_s__isnull=True)),
                name="time_for_keyframes_only",
            ),
        ]

    def __str__(self) -> str:
        return f"reference {self.position} of generation #{self.generation_id}"

    @property
    def label(self) -> str:
        """What the input is for, a keyframe with its time ("Keyframe at 2.5 s")."""
        if self.role == Reference.Role.KEYFRAME:
            return f"Keyframe at {self.time_s:g} s"
        return self.get_role_display()


class Collection(models.Model):
    """A named set of a user's generations, like a board or a folder; a generation can be in many."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections")
    name = models.CharField(max_length=80)
    generations = models.ManyToManyField(Generation, related_name="collections", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="one_collection_name_per_user")]

    def __str__(self) -> str:
        return self.name


class PollerLease(models.Model):
    """Which poller starts waiting generations and asks about videos in flight right now: one at a
    time, taken by conditional UPDATE. Every paid call leaves from its holder (generation/ratelimit.py)."""

    name = models.CharField(max_length=32, primary_key=True)
    holder = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField()
    renewed_at = models.DateTimeField(null=True, blank=True)
    # Set while a poller task waits in the queue, so that callers queue one, not hundreds.
    queued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder or 'nobody'} until {self.expires_at}"


class PromptHelp(models.Model):
    """One request for Grok's help with a prompt: "Improve" a person's text, or "Describe" an
    image into prompts. A view creates it, a worker asks xAI, the page polls it until it ends;
    like a Generation, its steps are conditional UPDATEs and it is never sent twice."""

    class Kind(models.TextChoices):
        IMPROVE = "improve", "Improve"
        DESCRIBE = "describe", "Describe"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUBMITTING = "submitting", "Asking Grok"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prompt_helps")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    # The person's text (Improve), and what it is for: {"kind", "model", "mode"}.
    prompt = models.TextField(blank=True)
    target = models.JSONField(default=dict, blank=True)
    # The images sent along: the one described, or the gallery references of an Improve.
    assets = models.ManyToManyField(Asset, blank=True, related_name="prompt_helps")
    suggestions = models.JSONField(default=list, blank=True)
    cost_usd_ticks = models.BigIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="help_user_month")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.State.PENDING, self.State.SUBMITTING)

    @property
    def cost_usd(self) -> float | None:
        return None if self.cost_usd_ticks is None else self.cost_usd_ticks / 1e10

    def _move(self, from_statuses: tuple[str, ...], **changes: Any) -> bool:
        changes.setdefault("updated_at", timezone.now())
        won = PromptHelp.objects.filter(pk=self.pk, status__in=from_statuses).update(**changes) == 1
        if won:
            for name, value in changes.items():
                setattr(self, name, value)
        return won

    def claim(self) -> bool:
        return self._move((self.State.PENDING,), status=self.State.SUBMITTING, started_at=timezone.now())

    def complete(self, suggestions: list[str], cost_usd_ticks: int | None) -> bool:
        return self._move(
            (self.State.SUBMITTING,), status=self.State.COMPLETED, suggestions=suggestions,
            cost_usd_ticks=cost_usd_ticks, finished_at=timezone.now(),
        )  # fmt: skip

    def fail(self, message: str, error_code: str, cost_usd_ticks: int | None = None) -> bool:
        billed = {} if cost_usd_ticks is None else {"cost_usd_ticks": cost_usd_ticks}
        return self._move(
            (self.State.PENDING, self.State.SUBMITTING), status=self.State.FAILED, message=message[:500],
            error_code=error_code, finished_at=timezone.now(), **billed,
        )  # fmt: skip

    def give_up_if_lost(self, after: timedelta) -> bool:
        """A help still asking long after any answer could come lost its worker: end it."""
        if self.status != self.State.SUBMITTING or timezone.now() - self.started_at < after:
            return False
        return self.fail(
            "The studio lost track of this request. It was not sent again; ask once more if you like.",
            "outcome_unknown",
        )


# --- share links ---------------------------------------------------------------------------------


class ShareLinkQuerySet(models.QuerySet["ShareLink"]):
    def live(self) -> ShareLinkQuerySet:
        """Links that still open: not past their expiry."""
        return self.filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now()))


class ShareLink(models.Model):
    """One item made visible to whoever holds an unguessable link, until it expires or is revoked.

    The token is stored as it is, not hashed: its owner copies the link again from the
    Shared links page, and a link opens one file that lives beside this database anyway.
    Revoking deletes the row, so a revoked and a never-issued token look the same: 404.
    """

    class Expiry(models.TextChoices):
        DAY = "day", "A day"
        WEEK = "week", "A week"
        NEVER = "never", "Never"

    LIFETIMES = {Expiry.DAY: timedelta(days=1), Expiry.WEEK: timedelta(days=7), Expiry.NEVER: None}

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=64, unique=True)
    show_prompt = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"share link #{self.pk} of asset #{self.asset_id}"

    def get_absolute_url(self) -> str:
        return reverse("studio:shared", args=[self.token])

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def download_name(self) -> str:
        """The prompt names the file only where the link shows the prompt."""
        if self.show_prompt:
            return self.asset.download_name()
        return f"grok-studio-shared.{self.asset.extension}"


# --- presets -------------------------------------------------------------------------------------


class Preset(models.Model):
    """A named create form: model, mode and options, and words that wrap every prompt (a house
    style). A person's own; one marked `shared` (by staff) is offered to everyone."""

    # What a preset keeps of each create form, by the form's field names.
    FIELDS = {
        Kind.IMAGE: ("model", "aspect_ratio", "resolution", "n", "quality"),
        Kind.VIDEO: ("model", "mode", "duration", "aspect_ratio", "resolution", "audio", "voices"),
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presets")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.IMAGE)
    options = models.JSONField(default=dict, blank=True)
    prompt_prefix = models.CharField(max_length=300, blank=True)
    prompt_suffix = models.CharField(max_length=300, blank=True)
    shared = models.BooleanField(default=False, help_text="Offered to everyone, not only its owner.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="one_preset_name_per_user")]

    def __str__(self) -> str:
        return self.name

    def wrap(self, prompt: str) -> str:
        """The prompt inside the preset's prefix and suffix; a suffix that starts with
        punctuation (", 35mm film") follows the prompt without a space."""
        text = " ".join(part for part in (self.prompt_prefix.strip(), prompt.strip()) if part)
        suffix = self.prompt_suffix.strip()
        if not suffix:
            return text
        return f"{text}{suffix}" if suffix[0] in ",.;:!?" else f"{text} {suffix}"

    def summary(self) -> str:
        values = [", ".join(v) if isinstance(v, list) else v for v in self.options.values()]
        return ", ".join(f"{value}" for value in values if value not in ("", None, False))
