"""The ``xai_api.Chat`` service: ``GetCompletion`` and its streaming twin ``GetCompletionChunk``.

The emulator has no language model. Its answers are deterministic and built from the
request, so a test can tell what was sent from what came back:

- with text in the user messages, an "improved" prompt: the person's text first, then
  details picked by a hash of it (camera and motion when the system message speaks of video),
  and the colours of any attached image;
- with only images, descriptions like Midjourney's /describe: one prompt per line, each naming
  the image's dominant colours, its orientation and the nearest aspect ratio, in a different
  style (the SDK is retiring ``n`` > 1, so the choices come in one answer).

Attached images are fetched and decoded like the Image service's inputs (``data:`` URIs,
this emulator's URLs, file ids); xAI's vision takes JPEG and PNG only, so anything else is
INVALID_ARGUMENT. ``usage`` counts about four characters a token plus a fixed count per image,
and ``cost_in_usd_ticks`` prices them with the model's per-token rates (see ``limits``).
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import math
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from PIL import Image
from xai_sdk.proto.v6 import chat_pb2, chat_pb2_grpc, sample_pb2, usage_pb2

from . import limits
from .calls import current
from .errors import ApiError
from .inputs import ImageInput

if TYPE_CHECKING:
    from .server import Emulator

_USER = chat_pb2.MessageRole.ROLE_USER
_SYSTEM = chat_pb2.MessageRole.ROLE_SYSTEM
_ASSISTANT = chat_pb2.MessageRole.ROLE_ASSISTANT

STILL_DETAILS = (
    "soft golden-hour light",
    "crisp focus on the subject",
    "rich textures and fine detail",
    "balanced composition with depth",
    "subtle film grain",
    "cinematic colour grading",
    "shallow depth of field",
    "dramatic rim lighting",
)
MOTION_DETAILS = (
    "a slow dolly-in",
    "gentle handheld camera movement",
    "a smooth tracking shot",
    "natural motion in the background",
    "a steady wide establishing shot",
)
DESCRIBE_STYLES = (
    "photographed in natural light",
    "as a painterly illustration",
    "rendered as a clean minimalist graphic",
    "as a moody cinematic still",
)
MODERATION_MESSAGE = (
    "Content violates usage guidelines. Failed check: SAFETY_CHECK_TYPE_EMULATED (emulated fault)"
)


@dataclass(frozen=True)
class Look:
    """What the emulator "sees" in an image: dominant colour names and its shape."""

    colours: list[str]
    orientation: str
    ratio: str

    def phrase(self) -> str:
        colours = " and ".join(self.colours)
        return f"a {self.orientation} ({self.ratio}) picture dominated by {colours}"


def marker_text(request: chat_pb2.GetCompletionsRequest) -> str:
    """The text fault markers are read from: every user message's text parts."""
    return " ".join(
        content.text
        for message in request.messages
        if message.role == _USER
        for content in message.content
        if content.WhichOneof("content") == "text"
    )


