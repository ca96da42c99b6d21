"""The one table of Grok Imagine models and their limits.

Forms, server-side validation and templates read these values; nothing else
hard-codes a model name, an aspect ratio or a count. Values follow
docs/xai-api.md (xai-sdk 1.21 and xAI's docs).
"""

import math
from dataclasses import dataclass, field

IMAGE_ASPECT_RATIOS = (
    "1:1", "3:4", "4:3", "9:16", "16:9", "2:3", "3:2",
    "9:19.5", "19.5:9", "9:20", "20:9", "1:2", "2:1",
)  # fmt: skip
VIDEO_ASPECT_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3")
# Every shape a result can be asked for; studio.css has a class for each (`shape-16x9`).
ASPECT_RATIOS = tuple(dict.fromkeys(IMAGE_ASPECT_RATIOS + VIDEO_ASPECT_RATIOS))


@dataclass(frozen=True)
class ImageModel:
    name: str
    label: str
    aspect_ratios: tuple[str, ...] = IMAGE_ASPECT_RATIOS
    resolutions: tuple[str, ...] = ("1k", "2k")
    max_images: int = 10
    max_references: int = 3
    qualities: tuple[str, ...] = ()
    usd_per_image: float = 0.02

    @property
    def takes(self) -> tuple[str, ...]:
        """The create form's controls that only some models take, this one's."""
        return ("quality",) if self.qualities else ()


@dataclass(frozen=True)
class VideoModel:
    name: str
    label: str
    aspect_ratios: tuple[str, ...] = VIDEO_ASPECT_RATIOS
    resolutions: tuple[str, ...] = ("480p", "720p")
    durations: range = field(default_factory=lambda: range(1, 16))
    # Reference-to-video: at most 7 images, at most 10 s, and never 1080p.
    max_reference_images: int = 7
    reference_durations: range = field(default_factory=lambda: range(1, 11))
    reference_resolutions: tuple[str, ...] = ("480p", "720p")
    # Extension adds 2..10 s (xAI's docs; the SDK's docstring says 1..10) to a 2..15 s clip.
    extend_durations: range = field(default_factory=lambda: range(2, 11))
    extend_input_seconds: tuple[float, float] = (2.0, 15.0)
    # Video to video keeps the input's length, which may be at most 8.7 s.
    edit_input_max_seconds: float = 8.7
    # Only 1.5 pins a last frame, passes through keyframes (images at times strictly inside the
    # clip, this far apart at least) and speaks in preset voices.
    last_frame: bool = False
    max_keyframes: int = 0
    keyframe_min_gap_s: float = 1 / 3
    voices: tuple[str, ...] = ()
    max_voices: int = 0
    usd_per_second: float = 0.05

    @property
    def takes(self) -> tuple[str, ...]:
        """The create form's controls that only some models take, this one's."""
        controls = (("last_frame", self.last_frame), ("keyframes", self.max_keyframes > 0),
                    ("voices", bool(self.voices)))  # fmt: skip
        return tuple(name for name, taken in controls if taken)


IMAGE_MODELS: dict[str, ImageModel] = {
    m.name: m
    for m in (
        ImageModel("grok-imagine-image", "Grok Imagine"),
        ImageModel("grok-imagine-image-2.0", "Grok Imagine 2.0", qualities=("low", "medium")),
        ImageModel("grok-imagine-image-quality", "Grok Imagine Quality"),
    )
}
VIDEO_MODELS: dict[str, VideoModel] = {
    m.name: m
    for m in (
        VideoModel("grok-imagine-video", "Grok Imagine Video"),
        VideoModel(
            "grok-imagine-video-1.5",
            "Grok Imagine Video 1.5",
            resolutions=("480p", "720p", "1080p"),
            last_frame=True,
            max_keyframes=4,
            voices=("ara", "eve", "leo", "rex", "sal"),
            max_voices=3,
        ),
    )
}

# Image quality where a model takes it (ImageModel.qualities); "" leaves it to xAI.
IMAGE_QUALITIES = {"low": "Low", "medium": "Medium"}
# xAI's preset voices (its voice catalog, shared with text to speech), by id.
VOICES = {
    "ara": "Ara: warm, conversational",
    "eve": "Eve: energetic, upbeat",
    "leo": "Leo: authoritative, strong",
    "rex": "Rex: clear, professional",
    "sal": "Sal: smooth, balanced",
}

