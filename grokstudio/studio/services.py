"""Writes: submitting a generation and storing what it takes and makes."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from grokstudio.studio import budgets, catalog
from grokstudio.studio.catalog import VideoMode
from grokstudio.studio.generation.queue import ensure_running, nudge_prompt_help, nudge_with_commit
from grokstudio.studio.media.clips import CheckedClip
from grokstudio.studio.media.images import CheckedImage, thumbnail_webp
from grokstudio.studio.models import (
    ACTIVE_STATUSES,
    Asset,
    Collection,
    Generation,
    Kind,
    PromptHelp,
    Reference,
    ShareLink,
)

log = logging.getLogger(__name__)


class StorageUnavailable(Exception):
    """A file could not be written (a full disk, an S3 error): the studio's fault, not the request's.
    What the write had begun is removed again before this is raised."""

    code = "storage_unavailable"
    message = "The studio's storage is unavailable right now, so nothing was saved. Try again later."


def enqueue(generation: Generation) -> None:
    """Nudge a worker about a row to download again; the row, not the task, holds the job."""
    nudge_with_commit(generation.pk)


def store_image(
    *, user: AbstractBaseUser, role: str, image: CheckedImage, generation: Generation | None = None,
    index: int = 0, original_name: str = "",
) -> Asset:  # fmt: skip
    """Save an image and its WebP thumbnail through Django's storage API."""
    asset = Asset(
        user=user, generation=generation, role=role, kind=Kind.IMAGE, index=index,
        content_type=image.content_type, size_bytes=len(image.data), width=image.width,
        height=image.height, original_name=original_name[:255],
    )  # fmt: skip
    return _save(asset, image.data, image.extension, thumbnail_webp(image.data))


def store_clip(
    *, user: AbstractBaseUser, role: str, clip: CheckedClip, generation: Generation | None = None,
    index: int = 0, original_name: str = "",
) -> Asset:  # fmt: skip
    """Save a video and its WebP poster frame through Django's storage API."""
    asset = Asset(
        user=user, generation=generation, role=role, kind=Kind.VIDEO, index=index,
        content_type=clip.content_type, size_bytes=len(clip.data), width=clip.width, height=clip.height,
        duration_s=clip.duration_s, original_name=original_name[:255],
    )  # fmt: skip
    return _save(asset, clip.data, clip.extension, clip.poster)


def _save(asset: Asset, data: bytes, extension: str, thumbnail: bytes) -> Asset:
    # The random part makes each name this write's own: a failed write removes only what it began.
    stem = f"{asset.generation_id}-{asset.index}" if asset.generation_id else "ref"
    stem = f"{stem}-{secrets.token_hex(4)}"
    _write(asset.file, f"{stem}.{extension}", data)
    try:
        _write(asset.thumbnail, f"{stem}-thumb.webp", thumbnail)
        asset.save()
    except Exception:
        # The thumbnail could not be written, or the slot was filled by another run
        # (IntegrityError): keep storage free of files no row points to.
        _remove_files(asset)
        raise
    return asset


def _write(field_file, name: str, data: bytes) -> None:
    """Write one file of an unsaved Asset; StorageUnavailable if the storage refuses."""
    storage: Storage = field_file.storage
    target = field_file.field.generate_filename(field_file.instance, name)
    try:
        field_file.name = storage.save(target, ContentFile(data), max_length=field_file.field.max_length)
    except Exception as exc:  # OSError from a disk, botocore's errors from S3, ...
        log.warning("storage refused %s: %r", target, exc)
        # A disk that filled up mid-write leaves a partial (often empty) file behind.
        _delete_quietly(storage, target)
        raise StorageUnavailable(StorageUnavailable.message) from exc


def _delete_quietly(storage: Storage, name: str) -> None:
    try:
        if storage.exists(name):
            storage.delete(name)
    except Exception as exc:  # the storage is failing: say so, and keep the first error
        log.warning("could not remove %s from storage: %r", name, exc)


