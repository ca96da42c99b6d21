"""Every number and name the emulator enforces, in one place.

Values come from ``docs/xai-api.md`` (read off xai-sdk 1.21.0 and xAI's docs). Where the
sources disagree (marked ⚠ there) the emulator accepts the wider range, so that it never
rejects a request the real API might take; the studio keeps its own, stricter table.
"""

from __future__ import annotations

MIB = 1 << 20

# --- pricing: 1 tick = 1e-10 USD (xai_sdk.cost.USD_PER_TICK) ----------------------------
TICKS_PER_USD = 10_000_000_000
IMAGE_PRICE_TICKS = 2 * TICKS_PER_USD // 100  # $0.02 per generated image and per edit input
# $0.05 per second of generated video. docs/xai-api.md says 1.5 costs "more" without saying
# how much, so both models use the one published figure, kept per model so it can change.
VIDEO_PRICE_TICKS_PER_SECOND = {
    "grok-imagine-video": 5 * TICKS_PER_USD // 100,
    "grok-imagine-video-1.5": 5 * TICKS_PER_USD // 100,
}

# --- transport -----------------------------------------------------------------------------
# The SDK caps messages at 20 MiB both ways; the server must accept as much (gRPC's own
# default receive limit is only 4 MiB).
MAX_MESSAGE_BYTES = 20 * MIB
GRPC_THREADS = 100  # enough for 100 concurrent polls plus a few slow-fault sleepers
MAX_PROMPT_CHARS = 8192  # not documented; generous so it only stops nonsense

# --- images --------------------------------------------------------------------------------
IMAGE_MODELS: dict[str, str] = {
    # accepted name -> canonical name (responses always carry the canonical one)
    "grok-imagine-image": "grok-imagine-image",
    "grok-imagine-image-2.0": "grok-imagine-image-2.0",
    "grok-imagine-image-quality": "grok-imagine-image-quality",
}
IMAGE_QUALITY_MODELS = frozenset({"grok-imagine-image-2.0"})  # only these take `quality`
IMAGE_N_MIN, IMAGE_N_MAX = 1, 10
# Docs say "at most 3" edit inputs; nothing says the API rejects a 4th or 5th, so the emulator
# takes the wider reading and accepts up to 5. The studio enforces 3 itself.
MAX_EDIT_IMAGES = 5
MAX_INPUT_IMAGE_BYTES = 10 * MIB
MAX_INPUT_IMAGE_PIXELS = 64_000_000  # refuse decompression bombs before decoding
INPUT_IMAGE_FORMATS = frozenset({"PNG", "JPEG", "WEBP"})
IMAGE_LONG_SIDE = {"1k": 1024, "2k": 2048}
IMAGE_SIDE_MULTIPLE = 16
DEFAULT_IMAGE_ASPECT = "1:1"
DEFAULT_IMAGE_RESOLUTION = "1k"
# An edit without an aspect ratio follows its (first) input; extreme inputs are clamped to
# the most extreme ratios the SDK can ask for (9:20 .. 20:9).
IMAGE_RATIO_RANGE = (9 / 20, 20 / 9)

# --- chat (prompt help): text and vision ------------------------------------------------------
# accepted name -> (canonical name, ticks per prompt token, ticks per completion token). Prices
# follow xAI's published per-million-token list ($3 in / $15 out for grok-4, $0.20 / $0.50 for
# the fast models); aliases answer with the dated name, as the real API does.
_GROK_4 = ("grok-4-0709", 30_000, 150_000)
_GROK_4_FAST = ("grok-4-fast-non-reasoning", 2_000, 5_000)
CHAT_MODELS: dict[str, tuple[str, int, int]] = {
    "grok-4": _GROK_4,
    "grok-4-0709": _GROK_4,
    "grok-4-latest": _GROK_4,
    "grok-4-fast": ("grok-4-fast-reasoning", 2_000, 5_000),
    "grok-4-fast-reasoning": ("grok-4-fast-reasoning", 2_000, 5_000),
    "grok-4-fast-non-reasoning": _GROK_4_FAST,
    "grok-4-1-fast": ("grok-4-1-fast-reasoning", 2_000, 5_000),
    "grok-4-1-fast-reasoning": ("grok-4-1-fast-reasoning", 2_000, 5_000),
    "grok-4-1-fast-non-reasoning": ("grok-4-1-fast-non-reasoning", 2_000, 5_000),
    "grok-4.20": ("grok-4.20-0309", 20_000, 60_000),
    "grok-4.20-non-reasoning": ("grok-4.20-0309-non-reasoning", 20_000, 60_000),
}
CHAT_N_MIN, CHAT_N_MAX = 1, 8  # not documented; generous so it only stops nonsense
# Vision inputs: xAI's docs list JPEG and PNG only, at most 10 MiB each.
CHAT_IMAGE_FORMATS = frozenset({"PNG", "JPEG"})
# Token counts are not the real tokenizer's: about four characters a token, and a fixed
# count per image (xAI bills images by tiles; the exact rule is not documented).
CHARS_PER_TOKEN = 4
IMAGE_PROMPT_TOKENS = 256

