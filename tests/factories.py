"""Small real files for tests: images made with Pillow, clips encoded with PyAV."""

from __future__ import annotations

import io

import av
from PIL import Image


def make_image(fmt: str = "PNG", size: tuple[int, int] = (64, 48), color=(200, 30, 30), **save_args) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    image.save(out, fmt, **save_args)
    return out.getvalue()


def make_clip(
    seconds: float = 2.0, size: tuple[int, int] = (64, 36), *, fmt: str = "mp4", codec: str = "libx264",
    fps: int = 12,
) -> bytes:  # fmt: skip
    """A short silent clip whose frames change colour, in any container and codec PyAV can write.

    The MP4 index is written last, as simple encoders do; the emulator's
    `render_video` makes web-style MP4s with the index first.
    """
    out = io.BytesIO()
    with av.open(out, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(round(seconds * fps)):
            frame = av.VideoFrame.from_image(Image.new("RGB", size, ((i * 20) % 256, 80, 160)))
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return out.getvalue()


def make_generation(
    user, *, prompt: str = "A red fox at dawn", kind: str = "image", status: str = "completed",
    outputs: int | None = None, created_at=None, favorite: bool = False, model: str | None = None,
    params: dict | None = None, **fields,
):  # fmt: skip
    """A generation row as the pipeline leaves it; a completed one has real files in storage.

    `outputs` defaults to one result for a completed generation and none otherwise.
    Each image has its own colour, so files are told apart by their bytes.
    """
    from django.utils import timezone

    from grokstudio.studio import services
    from grokstudio.studio.media.clips import check_clip
    from grokstudio.studio.media.images import check_result
    from grokstudio.studio.models import Asset, Generation

    if outputs is None:
        outputs = 1 if status == "completed" else 0
    video = kind == "video"
    if params is None:
        params = (
            {"mode": "text", "n": 1, "duration": 2, "aspect_ratio": "16:9", "resolution": "480p"}
            if video
            else {"aspect_ratio": "1:1", "resolution": "1k", "n": max(outputs, 1), "mode": "text"}
        )
    generation = Generation.objects.create(
        user=user, kind=kind, prompt=prompt, status=status, favorite=favorite, params=params,
        model=model or ("grok-imagine-video" if video else "grok-imagine-image"),
        created_at=created_at or timezone.now(), **fields,
    )  # fmt: skip
    for index in range(outputs):
        if video:
            services.store_clip(user=user, role=Asset.Role.OUTPUT, clip=check_clip(make_clip()),
                                generation=generation, index=index)  # fmt: skip
        else:
            image = check_result(make_image(color=((generation.pk * 37) % 256, (index * 60) % 256, 120)))
            services.store_image(user=user, role=Asset.Role.OUTPUT, image=image, generation=generation,
                                 index=index)  # fmt: skip
    return generation