def _remove_files(asset: Asset) -> None:
    for field_file in (asset.file, asset.thumbnail):
        if field_file.name:
            _delete_quietly(field_file.storage, field_file.name)


@contextmanager
def _files_removed_on_failure() -> Iterator[list[Asset]]:
    """Uploads stored for a submission that then fails leave storage again: its rows are
    rolled back with the transaction, files would stay behind."""
    stored: list[Asset] = []
    try:
        yield stored
    except BaseException:
        for asset in stored:
            _remove_files(asset)
        raise


@transaction.atomic
def submit_image_generation(user: AbstractBaseUser, data: dict) -> Generation:
    """`data` is a request checked by validation.check_image_request. Raises budgets.OverBudget
    (and stores nothing) when it does not fit the budget."""
    budgets.lock(user)
    budgets.check(user, budgets.estimate_submission(Kind.IMAGE, data))
    references: list[CheckedImage] = data.get("references") or []
    count = len(references) + len(data.get("reference_assets") or [])
    generation = Generation.objects.create(
        user=user,
        kind=Kind.IMAGE,
        prompt=data["prompt"],
        model=data["model"],
        params={
            "aspect_ratio": data.get("aspect_ratio") or "",
            "resolution": data["resolution"],
            "n": data["n"],
            "mode": "edit" if count == 1 else "compose" if count else "text",
            **({"quality": data["quality"]} if data.get("quality") else {}),
        },
    )
    with _files_removed_on_failure() as stored:
        for image in references:
            stored.append(
                store_image(user=user, role=Asset.Role.UPLOAD, image=image, original_name=image.name)
            )
        for position, asset in enumerate([*(data.get("reference_assets") or []), *stored]):
            Reference.objects.create(generation=generation, asset=asset, position=position)
    # Waiting generations are started by the poller, paced under xAI's rates; make sure one
    # runs once this row is visible to it.
    transaction.on_commit(ensure_running)
    return generation


def _input_asset(
    user: AbstractBaseUser, upload: CheckedImage | CheckedClip | None, chosen: Asset | None,
    stored: list[Asset],
) -> Asset | None:  # fmt: skip
    """A fresh upload is stored as the user's (and listed in `stored`); a gallery item is reused as it is."""
    if chosen is not None:
        return chosen
    if isinstance(upload, CheckedClip):
        asset = store_clip(user=user, role=Asset.Role.UPLOAD, clip=upload, original_name=upload.name)
    elif isinstance(upload, CheckedImage):
        asset = store_image(user=user, role=Asset.Role.UPLOAD, image=upload, original_name=upload.name)
    else:
        return None
    stored.append(asset)
    return asset


@transaction.atomic
def submit_video_generation(user: AbstractBaseUser, data: dict) -> Generation:
    """Store the inputs of a video generation, the row in `pending`, and nudge a worker.

    `data` is a request checked by validation.check_video_request: the inputs it
    carries are checked, and gallery items belong to `user`. Raises
    budgets.OverBudget (and stores nothing) when it does not fit the budget.
    """
    budgets.lock(user)
    budgets.check(user, budgets.estimate_submission(Kind.VIDEO, data))
    with _files_removed_on_failure() as stored:
        return _create_video_generation(user, data, stored)


