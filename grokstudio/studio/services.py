"""Writes: submitting a generation and storing what it takes and makes."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from grokstudio.studio import poller
from grokstudio.studio.catalog import VideoMode
from grokstudio.studio.clips import CheckedClip
from grokstudio.studio.media import CheckedImage, thumbnail_webp
from grokstudio.studio.models import Asset, Generation, Kind, Reference
from grokstudio.studio.queue import nudge_with_commit


def enqueue(generation: Generation) -> None:
    """Nudge a worker about a new row; the row, not the task, holds the job."""
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
    stem = f"{asset.generation_id}-{asset.index}" if asset.generation_id else "ref"
    asset.file.save(f"{stem}.{extension}", ContentFile(data), save=False)
    asset.thumbnail.save(f"{stem}-thumb.webp", ContentFile(thumbnail), save=False)
    try:
        asset.save()
    except IntegrityError:
        # The slot was filled by another run: keep storage free of files no row points to.
        asset.file.delete(save=False)
        asset.thumbnail.delete(save=False)
        raise
    return asset


@transaction.atomic
def submit_image_generation(user: AbstractBaseUser, data: dict) -> Generation:
    references: list[CheckedImage] = data.get("references") or []
    generation = Generation.objects.create(
        user=user,
        kind=Kind.IMAGE,
        prompt=data["prompt"],
        model=data["model"],
        params={
            "aspect_ratio": data.get("aspect_ratio") or "",
            "resolution": data["resolution"],
            "n": data["n"],
            "mode": "edit" if len(references) == 1 else "compose" if references else "text",
        },
    )
    for position, image in enumerate(references):
        asset = store_image(user=user, role=Asset.Role.UPLOAD, image=image, original_name=image.name)
        Reference.objects.create(generation=generation, asset=asset, position=position)
    enqueue(generation)
    return generation


def _input_asset(
    user: AbstractBaseUser, upload: CheckedImage | CheckedClip | None, chosen: Asset | None
) -> Asset | None:
    """A fresh upload is stored as the user's; a gallery item is reused as it is."""
    if chosen is not None:
        return chosen
    if isinstance(upload, CheckedClip):
        return store_clip(user=user, role=Asset.Role.UPLOAD, clip=upload, original_name=upload.name)
    if isinstance(upload, CheckedImage):
        return store_image(user=user, role=Asset.Role.UPLOAD, image=upload, original_name=upload.name)
    return None


@transaction.atomic
def submit_video_generation(user: AbstractBaseUser, data: dict) -> Generation:
    """Store the inputs of a video generation, the row in `pending`, and nudge a worker.

    `data` is a VideoGenerationForm's cleaned_data: the inputs it carries are
    already checked, and gallery items already belong to `user`.
    """
    mode = data["mode"]
    first = _input_asset(user, data.get("image"), data.get("image_asset"))
    last = _input_asset(user, data.get("last_frame"), None)
    source = _input_asset(user, data.get("video"), data.get("video_asset"))
    references = [_input_asset(user, image, None) for image in data.get("references") or []]
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
    generation = Generation.objects.create(
        user=user, kind=Kind.VIDEO, prompt=data["prompt"], model=data["model"], params=params
    )
    inputs = [(Reference.Role.FIRST_FRAME, first), (Reference.Role.LAST_FRAME, last),
              (Reference.Role.SOURCE_VIDEO, source)]  # fmt: skip
    inputs += [(Reference.Role.REFERENCE, asset) for asset in references]
    for position, (role, asset) in enumerate((role, asset) for role, asset in inputs if asset is not None):
        Reference.objects.create(generation=generation, asset=asset, position=position, role=role)
    # Waiting videos are started by the video poller, many at a time; make sure
    # one runs once this row is visible to it.
    transaction.on_commit(poller.ensure_running)
    return generation
