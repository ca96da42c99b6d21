"""Video generation: start a deferred request, poll it, and upload input clips.

xAI renders a video on its own machines; the studio keeps only the
`request_id` and asks `GetDeferredVideo` for progress until it is done.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import grpc
from django.conf import settings
from xai_sdk.proto import deferred_pb2

from grokstudio.xai.client import get_client
from grokstudio.xai.errors import from_rpc_error

# Inputs uploaded through the Files API only need to outlive the generation.
UPLOAD_TTL = datetime.timedelta(days=1)


@dataclass(frozen=True)
class VideoPoll:
    state: str  # "pending", "done", "failed", "expired"
    progress: int = 0
    url: str = ""
    duration_s: float | None = None
    cost_usd_ticks: int | None = None
    error_code: str = ""
    message: str = ""


def start_video(
    *, prompt: str, model: str, duration: int | None = None, aspect_ratio: str | None = None,
    resolution: str | None = None, audio: bool | None = None, image: str | None = None,
    last_frame: str | None = None, references: list[str] = (), video_file_id: str | None = None,
    keyframes: list[tuple[str, float]] = (), voices: list[str] = (),
) -> str:  # fmt: skip
    """Start a text, image, reference or video-to-video generation; answer its request_id.
    `keyframes` are (image as a data: URI, seconds into the clip); `voices` are preset voice ids."""
    kwargs: dict = {}
    if duration is not None:
        kwargs["duration"] = duration
    if aspect_ratio:
        kwargs["aspect_ratio"] = aspect_ratio
    if resolution:
        kwargs["resolution"] = resolution
    if audio is not None:
        kwargs["generate_audio"] = audio
    if image:
        kwargs["image_url"] = image
    if last_frame:
        kwargs["last_frame_url"] = last_frame
    if references:
        kwargs["reference_image_urls"] = list(references)
    if video_file_id:
        kwargs["video_file_id"] = video_file_id
    if keyframes:
        kwargs["keyframes"] = [{"image_url": image, "timestamp": time_s} for image, time_s in keyframes]
    if voices:
        kwargs["reference_audios"] = [{"voice_id": voice} for voice in voices]
    try:
        return get_client().video.start(prompt=prompt, model=model, **kwargs).request_id
    except grpc.RpcError as exc:
        raise from_rpc_error(exc) from exc


def extend_video(*, prompt: str, model: str, video_file_id: str, duration: int | None = None) -> str:
    try:
        response = get_client().video.extend_start(
            prompt=prompt, model=model, video_file_id=video_file_id, duration=duration
        )
    except grpc.RpcError as exc:
        raise from_rpc_error(exc) from exc
    return response.request_id


def upload_clip(data: bytes, filename: str) -> str:
    """Hand an input clip to xAI's Files API (never a public URL of ours); answer its file id."""
    try:
        return get_client().files.upload(data, filename=filename, expires_after=UPLOAD_TTL).id
    except grpc.RpcError as exc:
        raise from_rpc_error(exc) from exc


def poll_video(request_id: str) -> VideoPoll:
    try:
        answer = get_client(settings.XAI_POLL_TIMEOUT_S).video.get(request_id)
    except grpc.RpcError as exc:
        raise from_rpc_error(exc) from exc
    response = answer.response
    if answer.status == deferred_pb2.DeferredStatus.PENDING:
        return VideoPoll("pending", progress=min(response.progress, 99))
    if answer.status == deferred_pb2.DeferredStatus.EXPIRED:
        return VideoPoll(
            "expired", error_code="expired", message="xAI dropped the request before it finished."
        )
    if answer.status == deferred_pb2.DeferredStatus.FAILED:
        code = response.error.code or "failed"
        detail = response.error.message or "no reason was given"
        return VideoPoll("failed", error_code=code, message=f"xAI could not make this video: {detail}.")
    if answer.status == deferred_pb2.DeferredStatus.DONE:
        ticks = response.usage.cost_in_usd_ticks or None
        if not answer.HasField("response"):
            return VideoPoll("failed", error_code="bad_response", message="xAI finished without a result.")
        if not response.video.respect_moderation or not response.video.url:
            moderated = not response.video.respect_moderation
            return VideoPoll(
                "failed", cost_usd_ticks=ticks,
                error_code="moderated" if moderated else "bad_response",
                message="The video was blocked by xAI's content moderation. Try a different prompt."
                if moderated else "xAI finished without a video URL.",
            )  # fmt: skip
        return VideoPoll(
            "done", progress=100, url=response.video.url, cost_usd_ticks=ticks,
            duration_s=float(response.video.duration) or None,
        )  # fmt: skip
    # An unknown status (as the SDK does): ask again later.
    return VideoPoll("pending", progress=min(response.progress, 99))