class ChatService(chat_pb2_grpc.ChatServicer):
    """Answers ``GetCompletion`` and ``GetCompletionChunk`` calls."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def GetCompletion(self, request: chat_pb2.GetCompletionsRequest, context: grpc.ServicerContext):
        answer = self._answer(request)
        return chat_pb2.GetChatCompletionResponse(
            id=answer.id,
            model=answer.model,
            created=answer.created(),
            system_fingerprint="fp_xai_emulator",
            usage=answer.usage,
            outputs=[
                chat_pb2.CompletionOutput(
                    index=i,
                    finish_reason=answer.finish_reasons[i],
                    message=chat_pb2.CompletionMessage(role=_ASSISTANT, content=text),
                )
                for i, text in enumerate(answer.texts)
            ],
        )

    def GetCompletionChunk(
        self, request: chat_pb2.GetCompletionsRequest, context: grpc.ServicerContext
    ) -> Iterator[chat_pb2.GetChatCompletionChunk]:
        # Checked eagerly (the call wrapper expects errors before the first chunk).
        answer = self._answer(request)
        chunks = []
        for i, text in enumerate(answer.texts):
            pieces = _pieces(text)
            for j, piece in enumerate(pieces):
                last = j == len(pieces) - 1
                output = chat_pb2.CompletionOutputChunk(
                    index=i,
                    delta=chat_pb2.Delta(role=_ASSISTANT, content=piece),
                    finish_reason=answer.finish_reasons[i] if last else sample_pb2.REASON_INVALID,
                )
                chunks.append(chat_pb2.GetChatCompletionChunk(
                    id=answer.id, model=answer.model, created=answer.created(), outputs=[output]
                ))  # fmt: skip
        # The SDK keeps the usage of the last chunk: it carries the whole call's.
        chunks.append(
            chat_pb2.GetChatCompletionChunk(
                id=answer.id, model=answer.model, created=answer.created(), usage=answer.usage
            )
        )
        return iter(chunks)

    # --- the answer ------------------------------------------------------------------------

    def _answer(self, request: chat_pb2.GetCompletionsRequest) -> _Answer:
        call = current()
        model, prompt_price, completion_price = canonical_model(request.model)
        if not request.messages:
            raise ApiError.invalid("messages must not be empty")
        n = request.n if request.HasField("n") else 1
        if not limits.CHAT_N_MIN <= n <= limits.CHAT_N_MAX:
            raise ApiError.invalid(f"n must be between {limits.CHAT_N_MIN} and {limits.CHAT_N_MAX}, got {n}")
        text = marker_text(request).strip()
        system = " ".join(c.text for m in request.messages if m.role == _SYSTEM for c in m.content)
        images = self._images(request, call.api_key)
        if not text and not images:
            raise ApiError.invalid("the conversation has no user text or image to answer")
        if len(text) > limits.MAX_PROMPT_CHARS:
            raise ApiError.invalid(f"the user text is longer than {limits.MAX_PROMPT_CHARS} characters")
        if call.plan.get("moderation"):
            raise ApiError(grpc.StatusCode.PERMISSION_DENIED, MODERATION_MESSAGE)

        looks = [look(image) for image in images]
        texts = [
            improve(text, system, looks, i) if text else describe(looks[0], i, len(looks)) for i in range(n)
        ]
        if call.plan.get("empty_answer"):
            texts = [""] * n
        finish = [sample_pb2.REASON_STOP] * n
        if request.HasField("max_tokens"):
            for i, answer in enumerate(texts):
                if tokens(answer) > request.max_tokens:
                    texts[i] = answer[: request.max_tokens * limits.CHARS_PER_TOKEN]
                    finish[i] = sample_pb2.REASON_MAX_LEN

        all_text = " ".join(c.text for m in request.messages for c in m.content)
        text_tokens = tokens(all_text)
        image_tokens = limits.IMAGE_PROMPT_TOKENS * len(images)
        completion = sum(tokens(t) for t in texts)
        prompt_tokens = text_tokens + image_tokens
        usage = usage_pb2.SamplingUsage(
            prompt_tokens=prompt_tokens,
            prompt_text_tokens=text_tokens,
            prompt_image_tokens=image_tokens,
            completion_tokens=completion,
            total_tokens=prompt_tokens + completion,
            cost_in_usd_ticks=prompt_tokens * prompt_price + completion * completion_price,
        )
        return _Answer(id=str(uuid.uuid4()), model=model, texts=texts, finish_reasons=finish, usage=usage)

    def _images(self, request: chat_pb2.GetCompletionsRequest, owner: str) -> list[ImageInput]:
        parts = [
            content.image_url
            for message in request.messages
            if message.role == _USER
            for content in message.content
            if content.WhichOneof("content") == "image_url"
        ]
        return [
            self.emulator.inputs.image(owner, part, f"image {i + 1}", limits.CHAT_IMAGE_FORMATS)
            for i, part in enumerate(parts)
        ]


@dataclass
class _Answer:
    id: str
    model: str
    texts: list[str]
    finish_reasons: list[int]
    usage: usage_pb2.SamplingUsage

    def created(self) -> Timestamp:
        stamp = Timestamp()
        stamp.FromNanoseconds(time.time_ns())
        return stamp


def canonical_model(name: str) -> tuple[str, int, int]:
    """The canonical chat model and its per-token prices, or NOT_FOUND like the real API."""
    try:
        return limits.CHAT_MODELS[name]
    except KeyError:
        raise ApiError.not_found(
            f"The model {name!r} does not exist or your team does not have access to it. "
            f"Chat models: {', '.join(sorted(limits.CHAT_MODELS))}"
        ) from None


def tokens(text: str) -> int:
    return math.ceil(len(text) / limits.CHARS_PER_TOKEN) if text else 0


def _pick(pool: tuple[str, ...], seed: str, count: int) -> list[str]:
    """``count`` distinct entries of ``pool``, in an order fixed by a hash of ``seed``."""
    return sorted(pool, key=lambda item: hashlib.sha256(f"{seed}|{item}".encode()).digest())[:count]


def improve(text: str, system: str, looks: list[Look], index: int) -> str:
    """A richer prompt that visibly starts from the person's own words."""
    subject = " ".join(text.split()).rstrip(" .,;")[:600]
    details = _pick(STILL_DETAILS, f"{subject}#{index}", 2)
    if "video" in system.lower():
        details = _pick(MOTION_DETAILS, f"{subject}#{index}", 1) + details[:1]
    if looks:
        details.append(f"keeping the {' and '.join(looks[0].colours)} palette of the reference")
    return f"{subject}, {', '.join(details)}."