def _create_video_generation(user: AbstractBaseUser, data: dict, stored: list[Asset]) -> Generation:
    mode = data["mode"]
    first = _input_asset(user, data.get("image"), data.get("image_asset"), stored)
    last = _input_asset(user, data.get("last_frame"), None, stored)
    source = _input_asset(user, data.get("video"), data.get("video_asset"), stored)
    # Gallery images are used as they are, before fresh uploads, as for an image.
    uploads = [_input_asset(user, image, None, stored) for image in data.get("references") or []]
    references = [*(data.get("reference_assets") or []), *uploads]
    keyframes = [
        (_input_asset(user, k["image"], k["image_asset"], stored), k["time_s"])
        for k in data.get("keyframes") or []
    ]
    # When an input fixes the output's shape, the card takes that shape from the start.
    shaper = source or first
    # A clip being edited or extended sets the size (and, edited, the length): the
    # form's values for those are not sent, so the card must not show them either.
    from_clip = mode in (VideoMode.VIDEO, VideoMode.EXTEND)
    params = {
        "mode": mode,
        "n": 1,
        "duration": None if mode == VideoMode.VIDEO else data.get("duration"),
        "aspect_ratio": "" if shaper else data.get("aspect_ratio") or "",
        "resolution": "" if from_clip else data.get("resolution") or "",
        "audio": data.get("audio", True),
        "shape": f"{shaper.width}:{shaper.height}" if shaper and shaper.width and shaper.height else "",
    }
    # Preset voices by id. A keyframe's time is kept on its own Reference, beside its picture.
    if data.get("voices"):
        params["voices"] = list(data["voices"])
    if mode == VideoMode.VIDEO and source is not None and source.duration_s:
        params["source_seconds"] = round(source.duration_s)  # an edit is as long as its clip
    generation = Generation.objects.create(
        user=user, kind=Kind.VIDEO, prompt=data["prompt"], model=data["model"], params=params
    )
    inputs = [(Reference.Role.FIRST_FRAME, first, None), (Reference.Role.LAST_FRAME, last, None),
              (Reference.Role.SOURCE_VIDEO, source, None)]  # fmt: skip
    inputs += [(Reference.Role.REFERENCE, asset, None) for asset in references]
    inputs += [(Reference.Role.KEYFRAME, asset, time_s) for asset, time_s in keyframes]
    given = [(role, asset, time_s) for role, asset, time_s in inputs if asset is not None]
    for position, (role, asset, time_s) in enumerate(given):
        Reference.objects.create(
            generation=generation, asset=asset, position=position, role=role, time_s=time_s
        )
    # Waiting generations are started by the poller; make sure one runs once this row is visible to it.
    transaction.on_commit(ensure_running)
    return generation


def retry_download(generation: Generation) -> bool:
    """Fetch again the results that could not be stored, while xAI's links last; False if the
    generation did not end that way."""
    if not generation.retry_download():
        return False
    enqueue(generation)
    return True


@transaction.atomic
def reroll(generation: Generation) -> Generation:
    """The same request again: same prompt, model, options and inputs, as a new generation.

    Raises budgets.OverBudget when it does not fit in what the person has left.
    """
    budgets.lock(generation.user)
    references = generation.references.count() if generation.kind == Kind.IMAGE else 0
    budgets.check(
        generation.user,
        budgets.estimate_usd(generation.kind, generation.model, generation.params, references),
    )
    again = Generation.objects.create(
        user=generation.user, kind=generation.kind, prompt=generation.prompt, model=generation.model,
        params=generation.params,
    )  # fmt: skip
    Reference.objects.bulk_create(
        Reference(generation=again, asset_id=r.asset_id, role=r.role, position=r.position, time_s=r.time_s)
        for r in generation.references.all()
    )
    transaction.on_commit(ensure_running)
    return again


def set_favorite(user: AbstractBaseUser, ids: Iterable[int], favorite: bool) -> int:
    return Generation.objects.filter(user=user, pk__in=list(ids)).set_favorite(favorite)


def add_to_collection(collection: Collection, ids: Iterable[int]) -> int:
    """Add the owner's generations among `ids`; those already in it stay once."""
    owned = set(
        Generation.objects.filter(user_id=collection.user_id, pk__in=list(ids)).values_list("pk", flat=True)
    )
    present = set(collection.generations.filter(pk__in=owned).values_list("pk", flat=True))
    collection.generations.add(*(owned - present))
    return len(owned - present)


def remove_from_collection(collection: Collection, ids: Iterable[int]) -> int:
    through = Collection.generations.through
    return through.objects.filter(collection=collection, generation_id__in=list(ids)).delete()[0]


