"""The ``xai_api.Video`` service: deferred video generation, extension and polling.

``GenerateVideo`` and ``ExtendVideo`` check the request, start a render in a worker process
(:mod:`grokstudio.emulator.pool`) and answer a request id at once. ``GetDeferredVideo`` is
O(1): it answers PENDING with a progress that rises with elapsed time until both the
configured latency has passed and the render has finished, then DONE with a URL to a real MP4
(or FAILED / EXPIRED / moderated, as faults ask). Renders are cached by everything that
determines their bytes, so a thousand identical requests encode once.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import grpc
from xai_sdk.proto.v6 import deferred_pb2, image_pb2, usage_pb2, video_pb2, video_pb2_grpc

from . import limits
from .calls import current
from .errors import ApiError
from .faults import URL_FAULTS, Fault
from .inputs import ImageInput, VideoInput, duration_within
from .pool import RenderPool
from .worker import render_video

if TYPE_CHECKING:
    from .server import Emulator

log = logging.getLogger("xai_emulator.videos")

_VAR = video_pb2.VideoAspectRatio
ASPECT_LABELS: dict[int, str] = {
    _VAR.VIDEO_ASPECT_RATIO_1_1: "1:1",
    _VAR.VIDEO_ASPECT_RATIO_16_9: "16:9",
    _VAR.VIDEO_ASPECT_RATIO_9_16: "9:16",
    _VAR.VIDEO_ASPECT_RATIO_4_3: "4:3",
    _VAR.VIDEO_ASPECT_RATIO_3_4: "3:4",
    _VAR.VIDEO_ASPECT_RATIO_3_2: "3:2",
    _VAR.VIDEO_ASPECT_RATIO_2_3: "2:3",
}
RESOLUTIONS = {
    video_pb2.VIDEO_RESOLUTION_480P: "480p",
    video_pb2.VIDEO_RESOLUTION_720P: "720p",
    video_pb2.VIDEO_RESOLUTION_1080P: "1080p",
}
FAILURE_FAULTS = ("video_failed", "moderation_failed")


@dataclass
class RenderEntry:
    """One render, shared by every job whose output bytes would be identical."""

    future: Future[bytes] | None = None
    digest: str | None = None  # the MP4 in the blob store, once rendered
    error: str | None = None
    finished_at: float | None = None  # time.monotonic()


@dataclass
class RenderSpec:
    """What a validated request will produce."""

    model: str
    kwargs: dict[str, Any]  # for render_video
    key: tuple[Any, ...]  # the cache key: everything that determines the bytes
    duration: int  # seconds reported in GeneratedVideo.duration
    cost: int  # ticks


@dataclass
class VideoJob:
    """One deferred request."""

    id: str
    owner: str
    model: str
    started: float  # time.monotonic()
    duration: int
    cost: int
    entry: RenderEntry | None
    faults: dict[str, Fault] = field(default_factory=dict)
    storage_options: image_pb2.StorageOptions | None = None
    final: video_pb2.GetDeferredVideoResponse | None = None
    done_at: float | None = None  # time.monotonic() when it became DONE/FAILED/EXPIRED


class VideoService(video_pb2_grpc.VideoServicer):
    """Answers ``GenerateVideo``, ``ExtendVideo`` and ``GetDeferredVideo``."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        config = emulator.config
        self.latency = config.latency
        self.retention = config.retention
        self._jobs: dict[str, VideoJob] = {}
        self._jobs_lock = threading.Lock()
        # Finishing a job mints its URL: one lock so two concurrent polls cannot both do it.
        self._finish_lock = threading.Lock()
        self._cache: OrderedDict[tuple[Any, ...], RenderEntry] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._pool = RenderPool(config.render_workers)

    # --- the RPCs ------------------------------------------------------------------------

    def GenerateVideo(self, request: video_pb2.GenerateVideoRequest, context: grpc.ServicerContext):
        call = current()
        spec = self._plan_generate(request, call.api_key)
        job = self._start(spec, call.api_key, call.plan.content, request)
        return deferred_pb2.StartDeferredResponse(request_id=job.id)

    def ExtendVideo(self, request: video_pb2.ExtendVideoRequest, context: grpc.ServicerContext):
        call = current()
        spec = self._plan_extend(request, call.api_key)
        job = self._start(spec, call.api_key, call.plan.content, request)
        return deferred_pb2.StartDeferredResponse(request_id=job.id)

    def GetDeferredVideo(self, request: video_pb2.GetDeferredVideoRequest, context: grpc.ServicerContext):
        call = current()
        with self._jobs_lock:
            job = self._jobs.get(request.request_id)
        if job is None or job.owner != call.api_key:
            raise ApiError.not_found(f"Deferred request {request.request_id!r} not found")
        if call.plan.content and job.final is None:
            # A content fault queued for a poll sticks to the job it asks about.
            for name, fault in call.plan.content.items():
                job.faults.setdefault(name, fault)
        return self._status(job)

    # --- validation ------------------------------------------------------------------------

    def _plan_generate(self, request: video_pb2.GenerateVideoRequest, owner: str) -> RenderSpec:
        model = canonical_model(request.model)
        is_15 = model in limits.VIDEO_15_MODELS
        prompt = request.prompt
        has_image, has_video = request.HasField("image"), request.HasField("video")
        refs = list(request.reference_images)
        _check_prompt_length(prompt)
        if refs and not prompt.strip():
            raise ApiError.invalid("prompt is required for reference-to-video")
        # An image alone may be animated without instructions; anything else needs a prompt.
        if not prompt.strip() and not has_image:
            raise ApiError.invalid("prompt is required")
        if has_video and (has_image or refs):
            raise ApiError.invalid("a video input does not combine with image or reference_images")
        if has_video and request.keyframes:
            raise ApiError.invalid("keyframes do not combine with a video input")
        if refs and has_image and not is_15:
            raise ApiError.invalid(
                "reference_images do not combine with image on grok-imagine-video "
                "(on grok-imagine-video-1.5 an image pins the first frame)"
            )
        if len(refs) > limits.MAX_REFERENCE_IMAGES:
            raise ApiError.invalid(f"at most {limits.MAX_REFERENCE_IMAGES} reference_images, got {len(refs)}")
        only_15 = {
            "last_frame": request.HasField("last_frame"),
            "keyframes": bool(request.keyframes),
            "reference_audios": bool(request.reference_audios),
        }
        for name, used in only_15.items():
            if used and not is_15:
                raise ApiError.invalid(f"{name} is only supported on grok-imagine-video-1.5, not {model}")

        duration = request.duration if request.HasField("duration") else limits.VIDEO_DEFAULT_DURATION
        if not limits.VIDEO_DURATION_MIN <= duration <= limits.VIDEO_DURATION_MAX:
            raise ApiError.invalid(
                f"duration must be between {limits.VIDEO_DURATION_MIN} and {limits.VIDEO_DURATION_MAX} "
                f"seconds, got {duration}"
            )
        if refs and duration > limits.REFERENCE_VIDEO_MAX_DURATION:
            raise ApiError.invalid(
                f"reference-to-video is at most {limits.REFERENCE_VIDEO_MAX_DURATION} seconds, got {duration}"
            )
        aspect = _aspect(request)
        resolution = _resolution(request)
        if resolution == "1080p" and not is_15:
            raise ApiError.invalid(f"1080p is only supported on grok-imagine-video-1.5, not {model}")
        if resolution == "1080p" and refs:
            raise ApiError.invalid("1080p is not supported for reference-to-video")
        audio = request.generate_audio if request.HasField("generate_audio") else True
        _check_keyframes(request, duration)
        if len(request.reference_audios) > limits.MAX_REFERENCE_AUDIOS:
            raise ApiError.invalid(f"at most {limits.MAX_REFERENCE_AUDIOS} reference_audios")
        for i, ref_audio in enumerate(request.reference_audios):
            if not ref_audio.voice_id.strip():
                raise ApiError.invalid(f"reference_audios[{i}]: voice_id is required")
            if ref_audio.voice_id.strip().lower() not in limits.VOICE_IDS:
                raise ApiError.invalid(
                    f"reference_audios[{i}]: unknown voice_id {ref_audio.voice_id[:40]!r}; preset voices: "
                    f"{', '.join(sorted(limits.VOICE_IDS))}"
                )

        resolver = self.emulator.inputs
        first = resolver.image(owner, request.image, "image") if has_image else None
        if request.HasField("last_frame"):
            resolver.image(owner, request.last_frame, "last_frame")
        for i, kf in enumerate(request.keyframes):
            resolver.image(owner, kf.image, f"keyframes[{i}].image")
        for i, ref in enumerate(refs):
            resolver.image(owner, ref, f"reference_images[{i}]")

        source: VideoInput | None = None
        if has_video:
            # Video to video: duration, aspect ratio and resolution are not taken from the
            # request; the output matches the input (capped at 720p).
            source = resolver.video(owner, request.video, "video")
            if not duration_within(source.duration_s, 0, limits.VIDEO_EDIT_MAX_INPUT_S):
                raise ApiError.invalid(
                    f"video: the input is {source.duration_s:.2f} s; video editing takes at most "
                    f"{limits.VIDEO_EDIT_MAX_INPUT_S} s"
                )
            width, height = edit_size(source.width, source.height)
            duration_s = source.duration_s
        else:
            short = limits.VIDEO_SHORT_SIDE[resolution]
            # Image to video follows the image's shape (the aspect ratio is not taken).
            if first is not None:
                ratio = limits.clamp_ratio(first.ratio, limits.VIDEO_RATIO_RANGE)
            else:
                ratio = limits.ratio_value(aspect)
            width, height = limits.video_size(ratio, short)
            duration_s = float(duration)

        kwargs: dict[str, Any] = {
            "prompt": prompt,
            "width": width,
            "height": height,
            "duration_s": duration_s,
            "audio": audio,
            "fps": limits.VIDEO_FPS,
        }
        # Only the start picture is drawn on: the last frame, keyframes and references are
        # checked above as xAI checks them, but do not change the rendered bytes.
        if first is not None:
            kwargs["first_frame"] = first.data
        if source is not None:
            kwargs["source_video"] = source.data
        key = _cache_key(kwargs, first or source)
        reported = max(1, round(duration_s))
        return RenderSpec(model, kwargs, key, reported, reported * limits.VIDEO_PRICE_TICKS_PER_SECOND[model])

    def _plan_extend(self, request: video_pb2.ExtendVideoRequest, owner: str) -> RenderSpec:
        model = canonical_model(request.model)
        prompt = request.prompt
        _check_prompt_length(prompt)
        if not prompt.strip():
            raise ApiError.invalid("prompt is required")
        if not request.HasField("video"):
            raise ApiError.invalid("video is required: the clip to extend")
        duration = request.duration if request.HasField("duration") else limits.EXTEND_DEFAULT_DURATION
        if not limits.EXTEND_DURATION_MIN <= duration <= limits.EXTEND_DURATION_MAX:
            raise ApiError.invalid(
                f"duration must be between {limits.EXTEND_DURATION_MIN} and {limits.EXTEND_DURATION_MAX} "
                f"seconds, got {duration}"
            )
        source = self.emulator.inputs.video(owner, request.video, "video")
        if not duration_within(source.duration_s, limits.EXTEND_INPUT_MIN_S, limits.EXTEND_INPUT_MAX_S):
            raise ApiError.invalid(
                f"video: the input is {source.duration_s:.2f} s; extension takes "
                f"{limits.EXTEND_INPUT_MIN_S:g} to {limits.EXTEND_INPUT_MAX_S:g} s"
            )
        width, height = edit_size(source.width, source.height)
        kwargs: dict[str, Any] = {
            "prompt": prompt,
            "width": width,
            "height": height,
            "duration_s": float(duration),
            "audio": True,  # the server's default; the SDK has no audio switch for extend
            "extend_from": source.data,
            "fps": limits.VIDEO_FPS,
        }
        key = _cache_key(kwargs, source)
        reported = max(1, round(source.duration_s + duration))
        # Only the new seconds are generated, so only they are billed.
        return RenderSpec(model, kwargs, key, reported, duration * limits.VIDEO_PRICE_TICKS_PER_SECOND[model])

    # --- jobs ------------------------------------------------------------------------------

    def _start(self, spec: RenderSpec, owner: str, faults: dict[str, Fault], request: Any) -> VideoJob:
        # Jobs that will fail, expire or be moderated never show their bytes: skip the render.
        skip = any(name in faults for name in (*FAILURE_FAULTS, "expired", "moderation"))
        entry = None if skip else self._submit(spec)
        job = VideoJob(
            id=str(uuid.uuid4()),
            owner=owner,
            model=spec.model,
            started=time.monotonic(),
            duration=spec.duration,
            cost=spec.cost,
            entry=entry,
            faults=dict(faults),
            storage_options=request.storage_options if request.HasField("storage_options") else None,
        )
        with self._jobs_lock:
            self._jobs[job.id] = job
        return job

    def _submit(self, spec: RenderSpec) -> RenderEntry:
        with self._cache_lock:
            entry = self._cache.get(spec.key)
            if (
                entry is not None
                and entry.error is None
                and (entry.digest is None or self.emulator.blobs.path(entry.digest).exists())
            ):
                self._cache.move_to_end(spec.key)
                self.emulator.stats.bump("video_cache_hits")
                log.info(
                    "video render cache hit: %dx%d %.2fs (%s)",
                    spec.kwargs["width"],
                    spec.kwargs["height"],
                    spec.kwargs["duration_s"],
                    "already rendered" if entry.digest else "render in progress",
                )
                return entry
            entry = RenderEntry()
            self._cache[spec.key] = entry
            # Evict the oldest finished renders; their blobs go once no URL uses them.
            for old_key in list(self._cache):
                if len(self._cache) <= limits.VIDEO_CACHE_ENTRIES:
                    break
                if self._cache[old_key].finished_at is not None:
                    del self._cache[old_key]
        self.emulator.stats.bump("video_renders")
        log.info(
            "video render started: %dx%d %.2fs audio=%s",
            spec.kwargs["width"],
            spec.kwargs["height"],
            spec.kwargs["duration_s"],
            spec.kwargs["audio"],
        )
        started = time.monotonic()
        future = self._pool.submit(render_video, spec.kwargs)
        entry.future = future
        future.add_done_callback(lambda f: self._rendered(spec.key, entry, f, started))
        return entry

    def _rendered(
        self, key: tuple[Any, ...], entry: RenderEntry, future: Future[bytes], started: float
    ) -> None:
        """Runs when a render ends: keep the bytes on disk, or remember the error."""
        try:
            data = future.result()
            entry.digest = self.emulator.blobs.put(data)
            log.info("video render done in %.2fs: %d bytes", time.monotonic() - started, len(data))
        except BaseException as exc:  # the job reports it as FAILED/internal_error
            entry.error = f"{type(exc).__name__}: {exc}"
            log.warning("video render failed: %s", entry.error)
            with self._cache_lock:
                if self._cache.get(key) is entry:
                    del self._cache[key]  # a retry renders again
        entry.finished_at = time.monotonic()
        entry.future = None  # drop the reference to the bytes

    def _status(self, job: VideoJob) -> video_pb2.GetDeferredVideoResponse:
        now = time.monotonic()
        if job.final is None:
            ready_at = job.started + self.latency
            entry = job.entry
            rendering = entry is not None and entry.finished_at is None
            if now < ready_at or rendering:
                elapsed = now - job.started
                progress = min(99, int(100 * elapsed / self.latency)) if self.latency > 0 else 99
                return video_pb2.GetDeferredVideoResponse(
                    status=deferred_pb2.PENDING,
                    response=video_pb2.VideoResponse(model=job.model, progress=progress),
                )
            with self._finish_lock:
                if job.final is None:
                    finished = entry.finished_at if entry is not None and entry.finished_at else ready_at
                    job.done_at = max(ready_at, finished)
                    job.final = self._finish(job)
        if job.final.status != deferred_pb2.EXPIRED and now - (job.done_at or now) > self.retention:
            return video_pb2.GetDeferredVideoResponse(status=deferred_pb2.EXPIRED)
        return job.final

    def _finish(self, job: VideoJob) -> video_pb2.GetDeferredVideoResponse:
        faults = job.faults
        if "expired" in faults:
            return video_pb2.GetDeferredVideoResponse(status=deferred_pb2.EXPIRED)
        for name in FAILURE_FAULTS:
            if name in faults:
                fault = faults[name]
                message = (
                    "The generated video was blocked by content moderation. (emulated fault)"
                    if name == "moderation_failed"
                    else "Video generation failed. (emulated fault)"
                )
                return self._failed(job, fault.video_error_code(), message)
        if job.entry is not None and job.entry.error:
            return self._failed(job, "internal_error", f"Video rendering failed: {job.entry.error}")
        usage = usage_pb2.SamplingUsage(cost_in_usd_ticks=job.cost)
        if "moderation" in faults:
            video = video_pb2.GeneratedVideo(url="", duration=job.duration, respect_moderation=False)
        else:
            assert job.entry is not None and job.entry.digest is not None
            url_fault = next((f for name, f in faults.items() if name in URL_FAULTS), None)
            url = self.emulator.results.publish(
                job.entry.digest, "video/mp4", "mp4", url_fault, ttl_s=self.emulator.config.video_url_ttl
            )
            # Proto3's default is false, which clients read as "moderated": always set it.
            video = video_pb2.GeneratedVideo(url=url, duration=job.duration, respect_moderation=True)
            if job.storage_options is not None:
                self.emulator.store_output(
                    video.file_output, job.storage_options, job.entry.digest, job.owner
                )
        return video_pb2.GetDeferredVideoResponse(
            status=deferred_pb2.DONE,
            response=video_pb2.VideoResponse(video=video, model=job.model, usage=usage, progress=100),
        )

    @staticmethod
    def _failed(job: VideoJob, code: str, message: str) -> video_pb2.GetDeferredVideoResponse:
        return video_pb2.GetDeferredVideoResponse(
            status=deferred_pb2.FAILED,
            response=video_pb2.VideoResponse(
                model=job.model, error=video_pb2.VideoError(code=code, message=message)
            ),
        )

    # --- housekeeping ------------------------------------------------------------------------

    def sweep(self) -> None:
        """Forget jobs long past retention (they then answer NOT_FOUND instead of EXPIRED)."""
        horizon = time.monotonic() - max(self.retention * 2, self.retention + 3600)
        with self._jobs_lock:
            for job_id in [
                j.id for j in self._jobs.values() if j.done_at is not None and j.done_at < horizon
            ]:
                del self._jobs[job_id]

    def live_digests(self) -> set[str]:
        """Blobs still needed by the cache or by jobs not yet finished."""
        with self._cache_lock:
            live = {e.digest for e in self._cache.values() if e.digest}
        with self._jobs_lock:
            live |= {
                j.entry.digest for j in self._jobs.values() if j.final is None and j.entry and j.entry.digest
            }
        return live

    def shutdown(self) -> None:
        self._pool.shutdown()


