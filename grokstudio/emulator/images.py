"""The ``xai_api.Image`` service: ``GenerateImage`` (text to image and edits), synchronous.

It checks a request the way ``docs/xai-api.md`` says the real API does, draws ``n`` real
JPEGs with :mod:`grokstudio.emulator.render_image` (cached by everything that determines their
bytes), and answers with temporary URLs on the emulator's HTTP server or ``data:`` URIs.

The drawing happens in a pool of worker processes (``--image-workers``), not on the gRPC
thread: Pillow's drawing and compositing hold the GIL, and a burst of 2k renders on the gRPC
threads delayed concurrent ``GetDeferredVideo`` polls by seconds. The gRPC thread waits on
the render's future, so the call stays synchronous and the API is unchanged.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import grpc
from xai_sdk.proto.v6 import image_pb2, image_pb2_grpc, usage_pb2

from . import limits
from .calls import current
from .errors import ApiError
from .faults import URL_FAULTS, Plan
from .inputs import ImageInput
from .pool import RenderPool
from .worker import render_image

if TYPE_CHECKING:
    from .server import Emulator

log = logging.getLogger("xai_emulator.images")

_IMG = image_pb2.ImageAspectRatio
ASPECT_LABELS: dict[int, str] = {
    _IMG.IMG_ASPECT_RATIO_1_1: "1:1",
    _IMG.IMG_ASPECT_RATIO_3_4: "3:4",
    _IMG.IMG_ASPECT_RATIO_4_3: "4:3",
    _IMG.IMG_ASPECT_RATIO_9_16: "9:16",
    _IMG.IMG_ASPECT_RATIO_16_9: "16:9",
    _IMG.IMG_ASPECT_RATIO_2_3: "2:3",
    _IMG.IMG_ASPECT_RATIO_3_2: "3:2",
    _IMG.IMG_ASPECT_RATIO_9_19_5: "9:19.5",
    _IMG.IMG_ASPECT_RATIO_19_5_9: "19.5:9",
    _IMG.IMG_ASPECT_RATIO_9_20: "9:20",
    _IMG.IMG_ASPECT_RATIO_20_9: "20:9",
    _IMG.IMG_ASPECT_RATIO_1_2: "1:2",
    _IMG.IMG_ASPECT_RATIO_2_1: "2:1",
}
RESOLUTIONS = {image_pb2.IMG_RESOLUTION_1K: "1k", image_pb2.IMG_RESOLUTION_2K: "2k"}
QUALITIES = {image_pb2.IMG_QUALITY_LOW: "low", image_pb2.IMG_QUALITY_MEDIUM: "medium"}


class ImageService(image_pb2_grpc.ImageServicer):
    """Answers ``GenerateImage`` calls."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._cache: OrderedDict[tuple[Any, ...], str] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._pool = RenderPool(emulator.config.image_workers)

    def shutdown(self) -> None:
        self._pool.shutdown()

    def GenerateImage(self, request: image_pb2.GenerateImageRequest, context: grpc.ServicerContext):
        call = current()
        model = canonical_model(request.model)
        prompt = request.prompt
        if not prompt.strip():
            raise ApiError.invalid("prompt is required")
        if len(prompt) > limits.MAX_PROMPT_CHARS:
            raise ApiError.invalid(f"prompt is longer than {limits.MAX_PROMPT_CHARS} characters")
        n = request.n if request.HasField("n") else 1
        if not limits.IMAGE_N_MIN <= n <= limits.IMAGE_N_MAX:
            raise ApiError.invalid(
                f"n must be between {limits.IMAGE_N_MIN} and {limits.IMAGE_N_MAX}, got {n}"
            )
        fmt = request.format or image_pb2.IMG_FORMAT_URL  # INVALID (0) means unset: the SDK's default
        if fmt not in (image_pb2.IMG_FORMAT_URL, image_pb2.IMG_FORMAT_BASE64):
            raise ApiError.invalid(f"unknown image format {fmt}")
        resolution = _resolution(request)
        _check_quality(request, model)
        aspect = _aspect(request)
        references = self._references(request, call.api_key)

        if aspect is not None:
            ratio = limits.ratio_value(aspect)
        elif references:
            ratio = limits.clamp_ratio(references[0].ratio, limits.IMAGE_RATIO_RANGE)
        else:
            ratio = limits.ratio_value(limits.DEFAULT_IMAGE_ASPECT)
        width, height = limits.image_size(ratio, resolution)

        images = [
            self._image(call.plan, prompt, width, height, i, references, fmt, request, call.api_key)
            for i in range(n)
        ]
        cost = (n + len(references)) * limits.IMAGE_PRICE_TICKS  # an edit also bills its inputs
        return image_pb2.ImageResponse(
            images=images, model=model, usage=usage_pb2.SamplingUsage(cost_in_usd_ticks=cost)
        )

    def _references(self, request: image_pb2.GenerateImageRequest, owner: str) -> list[ImageInput]:
        contents = list(request.images)
        if request.HasField("image"):
            if contents:
                raise ApiError.invalid("set either image or images, not both")
            contents = [request.image]
        if len(contents) > limits.MAX_EDIT_IMAGES:
            raise ApiError.invalid(
                f"at most {limits.MAX_EDIT_IMAGES} input images are supported, got {len(contents)}"
            )
        resolver = self.emulator.inputs
        if len(contents) == 1:
            return [resolver.image(owner, contents[0], "image")]
        return [resolver.image(owner, c, f"images[{i}]") for i, c in enumerate(contents)]

    def _render(self, prompt: str, width: int, height: int, index: int, references: list[ImageInput]) -> str:
        """The blob digest of the image, drawing it only if not cached."""
        key = (prompt, width, height, index, tuple(r.digest for r in references))
        with self._cache_lock:
            digest = self._cache.get(key)
            if digest is not None:
                self._cache.move_to_end(key)
        if digest is not None and self.emulator.blobs.path(digest).exists():
            self.emulator.stats.bump("image_cache_hits")
            return digest
        kwargs = {
            "prompt": prompt,
            "width": width,
            "height": height,
            "index": index,
            "references": [r.data for r in references],
        }
        data = self._pool.submit(render_image, kwargs).result()
        digest = self.emulator.blobs.put(data)
        self.emulator.stats.bump("image_renders")
        with self._cache_lock:
            self._cache[key] = digest
            while len(self._cache) > limits.IMAGE_CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return digest

    def cached_digests(self) -> set[str]:
        with self._cache_lock:
            return set(self._cache.values())

    def _image(
        self,
        plan: Plan,
        prompt: str,
        width: int,
        height: int,
        index: int,
        references: list[ImageInput],
        fmt: int,
        request: image_pb2.GenerateImageRequest,
        owner: str,
    ) -> image_pb2.GeneratedImage:
        moderation = plan.get("moderation")
        if moderation and moderation.moderates(index):
            # A moderated image: no bytes, and respect_moderation explicitly false.
            return image_pb2.GeneratedImage(respect_moderation=False)
        digest = self._render(prompt, width, height, index, references)
        # Proto3's default is false, and clients read false as "moderated": always set it.
        image = image_pb2.GeneratedImage(respect_moderation=True)
        if fmt == image_pb2.IMG_FORMAT_BASE64:
            encoded = base64.b64encode(self.emulator.blobs.read(digest)).decode("ascii")
            image.base64 = f"data:image/jpeg;base64,{encoded}"
        else:
            url_fault = next((f for name, f in plan.content.items() if name in URL_FAULTS), None)
            image.url = self.emulator.results.publish(digest, "image/jpeg", "jpg", url_fault)
        if request.HasField("storage_options"):
            self.emulator.store_output(image.file_output, request.storage_options, digest, owner)
        return image


