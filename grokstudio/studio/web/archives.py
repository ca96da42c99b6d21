"""ZIP downloads of many gallery items, streamed with constant memory.

Files are read from storage in chunks while the archive is being sent, so a
ZIP of gigabytes costs the web process what one chunk costs. Nothing is
compressed (images and videos are compressed already), which also lets the
archive's size be known up front: the browser shows real progress. An item
that cannot be included is named in `SKIPPED.txt` inside the archive instead
of breaking the download.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from zipstream import ZipStream

from grokstudio.studio.models import Asset, Generation, Status

CHUNK_BYTES = 256 * 1024
log = logging.getLogger(__name__)


def _chunks(name: str) -> Iterator[bytes]:
    with default_storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


@dataclass
class Archive:
    stream: ZipStream
    included: int = 0
    skipped: list[str] = field(default_factory=list)


def gallery_zip(user, ids: list[int]) -> Archive:
    """An archive of the results of the user's generations among `ids`, in the order given."""
    generations = {
        g.pk: g for g in Generation.objects.filter(user=user, pk__in=ids).prefetch_related("outputs")
    }
    archive = Archive(ZipStream(sized=True))
    for pk in ids:
        generation = generations.get(pk)
        if generation is None:
            archive.skipped.append(f"#{pk}: not in your gallery.")
            continue
        if generation.status != Status.COMPLETED:
            archive.skipped.append(
                f"#{pk} “{generation.prompt[:60]}”: {generation.get_status_display().lower()}, no result."
            )
            continue
        for asset in generation.outputs.all():
            _add(archive, asset)
    if archive.skipped:
        note = "These selected items are not in this archive:\n\n" + "\n".join(archive.skipped) + "\n"
        archive.stream.add(note.encode(), "SKIPPED.txt")
    return archive


def _add(archive: Archive, asset: Asset) -> None:
    name = asset.download_name()
    try:
        size = default_storage.size(asset.file.name)
    except Exception:  # a missing file: OSError on disk, botocore's ClientError on S3
        log.warning("archive: %s is missing from storage", asset.file.name)
        archive.skipped.append(f"{name}: the file is missing from storage.")
        return
    archive.stream.add(_chunks(asset.file.name), name, size=size)
    archive.included += 1