def canonical_model(name: str) -> str:
    """The canonical video model name (aliases resolved), or NOT_FOUND."""
    try:
        return limits.VIDEO_MODELS[name]
    except KeyError:
        raise ApiError.not_found(
            f"The model {name!r} does not exist or your team does not have access to it. "
            f"Video models: {', '.join(sorted(limits.VIDEO_MODELS))}"
        ) from None


def edit_size(width: int, height: int) -> tuple[int, int]:
    """Output size of video-to-video and extend: the input's, capped at 720p, even sides."""
    short = min(width, height)
    if short > limits.VIDEO_EDIT_MAX_SHORT_SIDE:
        scale = limits.VIDEO_EDIT_MAX_SHORT_SIDE / short
        return limits.even(width * scale), limits.even(height * scale)
    return limits.even(width), limits.even(height)


def _check_prompt_length(prompt: str) -> None:
    if len(prompt) > limits.MAX_PROMPT_CHARS:
        raise ApiError.invalid(f"prompt is longer than {limits.MAX_PROMPT_CHARS} characters")


def _aspect(request: video_pb2.GenerateVideoRequest) -> str:
    if not request.HasField("aspect_ratio") or request.aspect_ratio == _VAR.VIDEO_ASPECT_RATIO_UNSPECIFIED:
        return limits.VIDEO_DEFAULT_ASPECT
    try:
        return ASPECT_LABELS[request.aspect_ratio]
    except KeyError:
        raise ApiError.invalid(f"unknown video aspect ratio {request.aspect_ratio}") from None