def delete_generations(user: AbstractBaseUser, ids: Iterable[int]) -> tuple[int, int]:
    """Delete the user's finished generations among `ids`, their rows and their files.

    Returns (deleted, skipped): a generation still at work is skipped, as a
    worker may be about to store its results. An output that another of the
    user's generations took as its input stays, as that generation's input,
    until nothing uses it. Files leave storage only after the rows are gone
    for good (on commit) and only if no remaining asset names them.
    """
    ids = list(ids)
    with transaction.atomic():
        rows = Generation.objects.filter(user=user, pk__in=ids)
        doomed = list(rows.exclude(status__in=ACTIVE_STATUSES).values_list("pk", flat=True))
        skipped = rows.filter(status__in=ACTIVE_STATUSES).count()
        inputs = set(Reference.objects.filter(generation__in=doomed).values_list("asset_id", flat=True))
        # Outputs in use elsewhere are kept, detached from the generation being deleted.
        in_use = Reference.objects.filter(asset__generation__in=doomed).exclude(generation__in=doomed)
        Asset.objects.filter(pk__in=in_use.values("asset_id")).update(generation=None)
        outputs = Asset.objects.filter(generation__in=doomed)
        files = set(_file_names(outputs))
        Generation.objects.filter(pk__in=doomed).delete()
        # Inputs (uploads, detached outputs) that nothing uses any more go too.
        orphans = Asset.objects.filter(pk__in=inputs, generation=None, used_by=None)
        files |= set(_file_names(orphans))
        orphans.delete()
        transaction.on_commit(lambda: remove_unused_files(files))
    return len(doomed), skipped


def _file_names(assets) -> list[str]:
    return [name for pair in assets.values_list("file", "thumbnail") for name in pair if name]


def remove_unused_files(names: Iterable[str], chunk: int = 2000) -> None:
    """Delete from storage the files among `names` that no asset names any more."""
    names = sorted(set(names))
    for start in range(0, len(names), chunk):
        part = names[start : start + chunk]
        used = Asset.objects.filter(Q(file__in=part) | Q(thumbnail__in=part)).values_list("file", "thumbnail")
        still_used = {name for pair in used for name in pair}
        for name in part:
            if name not in still_used:
                default_storage.delete(name)


# --- prompt help -------------------------------------------------------------------------


@transaction.atomic
def request_prompt_help(
    user: AbstractBaseUser, kind: str, *, prompt: str = "", target: dict | None = None,
    assets: Iterable[Asset] = (), upload: CheckedImage | None = None,
) -> PromptHelp:  # fmt: skip
    """Create a PromptHelp row and queue the call to Grok; `upload`, a picture not yet in the
    gallery, is stored as the user's first. Raises budgets.OverBudget (and stores nothing)
    when even this small call does not fit the month's budget."""
    budgets.lock(user)
    budgets.check(user, Decimal(str(catalog.PROMPT_HELP_ESTIMATE_USD)))
    help = PromptHelp.objects.create(user=user, kind=kind, prompt=prompt, target=target or {})
    with _files_removed_on_failure() as stored:
        if upload is not None:
            stored.append(
                store_image(user=user, role=Asset.Role.UPLOAD, image=upload, original_name=upload.name)
            )
    help.assets.set([*assets, *stored])
    nudge_prompt_help(help.pk)
    return help


def share(user: AbstractBaseUser, asset: Asset, expiry: str, show_prompt: bool) -> ShareLink:
    """A new link to one of the user's items; `expiry` is a ShareLink.Expiry."""
    lifetime = ShareLink.LIFETIMES[ShareLink.Expiry(expiry)]
    return ShareLink.objects.create(
        user=user, asset=asset, token=secrets.token_urlsafe(32), show_prompt=show_prompt,
        expires_at=None if lifetime is None else timezone.now() + lifetime,
    )  # fmt: skip
