"""Writes: submitting a generation and storing what it takes and makes."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django_q.tasks import async_task

from grokstudio.studio.media import CheckedImage, thumbnail_webp
from grokstudio.studio.models import Asset, Generation, Kind, Reference


def enqueue(generation: Generation) -> None:
    """Nudge a worker once the row is committed; the row, not the task, holds the job."""
    transaction.on_commit(
        lambda: async_task(
            "grokstudio.studio.tasks.run_generation", generation.pk, task_name=f"generation-{generation.pk}"
        )
    )


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
    stem = f"{generation.pk}-{index}" if generation else "ref"
    asset.file.save(f"{stem}.{image.extension}", ContentFile(image.data), save=False)
    asset.thumbnail.save(f"{stem}-thumb.webp", ContentFile(thumbnail_webp(image.data)), save=False)
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