def _resolution(request: video_pb2.GenerateVideoRequest) -> str:
    if not request.HasField("resolution") or request.resolution == video_pb2.VIDEO_RESOLUTION_UNSPECIFIED:
        return limits.VIDEO_DEFAULT_RESOLUTION
    try:
        return RESOLUTIONS[request.resolution]
    except KeyError:
        raise ApiError.invalid(f"unknown video resolution {request.resolution}") from None


def _check_keyframes(request: video_pb2.GenerateVideoRequest, duration: int) -> None:
    keyframes = list(request.keyframes)
    if len(keyframes) > limits.MAX_KEYFRAMES:
        raise ApiError.invalid(f"at most {limits.MAX_KEYFRAMES} keyframes, got {len(keyframes)}")
    times = []
    for i, kf in enumerate(keyframes):
        if not 0 < kf.timestamp_s < duration:
            raise ApiError.invalid(
                f"keyframes[{i}].timestamp_s must be strictly between 0 and the duration ({duration} s), "
                f"got {kf.timestamp_s:g}"
            )
        if not kf.HasField("image"):
            raise ApiError.invalid(f"keyframes[{i}].image is required")
        times.append(kf.timestamp_s)
    times.sort()
    for a, b in itertools.pairwise(times):
        # float32 on the wire: allow a hair below 1/3 s.
        if b - a < limits.KEYFRAME_MIN_GAP_S - 1e-4:
            raise ApiError.invalid(f"keyframes must be at least 1/3 s apart ({a:g} s and {b:g} s are not)")


def _cache_key(kwargs: dict[str, Any], given: ImageInput | VideoInput | None) -> tuple[Any, ...]:
    """Everything that determines a render's bytes: its arguments, the input among them by digest."""
    digest = given.digest if given else None
    return tuple((name, digest if isinstance(value, bytes) else value) for name, value in kwargs.items())
