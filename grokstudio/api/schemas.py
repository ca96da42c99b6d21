"""The task API's shapes: what a request may carry and what the studio answers.

The published schema (/xai/openapi.json) states every limit the studio enforces,
read from the same tables validation.py checks against (catalog.py's models,
IMAGE_FIELDS, VIDEO_FIELDS, MAX_*_REFERENCES), so the two cannot drift apart.
Request fields keep their lenient runtime types and `WithJsonSchema` publishes
the limit: the refusal itself still comes from validation.py, with its code and
its words, under the field's name. Rules that depend on another field (durations
per model and mode, 1080p on some models, references per mode) are said in the
field's description, which is also built from the table.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from django.conf import settings
from django.urls import reverse
from ninja import Schema
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictFloat,
    StrictStr,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from grokstudio.api.outbound import MAX_URL_LENGTH
from grokstudio.studio import catalog, validation
from grokstudio.studio.catalog import VideoMode as Mode
from grokstudio.studio.models import Generation, Kind, Preset, Status

# The studio's states in the task API's words.
STATUS_WORDS = {
    Status.PENDING: "pending",
    Status.SUBMITTING: "assigned",
    Status.PROCESSING: "processing",
    Status.DOWNLOADING: "processing",
    Status.COMPLETED: "completed",
    Status.FAILED: "failed",
    Status.CANCELLED: "cancelled",
    Status.TIMEOUT: "timeout",
}
TASK_STATUSES = tuple(dict.fromkeys(STATUS_WORDS.values()))
TASK_KINDS = tuple(Kind.values)

# A database id as the API takes it (validation.plausible_id).
ID_DIGITS = rf"^[0-9]{{1,{validation.ID_DIGITS}}}$"
MAX_ID = 10**validation.ID_DIGITS - 1
# A page's nextCursor (selectors.encode_cursor): the instant, to the microsecond, and an id. Only a
# date that does not exist (30 February) matches and is refused.
CURSOR_PATTERN = (
    r"^(?:(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    rf"(?:[01][0-9]|2[0-3])[0-5][0-9][0-5][0-9][0-9]{{6}}-[0-9]{{1,{validation.ID_DIGITS}}})?$"
)
# Tasks per page of GET /xai/tasks.
PAGE_SIZES = range(1, 101)


def _escaped(codes: list[int]) -> str:
    """Code points as a character class's body, \\uXXXX escapes and ranges, read alike by ECMA regex,
    Python's re and the Rust engines that validate schemas."""
    spans: list[list[int]] = []
    for code in sorted(codes):
        if spans and code == spans[-1][1] + 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in spans)


# What str.strip() removes, spelled out: `\s` means other sets in ECMA (U+FEFF but not U+001C-1F),
# Rust and Python, and validation.py strips the prompt with Python's (none lies above U+3000).
WHITESPACE = _escaped([code for code in range(0x3001) if chr(code).isspace()])
# Characters validation.py refuses in text: NUL, and in the prompt U+FFFD, the mark of characters
# lost to a wrong encoding. A lone surrogate is refused too, but no pattern can name it: a JSON
# Schema string is Unicode text, which holds none, and validators refuse `\ud800` in a pattern
# (then generators ignore the whole pattern, NUL included). PROMPT_HELP says it.
PROMPT_PATTERN = rf"^[^\u0000\ufffd]*[^{WHITESPACE}\u0000\ufffd][^\u0000\ufffd]*$"
# What api.py decodes: a data: URI of an image (a media subtype is at most 127 characters, RFC 6838)
# in strict base64, padding included, of at most the upload limit's bytes.
DATA_URI_PREFIX = r"[dD][aA][tT][aA]:image/[a-zA-Z0-9.+-]{1,127};base64,"
DATA_URI_PATTERN = rf"^{DATA_URI_PREFIX}(?:[A-Za-z0-9+/]{{4}})*(?:[A-Za-z0-9+/]{{2}}==|[A-Za-z0-9+/]{{3}}=)?$"
DATA_URI_MAX_LENGTH = (
    len("data:image/;base64,") + 127 + 4 * math.ceil(settings.STUDIO_MAX_UPLOAD_MB * 1024 * 1024 / 3)
)
URL_PATTERN = r"^[hH][tT][tT][pP][sS]?://[^\s/?#@]+(?:[/?#]\S*)?$"