def canonical_model(name: str) -> str:
    """The canonical image model name, or NOT_FOUND like the real API."""
    try:
        return limits.IMAGE_MODELS[name]
    except KeyError:
        raise ApiError.not_found(
            f"The model {name!r} does not exist or your team does not have access to it. "
            f"Image models: {', '.join(sorted(limits.IMAGE_MODELS))}"
        ) from None


def _resolution(request: image_pb2.GenerateImageRequest) -> str:
    if not request.HasField("resolution") or request.resolution == image_pb2.IMG_RESOLUTION_INVALID:
        return limits.DEFAULT_IMAGE_RESOLUTION
    try:
        return RESOLUTIONS[request.resolution]
    except KeyError:
        raise ApiError.invalid(f"unknown image resolution {request.resolution}; use 1k or 2k") from None


def _aspect(request: image_pb2.GenerateImageRequest) -> str | None:
    """The requested aspect ratio label, or None for "not set / auto" (follow the input)."""
    if not request.HasField("aspect_ratio") or request.aspect_ratio in (
        _IMG.IMG_ASPECT_RATIO_INVALID,
        _IMG.IMG_ASPECT_RATIO_AUTO,
    ):
        return None
    try:
        return ASPECT_LABELS[request.aspect_ratio]
    except KeyError:
        raise ApiError.invalid(f"unknown image aspect ratio {request.aspect_ratio}") from None


def _check_quality(request: image_pb2.GenerateImageRequest, model: str) -> None:
    if not request.HasField("quality") or request.quality == image_pb2.IMG_QUALITY_INVALID:
        return
    if model not in limits.IMAGE_QUALITY_MODELS:
        raise ApiError.invalid(
            f"quality is only supported for {', '.join(sorted(limits.IMAGE_QUALITY_MODELS))}, not {model}"
        )
    if request.quality not in QUALITIES:
        raise ApiError.invalid("quality must be low or medium")