DEFAULT_IMAGE_MODEL = "grok-imagine-image"
DEFAULT_IMAGE_ASPECT_RATIO = "1:1"
DEFAULT_IMAGE_RESOLUTION = "1k"

DEFAULT_VIDEO_MODEL = "grok-imagine-video"
DEFAULT_VIDEO_DURATION = 8
DEFAULT_VIDEO_ASPECT_RATIO = "16:9"
DEFAULT_VIDEO_RESOLUTION = "480p"
DEFAULT_EXTEND_DURATION = 6


class VideoMode:
    """What a video generation starts from."""

    TEXT = "text"  # a prompt alone
    IMAGE = "image"  # animate one image (its first frame)
    VIDEO = "video"  # edit a clip: the output keeps its length and shape
    REFERENCE = "reference"  # style or character references
    EXTEND = "extend"  # continue a finished clip

    CHOICES = (
        (TEXT, "Text to video"),
        (IMAGE, "Image to video"),
        (VIDEO, "Video to video"),
        (REFERENCE, "Reference images to video"),
        (EXTEND, "Extend a video"),
    )
    # The modes that take keyframes and voices (on a model that has them): a clip being edited
    # or extended brings its own frames and sound.
    KEYFRAMES = (TEXT, IMAGE)
    VOICES = (TEXT, IMAGE, REFERENCE)


# Uploaded clips: what xAI takes as an input video.
VIDEO_CONTAINERS = ("mp4",)
VIDEO_CODECS = {"h264": "H.264", "hevc": "H.265", "av1": "AV1"}

# A prompt is at least one character that is not whitespace, and at most this many.
PROMPT_MIN_CHARS = 1
PROMPT_MAX_CHARS = 1000
# Prompt help ("Improve", "Describe") costs a few hundred tokens of Grok's chat model, about a
# cent with an image on grok-4; counted against the budget until xAI reports the real cost.
PROMPT_HELP_ESTIMATE_USD = 0.01
DESCRIBE_CHOICES = 4
# Reference uploads: xAI takes PNG, JPEG or WebP up to 10 MiB each.
REFERENCE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
REFERENCE_MAX_BYTES = 10 * 1024 * 1024
# xAI takes a request of at most 20 MiB; input pictures travel in it as data: URIs, and the
# rest of the request (prompt, options) needs far less than the room left beside them.
MAX_INLINE_PICTURES_BYTES = 20 * 1024 * 1024 - 256 * 1024


def video_duration_bounds() -> tuple[int, int]:
    """The shortest and longest video any model makes: the form field's outer bounds."""
    durations = [d for m in VIDEO_MODELS.values() for d in m.durations]
    return min(durations), max(durations)


def max_keyframes() -> int:
    """The most keyframes any video model takes: how many rows the form has."""
    return max(m.max_keyframes for m in VIDEO_MODELS.values())


def max_voices() -> int:
    return max(m.max_voices for m in VIDEO_MODELS.values())


def video_models_taking(control: str) -> str:
    """The names people know the video models by that take `control` (see VideoModel.takes)."""
    return " and ".join(m.label for m in VIDEO_MODELS.values() if control in m.takes)


def resolutions_by_mode(model: VideoModel) -> dict[str, tuple[str, ...]]:
    """The resolutions `model` makes in each mode that takes one (video and extend keep the clip's)."""
    modes = (VideoMode.TEXT, VideoMode.IMAGE, VideoMode.REFERENCE)
    return {mode: model.reference_resolutions if mode == VideoMode.REFERENCE else model.resolutions
            for mode in modes}  # fmt: skip


def max_references() -> int:
    """The most reference images any image model takes: the form's upper bound."""
    return max(m.max_references for m in IMAGE_MODELS.values())


def nearest_aspect_ratio(width: float, height: float) -> str:
    """The one of ASPECT_RATIOS closest in shape to `width` by `height`."""
    wanted = math.log(width / height)

    def distance(ratio: str) -> float:
        w, _, h = ratio.partition(":")
        return abs(math.log(float(w) / float(h)) - wanted)

    return min(ASPECT_RATIOS, key=distance)