def _whole_number(value):
    """JSON Schema's integer: 6 and 6.0 alike; "6" and true are not numbers (pydantic refuses them)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Strict types: "5" and true are not numbers, 1 is not a boolean.
StrictInt = Annotated[int, BeforeValidator(_whole_number), Field(strict=True)]


def any_case(words: tuple[str, ...]) -> str:
    """A pattern matching these words in any letter case (the API lowers them)."""
    spelled = ("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in w) for w in words)
    return f"^(?:{'|'.join(spelled)})$"


def _text(values: tuple[str, ...]) -> str:
    return ", ".join(v or '"" (none)' for v in values)


def _spans(values: range) -> str:
    return f"{values[0]} to {values[-1]}"


def _published(schema: dict, *, nullable: bool = False) -> WithJsonSchema:
    return WithJsonSchema({"anyOf": [schema, {"type": "null"}]} if nullable else schema)


PROMPT = Annotated[
    StrictStr,
    _published({
        "type": "string", "minLength": catalog.PROMPT_MIN_CHARS, "maxLength": catalog.PROMPT_MAX_CHARS,
        "pattern": PROMPT_PATTERN,
    }),
]  # fmt: skip
PROMPT_HELP = (
    f"at most {catalog.PROMPT_MAX_CHARS:,} characters, not only whitespace; no NUL, no U+FFFD and no lone "
    "surrogate."
)
GALLERY_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


# One image as the API takes it: a data: URI, the id of a gallery image, or an allowed URL.
IMAGE_ITEM = {
    "anyOf": [
        {
            "type": "string",
            "pattern": DATA_URI_PATTERN,
            "maxLength": DATA_URI_MAX_LENGTH,
            "title": "data: URI",
        },
        {"type": "string", "pattern": ID_DIGITS, "title": "gallery image id"},
        {
            "type": "string",
            "format": "uri",
            "pattern": URL_PATTERN,
            "maxLength": MAX_URL_LENGTH,
            "title": "URL",
        },
        {**GALLERY_ID, "title": "gallery image id"},
    ]
}


def _image_value(value):
    """One image as the API takes it: text, or a gallery id as a whole number (6.0 as 6)."""
    value = _whole_number(value)
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise PydanticCustomError("invalid", "Expected a data: URI, a gallery image id or an http(s) URL.")


# Either-or values check themselves: a union would refuse one value once per member, at a
# location named by pydantic's own tags for them ("images.0.str").
IMAGE = Annotated[StrictStr | StrictInt, PlainValidator(_image_value), WithJsonSchema(IMAGE_ITEM)]


def _references(limit: int) -> Any:
    return Annotated[list[IMAGE], _published({"type": "array", "items": IMAGE_ITEM, "maxItems": limit})]


def _quality_help() -> str:
    takers = ", ".join(m.name for m in catalog.IMAGE_MODELS.values() if m.qualities)
    return f"Only for {takers}: {_text(tuple(catalog.IMAGE_QUALITIES))}. Omit or null to leave it to xAI."


def _video_models_with(attribute: str) -> str:
    return ", ".join(m.name for m in catalog.VIDEO_MODELS.values() if getattr(m, attribute))


def _keyframes_help() -> str:
    modes = " and ".join(catalog.VideoMode.KEYFRAMES)
    return (
        f"Only {_video_models_with('max_keyframes')}, modes {modes}: pictures the clip passes through, each "
        "at `timeS` seconds, strictly inside the clip (0 < timeS < duration) and at least 1/3 s from the "
        "others. `image` is a data: URI, the id of one of your gallery images, or an allowed http(s) URL. "
        "Each is shown on the task's page as an input."
    )


def _voices_help() -> str:
    modes = ", ".join(catalog.VideoMode.VOICES)
    voices = "; ".join(f"{v} ({label.partition(': ')[2]})" for v, label in catalog.VOICES.items())
    return (
        f"Only {_video_models_with('voices')}, modes {modes}, with audio on: xAI's preset voices that speak "
        f"in the clip, by id: {voices}."
    )


def _durations_help() -> str:
    lines = []
    for model in catalog.VIDEO_MODELS.values():
        lines.append(
            f"{model.name}: {_spans(model.durations)} s; "
            f"mode reference {_spans(model.reference_durations)} s; "
            f"mode extend adds {_spans(model.extend_durations)} s; mode video keeps the clip's length."
        )
    return "Seconds (6 by default). By model and mode: " + " ".join(lines)


def _video_resolutions_help() -> str:
    offered = "; ".join(f"{m.name}: {', '.join(m.resolutions)}" for m in catalog.VIDEO_MODELS.values())
    reference = "/".join(sorted({r for m in catalog.VIDEO_MODELS.values() for r in m.reference_resolutions}))
    return f"Any letter case. By model: {offered}. Mode reference: {reference} only."


def _image_references_help() -> str:
    by_model = "; ".join(f"{m.name}: {m.max_references}" for m in catalog.IMAGE_MODELS.values())
    return (
        "References to edit from: data: URIs (PNG, JPEG, WebP, at most the studio's upload limit each), "
        "ids of your own gallery images, or http(s) URLs on hosts the studio's administrator allows. "
        f"At most, by model: {by_model}."
    )


def _video_references_help() -> str:
    by_model = "; ".join(f"{m.name}: {m.max_reference_images}" for m in catalog.VIDEO_MODELS.values())
    return (
        f"Mode image: exactly one, the starting image. Mode reference: at least one; at most, by model: "
        f"{by_model}. Modes text, video and extend: none. Each is a data: URI (PNG, JPEG, WebP), the id of "
        "one of your own gallery images, or an http(s) URL on a host the studio's administrator allows."
    )


def _video_asset_help() -> str:
    by_model = "; ".join(
        f"{m.name}: mode video a clip of at most {m.edit_input_max_seconds:g} s, mode extend a clip of "
        f"{m.extend_input_seconds[0]:g} to {m.extend_input_seconds[1]:g} s"
        for m in catalog.VIDEO_MODELS.values()
    )
    return (
        f"Modes video and extend: the id of a clip of your gallery; other modes ignore it. The clip's "
        f"length, by model: {by_model}. A clip outside them is refused at videoAssetId."
    )


CALLBACK_HELP = (
    "When the task ends, its final JSON (as GET /xai/tasks/{taskId} answers) is POSTed here once, signed: "
    "X-Studio-Signature: sha256=HMAC-SHA256(body) under your token's signing secret. Only hosts the "
    "studio's administrator allows."
)
CALLBACK = Annotated[
    StrictStr | None,
    _published(
        {"type": "string", "format": "uri", "pattern": URL_PATTERN, "maxLength": MAX_URL_LENGTH},
        nullable=True,
    ),
]
PRESET_HELP = (
    "The name of one of your presets (or one published for everyone): its options fill the fields you "
    "leave out, and its words wrap the prompt. Voices it brings are left out where the task's model, mode "
    "or sound takes none; any other option of it the task's model does not take is refused, naming the "
    "field, so give that field yourself. An unknown name is refused."
)
PRESET = Annotated[
    StrictStr | None,
    _published({"type": "string", "minLength": 1, "maxLength": Preset._meta.get_field("name").max_length},
               nullable=True),
]  # fmt: skip


def _example(**example) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


# Fields the studio does not know are ignored, but their text is checked like any other
# (api.JsonParser): no NUL in a name or a value (nor a lone surrogate, which no pattern can name).
CLEAN_TEXT = r"^[^\u0000]*$"
UNKNOWN_FIELDS = {
    "propertyNames": {"pattern": CLEAN_TEXT},
    "additionalProperties": {
        "anyOf": [{"type": "string", "pattern": CLEAN_TEXT}, {"type": ["number", "boolean", "null"]}]
    },
}


def _request(**example) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example], **UNKNOWN_FIELDS})


def _scalar(value):
    if isinstance(value, (dict, list)):
        why = "An unknown field is ignored if it holds text, a number, true, false or null."
        raise PydanticCustomError("unknown_field", why)
    return value


class Lenient(BaseModel):
    """A request shape that ignores fields it does not know, as long as each holds a number, a
    boolean, null or clean text (UNKNOWN_FIELDS); an object or a list there is refused by name."""

    # A plain pydantic model: ninja's Schema reads its input by attribute and never sees extras.
    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Annotated[Any, PlainValidator(_scalar)]]

    def known(self) -> dict:
        """The request as the studio reads it: its own fields, without the ignored ones, at any
        depth (a keyframe's among them)."""
        return self.model_dump(mode="json", exclude=self._ignored())

    def _ignored(self) -> dict:
        """`model_dump`'s `exclude` for the fields this request, and each inside it, ignores."""
        ignored: dict = dict.fromkeys(self.model_extra or (), True)
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, Lenient) and (inner := value._ignored()):
                ignored[name] = inner
            elif isinstance(value, list):
                items = {i: item._ignored() for i, item in enumerate(value) if isinstance(item, Lenient)}
                if items := {i: inner for i, inner in items.items() if inner}:
                    ignored[name] = items
        return ignored