def describe(first: Look, index: int, count: int) -> str:
    """Prompts that would make a picture like the (first) image: one a line, each in its own style
    (the index-th answer of a batch starts from the index-th style)."""
    more = f", drawing on {count} reference images" if count > 1 else ""
    phrase = first.phrase()
    lines = [
        f"{phrase[0].upper()}{phrase[1:]}, {DESCRIBE_STYLES[(index + i) % len(DESCRIBE_STYLES)]}{more}."
        for i in range(len(DESCRIBE_STYLES))
    ]
    return "\n".join(lines)


def _pieces(text: str) -> list[str]:
    """The text in small pieces of about three words, as a stream sends it."""
    words = text.split(" ")
    return [" ".join(words[i : i + 3]) + (" " if i + 3 < len(words) else "") for i in range(0, len(words), 3)]


# --- seeing ----------------------------------------------------------------------------------

ASPECTS = ("1:1", "4:3", "3:4", "3:2", "2:3", "16:9", "9:16", "2:1", "1:2")


def look(image: ImageInput) -> Look:
    """Dominant colours (named, at most two, each at least a tenth of the picture) and shape."""
    with Image.open(io.BytesIO(image.data)) as im:
        small = im.convert("RGB").resize((32, 32))
    raw = small.tobytes()
    counts = Counter(colour_name((raw[i], raw[i + 1], raw[i + 2])) for i in range(0, len(raw), 3))
    total = sum(counts.values())
    colours = [name for name, c in counts.most_common(2) if c >= total / 10] or [counts.most_common(1)[0][0]]
    ratio = image.width / image.height
    orientation = "square" if 0.9 <= ratio <= 1.1 else "landscape" if ratio > 1 else "portrait"
    nearest = min(ASPECTS, key=lambda a: abs(math.log(limits.ratio_value(a) / ratio)))
    return Look(colours=colours, orientation=orientation, ratio=nearest)


def colour_name(rgb: tuple[int, int, int]) -> str:
    h, s, v = colorsys.rgb_to_hsv(*(c / 255 for c in rgb))
    if v < 0.2:
        return "black"
    if s < 0.15:
        return "white" if v > 0.85 else "grey"
    hue = h * 360
    for limit, name in ((15, "red"), (40, "orange"), (70, "yellow"), (165, "green"), (195, "teal"),
                        (255, "blue"), (290, "purple"), (345, "pink"), (360, "red")):  # fmt: skip
        if hue < limit:
            if name == "orange" and v < 0.6:
                return "brown"
            return name
    return "red"