# --- videos --------------------------------------------------------------------------------
VIDEO_MODELS: dict[str, str] = {
    "grok-imagine-video": "grok-imagine-video",
    "grok-imagine-video-1.5": "grok-imagine-video-1.5",
    "grok-imagine-video-1.5-preview": "grok-imagine-video-1.5",
}
VIDEO_15_MODELS = frozenset({"grok-imagine-video-1.5"})  # last_frame, keyframes, audios, 1080p
VIDEO_DURATION_MIN, VIDEO_DURATION_MAX = 1, 15
VIDEO_DEFAULT_DURATION = 8
VIDEO_DEFAULT_ASPECT = "16:9"
VIDEO_DEFAULT_RESOLUTION = "480p"
VIDEO_SHORT_SIDE = {"480p": 480, "720p": 720, "1080p": 1080}
VIDEO_RATIO_RANGE = (9 / 16, 16 / 9)  # image-to-video follows the image, clamped to these
VIDEO_EDIT_MAX_SHORT_SIDE = 720  # video-to-video and extend: output capped at 720p
VIDEO_FPS = 24
MAX_REFERENCE_IMAGES = 7
REFERENCE_VIDEO_MAX_DURATION = 10
MAX_KEYFRAMES = 4
KEYFRAME_MIN_GAP_S = 1 / 3
MAX_REFERENCE_AUDIOS = 3
# The preset voices of xAI's voice catalog (shared with text to speech); ids are matched in any
# letter case, as the text-to-speech docs say.
VOICE_IDS = frozenset({"ara", "eve", "leo", "rex", "sal"})
VIDEO_EDIT_MAX_INPUT_S = 8.7
# Extend: the SDK says 1..10 s of extension, the docs 2..10 ⚠: accept the wider 1..10.
EXTEND_DURATION_MIN, EXTEND_DURATION_MAX = 1, 10
EXTEND_DEFAULT_DURATION = 6
# Extend input: the SDK says 2..30 s, the docs 2..15 ⚠: accept the wider 2..30.
EXTEND_INPUT_MIN_S, EXTEND_INPUT_MAX_S = 2.0, 30.0
INPUT_VIDEO_CODECS = frozenset({"h264", "hevc", "av1"})  # FFmpeg's decoder names
# grokstudio.mp4's names: 3GPP is an MP4 by another brand, QuickTime is not an MP4.
INPUT_VIDEO_CONTAINERS = frozenset({"MP4", "3GPP"})
# Tolerance when comparing a probed duration with a limit: containers round timestamps.
DURATION_SLACK_S = 0.05
VIDEO_ERROR_CODES = frozenset(
    {"invalid_argument", "permission_denied", "failed_precondition", "service_unavailable", "internal_error"}
)

# --- files ---------------------------------------------------------------------------------
FILE_EXPIRES_MIN, FILE_EXPIRES_MAX = 3600, 2_592_000
MAX_FILE_BYTES = 512 * MIB
FILE_CONTENT_CHUNK = 1 * MIB
FILES_LIST_DEFAULT_LIMIT = 100

# --- server defaults (CLI flags override) -----------------------------------------------
DEFAULT_LATENCY_S = 5.0
# Image URL lifetime is not documented; video result URLs live 24 h.
DEFAULT_URL_TTL_S = 3600.0
DEFAULT_VIDEO_URL_TTL_S = 86400.0
DEFAULT_RETENTION_S = 86400.0
DEFAULT_IMAGE_RPS = 5.0  # widely reported for Imagine; not in the official text
DEFAULT_VIDEO_RPS = 1.0
DEFAULT_RENDER_WORKERS = 1  # x264 is multi-threaded; the studio under test needs CPU too
DEFAULT_IMAGE_WORKERS = 2  # image renders are single-threaded and short

# --- bookkeeping bounds ----------------------------------------------------------------------
MAX_RECORDED_CALLS = 20_000
RECORD_STRING_PREFIX = 64  # long strings (data: URIs, base64) are recorded as a prefix + length
RECORD_STRING_MAX = 512
IMAGE_CACHE_ENTRIES = 2_000
VIDEO_CACHE_ENTRIES = 500
JANITOR_INTERVAL_S = 10.0
BLOB_GRACE_S = 120.0  # the janitor never deletes media stored less than this long ago


def ratio_value(label: str) -> float:
    """Width over height of an aspect ratio spelled like the SDK does (``"19.5:9"``)."""
    w, h = label.split(":")
    return float(w) / float(h)


def even(x: float) -> int:
    """Round to the nearest even integer, at least 2 (H.264 with 4:2:0 needs even sides)."""
    return max(2, round(x / 2) * 2)


def image_size(ratio: float, resolution: str) -> tuple[int, int]:
    """Pixel size of a generated image: the long side per resolution, the other by ratio.

    xAI does not document exact sizes; the emulator uses a 1024 (1k) or 2048 (2k) long side
    and rounds the other side to a multiple of 16, as the docs say sides are.
    """
    long_side = IMAGE_LONG_SIDE[resolution]
    m = IMAGE_SIDE_MULTIPLE
    if ratio >= 1:
        return long_side, max(m, round(long_side / ratio / m) * m)
    return max(m, round(long_side * ratio / m) * m), long_side


def video_size(ratio: float, short_side: int) -> tuple[int, int]:
    """Pixel size of a generated video: the short side per resolution, the long by ratio."""
    if ratio >= 1:
        return even(short_side * ratio), short_side
    return short_side, even(short_side / ratio)


def clamp_ratio(ratio: float, bounds: tuple[float, float]) -> float:
    """Clamp ``ratio`` into ``bounds``."""
    return min(max(ratio, bounds[0]), bounds[1])