# --- requests ------------------------------------------------------------------------------------


class ImageTaskIn(Lenient):
    """A request for images, from a prompt alone or edited from references."""

    model_config = _request(prompt="A lighthouse at dusk", aspectRatio="16:9", n=2)

    prompt: PROMPT = Field(..., description=f"What to draw, {PROMPT_HELP}")
    model: Annotated[
        StrictStr, _published({"type": "string", "enum": list(validation.IMAGE_FIELDS["model"])})
    ] = Field(catalog.DEFAULT_IMAGE_MODEL, description="An image model of the studio's table.")
    aspectRatio: Annotated[
        StrictStr | None,
        _published({"type": "string", "enum": list(validation.IMAGE_FIELDS["aspect_ratio"])}, nullable=True),
    ] = Field(None, description='Omit, null or "" to keep a reference\'s shape (square without one).')
    resolution: Annotated[
        StrictStr, _published({"type": "string", "pattern": any_case(validation.IMAGE_FIELDS["resolution"])})
    ] = Field(
        catalog.DEFAULT_IMAGE_RESOLUTION,
        description=f"{_text(validation.IMAGE_FIELDS['resolution'])}, any letter case.",
    )
    n: Annotated[
        StrictInt,
        _published({"type": "integer", "minimum": validation.IMAGE_FIELDS["n"][0],
                    "maximum": validation.IMAGE_FIELDS["n"][-1]}),
    ] = Field(1, description=f"How many images, {_spans(validation.IMAGE_FIELDS['n'])}.")  # fmt: skip
    images: _references(validation.MAX_IMAGE_REFERENCES) = Field(
        default_factory=list, description=_image_references_help()
    )
    quality: Annotated[
        StrictStr | None,
        _published({"type": "string", "enum": list(catalog.IMAGE_QUALITIES)}, nullable=True),
    ] = Field(None, description=_quality_help())
    preset: PRESET = Field(None, description=PRESET_HELP)
    callBackUrl: CALLBACK = Field(None, description=CALLBACK_HELP)


LONGEST_VIDEO = catalog.video_duration_bounds()[1]
KEYFRAME_TIME = {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": LONGEST_VIDEO}
KEYFRAME_ITEM = {
    "type": "object",
    "title": "Keyframe",
    "required": ["image", "timeS"],
    "properties": {
        "image": {**IMAGE_ITEM, "description": "The picture: as an entry of `images`."},
        "timeS": {**KEYFRAME_TIME, "description": "Seconds into the clip, strictly inside it."},
    },
    **UNKNOWN_FIELDS,
}


def _seconds(value) -> float:
    """A number of seconds as the studio reads it, so that 2 and 2.0 are one time."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:  # an integer no float holds: the shared check refuses it as no time
            return math.inf
    raise PydanticCustomError("invalid", "Expected a number of seconds.")


SECONDS = Annotated[StrictFloat | StrictInt, PlainValidator(_seconds), WithJsonSchema(KEYFRAME_TIME)]


class KeyframeIn(Lenient):
    """A picture the clip passes through, and when (published as KEYFRAME_ITEM)."""

    image: IMAGE
    timeS: SECONDS


class VideoTaskIn(Lenient):
    """A request for a video: from text, an image, references, or a clip of your gallery."""

    model_config = _request(prompt="Waves roll in under a lighthouse", duration=6, aspectRatio="16:9")

    prompt: PROMPT = Field(..., description=f"What happens, {PROMPT_HELP}")
    model: Annotated[
        StrictStr, _published({"type": "string", "enum": list(validation.VIDEO_FIELDS["model"])})
    ] = Field(catalog.DEFAULT_VIDEO_MODEL, description="A video model of the studio's table.")
    mode: Annotated[
        StrictStr | None,
        _published({"type": "string", "enum": list(validation.VIDEO_FIELDS["mode"])}, nullable=True),
    ] = Field(
        None,
        description=f"{Mode.TEXT}: a prompt alone; {Mode.IMAGE}: animate one image; "
        f"{Mode.VIDEO}: edit a clip of your gallery (videoAssetId); "
        f"{Mode.REFERENCE}: style or character references; {Mode.EXTEND}: continue a clip of your gallery "
        "(videoAssetId). By default image when `images` is given, else text.",
    )
    duration: Annotated[
        StrictInt | None,
        _published({"type": "integer", "minimum": validation.VIDEO_FIELDS["duration"][0],
                    "maximum": validation.VIDEO_FIELDS["duration"][-1]}),
    ] = Field(6, description=_durations_help())  # fmt: skip
    aspectRatio: Annotated[
        StrictStr | None,
        _published({"type": "string", "enum": list(validation.VIDEO_FIELDS["aspect_ratio"])}),
    ] = Field(catalog.DEFAULT_VIDEO_ASPECT_RATIO, description="The video's shape.")
    resolution: Annotated[
        StrictStr | None,
        _published({"type": "string", "pattern": any_case(validation.VIDEO_FIELDS["resolution"])}),
    ] = Field("720P", description=_video_resolutions_help())
    audio: StrictBool = Field(True, description="Generate sound.")
    images: _references(validation.MAX_VIDEO_REFERENCES) = Field(
        default_factory=list, description=_video_references_help()
    )
    videoAssetId: Annotated[StrictInt | None, _published(GALLERY_ID, nullable=True)] = Field(
        None, description=_video_asset_help()
    )
    keyframes: Annotated[
        list[KeyframeIn],
        _published({"type": "array", "maxItems": catalog.max_keyframes(), "items": KEYFRAME_ITEM}),
    ] = Field(default_factory=list, description=_keyframes_help())  # fmt: skip
    voices: Annotated[
        list[StrictStr],
        _published({"type": "array", "maxItems": catalog.max_voices(),
                    "items": {"type": "string", "enum": list(catalog.VOICES)}}),
    ] = Field(default_factory=list, description=_voices_help())  # fmt: skip
    preset: PRESET = Field(None, description=PRESET_HELP)
    callBackUrl: CALLBACK = Field(None, description=CALLBACK_HELP)


# --- answers -------------------------------------------------------------------------------------


class ResultOut(Schema):
    """One file a completed task made; `url` downloads it with the same token."""

    model_config = _example(
        assetId=7, url="https://studio.example.com/xai/files/7", contentType="image/jpeg", width=1280,
        height=720, durationS=None, sizeBytes=183422,
    )  # fmt: skip

    assetId: int = Field(..., description="The file's id, as GET /xai/files/{assetId} takes it.")
    url: str = Field(..., description="Where to download it, with the same Authorization header.")
    contentType: str = Field(..., description="image/jpeg, image/png, video/mp4, ...")
    width: int = Field(..., description="Pixels.")
    height: int = Field(..., description="Pixels.")
    durationS: float | None = Field(None, description="Seconds, for a video; null for an image.")
    sizeBytes: int = Field(..., description="The file's size in bytes.")


class TaskOut(Schema):
    """A task: a generation of the studio, in the hosted task API's words."""

    model_config = _example(
        taskId="42", kind="image", status="completed", progress=100, model="grok-imagine-image",
        prompt="A lighthouse at dusk", createdAt="2025-06-01T12:00:00Z", updatedAt="2025-06-01T12:00:09Z",
        results=[ResultOut.model_config["json_schema_extra"]["examples"][0]], costUsd=0.02,
        errorCode=None, errorMessage=None,
    )  # fmt: skip

    taskId: str = Field(..., description="Pass to GET /xai/tasks/{taskId}.")
    kind: str = Field(..., json_schema_extra={"enum": list(TASK_KINDS)}, description="What it makes.")
    status: str = Field(
        ..., json_schema_extra={"enum": list(TASK_STATUSES)},
        description="pending, assigned and processing are at work; the others have ended.",
    )  # fmt: skip
    progress: int = Field(..., description="Percent, 0 to 100.")
    model: str = Field(..., description="The model it runs on.")
    prompt: str = Field(..., description="The prompt sent to xAI (a preset's words included).")
    createdAt: datetime = Field(..., description="When it was asked for (ISO 8601, UTC).")
    updatedAt: datetime = Field(..., description="When its status or progress last changed.")
    results: list[ResultOut] = Field(..., description="Once completed: the files it made.")
    costUsd: float | None = Field(None, description="What xAI charged, in US dollars; null until known.")
    errorCode: str | None = Field(None, description="After failed, cancelled or timeout: a stable code.")
    errorMessage: str | None = Field(None, description="After failed, cancelled or timeout: what happened.")


class TaskListOut(Schema):
    """A page of your tasks, newest first."""

    model_config = _example(tasks=[TaskOut.model_config["json_schema_extra"]["examples"][0]], nextCursor=None)

    tasks: list[TaskOut] = Field(..., description="At most `limit` tasks, newest first.")
    nextCursor: str | None = Field(None, description="Pass as `cursor` for the next, older page.")


class FieldError(Schema):
    """One problem with one field of the request, named as the request names it."""

    model_config = _example(field="prompt", code="required", message="Write a prompt first.")

    field: str = Field(
        ...,
        description='The field, e.g. "prompt", "images[0]", "keyframes[1].timeS"; "" for the request as a '
        "whole.",
    )
    code: str = Field(
        ...,
        description="The rule the field broke, stable; read this, not the message. E.g. required, invalid "
        "(not a value of the field's type), unknown_field (an object or a list in a field the studio does "
        "not know), max_length, not_offered (a value the chosen model does not take), duration (outside "
        "the model's durations), not_in_gallery, unknown_preset, bad_cursor, invalid_image, url_not_allowed.",
    )
    message: str = Field(..., description="What is wrong, for people.")


class Error(Schema):
    """Every refusal: a stable `code` to act on, a sentence for people, and each field's problem."""

    model_config = _example(
        code="invalid_request", message="prompt: Write a prompt first.",
        errors=[{"field": "prompt", "code": "required", "message": "Write a prompt first."}],
    )  # fmt: skip

    code: str = Field(..., description="Stable; read this, not the message.")
    message: str = Field(..., description="What happened, for people.")
    errors: list[FieldError] = Field(
        default_factory=list, description="With 422: every problem, by field (may be absent)."
    )


def task_json(base_url: str, generation: Generation) -> dict:
    """The task as the API answers it; `base_url` is the studio's address as the caller reached it."""
    ended_badly = generation.status in (Status.FAILED, Status.CANCELLED, Status.TIMEOUT)
    results = []
    if generation.status == Status.COMPLETED:
        for asset in generation.outputs.all():
            url = base_url.rstrip("/") + reverse("xai:file", args=[asset.pk])
            results.append({
                "assetId": asset.pk, "url": url, "contentType": asset.content_type, "width": asset.width,
                "height": asset.height, "durationS": asset.duration_s, "sizeBytes": asset.size_bytes,
            })  # fmt: skip
    return {
        "taskId": str(generation.pk), "kind": generation.kind, "status": STATUS_WORDS[generation.status],
        "progress": 100 if generation.status == Status.COMPLETED else generation.progress,
        "model": generation.model, "prompt": generation.prompt, "createdAt": generation.created_at,
        "updatedAt": generation.updated_at, "results": results, "costUsd": generation.cost_usd,
        "errorCode": generation.error_code or None if ended_badly else None,
        "errorMessage": generation.message or None if ended_badly else None,
    }  # fmt: skip
