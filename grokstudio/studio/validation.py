"""What a generation request may ask for, checked against the one model table (catalog.py).

The create forms and the task API both call `check_image_request` and
`check_video_request` with values already of the right type: a form's fields or
the API's schema parsed them. A field whose key is missing was refused by that
parser and is not checked again; None or "" means nothing was given. Uploads
arrive unread (anything with `name`, `size` and `read()`), so an input the
chosen mode does not use is never decoded; gallery items arrive as ids and are
looked up among the person's own. Every problem is a ValidationError with a
`code` (and `params`) under the create form's name for its field, or
NON_FIELD_ERRORS: callers read codes, never messages. The budget is checked by
the create services, under a lock.
"""

from __future__ import annotations

import itertools
import math
import re

from django.conf import settings
from django.core import validators
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import ChoiceField, Field

from grokstudio.studio import catalog
from grokstudio.studio.catalog import VideoMode as Mode
from grokstudio.studio.media.clips import CheckedClip, ClipRejected, check_clip
from grokstudio.studio.media.images import CheckedImage, ImageRejected, check_reference
from grokstudio.studio.models import Asset

# What a field may hold whatever the model: one of a tuple ("" in it: it may be left
# empty), or a whole number in a range. The chosen model narrows it further.
IMAGE_FIELDS: dict[str, tuple[str, ...] | range] = {
    "model": tuple(catalog.IMAGE_MODELS),
    "aspect_ratio": ("", *catalog.IMAGE_ASPECT_RATIOS),  # "" is Auto: a reference's shape, or square
    "resolution": tuple(dict.fromkeys(r for m in catalog.IMAGE_MODELS.values() for r in m.resolutions)),
    "n": range(1, max(m.max_images for m in catalog.IMAGE_MODELS.values()) + 1),
    "quality": ("", *catalog.IMAGE_QUALITIES),  # "" leaves it to xAI
}
VIDEO_FIELDS: dict[str, tuple[str, ...] | range] = {
    "mode": tuple(mode for mode, _ in Mode.CHOICES),
    "model": tuple(catalog.VIDEO_MODELS),
    "duration": range(catalog.video_duration_bounds()[0], catalog.video_duration_bounds()[1] + 1),
    "aspect_ratio": catalog.VIDEO_ASPECT_RATIOS,
    # In the table's order (a set's would change from one process to the next).
    "resolution": tuple(dict.fromkeys(r for m in catalog.VIDEO_MODELS.values() for r in m.resolutions)),
}
# Reference images one request may carry before the model is considered.
MAX_IMAGE_REFERENCES = catalog.max_references()
MAX_VIDEO_REFERENCES = max(m.max_reference_images for m in catalog.VIDEO_MODELS.values())
# The inputs each video mode uses; the others are dropped unread.
VIDEO_INPUTS = {
    "image": (Mode.IMAGE,),
    "image_asset": (Mode.IMAGE,),
    "last_frame": (Mode.TEXT, Mode.IMAGE),
    "references": (Mode.REFERENCE,),
    "reference_assets": (Mode.REFERENCE,),
    "video": (Mode.VIDEO, Mode.EXTEND),
    "video_asset": (Mode.VIDEO, Mode.EXTEND),
    "keyframes": Mode.KEYFRAMES,
    "voices": Mode.VOICES,
}
LIST_INPUTS = ("references", "reference_assets", "keyframes", "voices")

# Each refusal's code and its sentence; `params` fill it in.
MESSAGES = {
    "not_offered": "%(model)s does not offer %(value)s.",
    "too_many_images": "%(model)s makes at most %(limit)s images at once.",
    "model_references": "%(model)s takes at most %(limit)s reference images.",
    "too_many_files": "Attach at most %(limit)s reference images; you attached %(count)s.",
    "too_many_references": "Attach at most %(limit)s reference images.",
    "file_too_large": "“%(name)s”: the file is larger than %(limit)s MB.",
    "invalid_clip": "“%(name)s”: %(why)s",
    "not_in_gallery": "That %(kind)s is not in your gallery.",
    "no_last_frame": "%(model)s cannot pin a last frame; choose Grok Imagine Video 1.5.",
    "no_quality": "Quality applies only to %(models)s.",
    "no_keyframes": "%(model)s takes no keyframes; choose %(models)s.",
    "too_many_keyframes": "%(model)s takes at most %(limit)s keyframes.",
    "keyframe_image": "Keyframe %(number)s needs an image: upload one or drop a picture from your gallery.",
    "keyframe_time": "Give keyframe %(number)s's time in seconds.",
    "keyframe_outside": "Keyframe %(number)s at %(time)s s is outside the %(duration)s s clip: "
    "a keyframe lies strictly between its start and its end.",
    "keyframes_too_close": "Keyframes must be at least 1/3 s apart: "
    "%(first)s s and %(second)s s are too close.",
    "no_voices": "%(model)s speaks in no preset voice; choose %(models)s.",
    "unknown_voice": "“%(value)s” is not one of xAI's preset voices (%(choices)s).",
    "too_many_voices": "Choose at most %(limit)s voices.",
    "voices_without_audio": "Voices need sound: turn Audio on, or choose no voice.",
    "inputs_too_large": "Together the pictures are too large for one request to xAI (%(size)s MB once "
    "encoded; it takes %(limit)s MB): use fewer or smaller pictures.",
    "duration": "%(model)s makes %(low)s to %(high)s seconds.",
    "reference_duration": "With reference images a video is at most %(limit)s seconds.",
    "reference_resolution": "With reference images the resolution is at most %(limit)s.",
    "extend_duration": "An extension adds %(low)s to %(high)s seconds.",
    "edit_length": "The clip is %(length).1f s; video to video takes at most %(limit)s s.",
    "extend_length": "The clip is %(length).1f s; an extension starts from %(low)g to %(high)g s.",
    "surrogate": "The text holds a lone surrogate (%(char)s), which is not a character; send it as UTF-8.",
    "null_characters": "Null characters are not allowed.",
    "lost_characters": "The prompt holds “\ufffd”, where characters were lost to a wrong encoding; "
    "type them again.",
}
# What to say when a number is outside what any model takes (code `out_of_range`).
RANGES = {
    "n": "The number of images must be between %(low)s and %(high)s.",
    "duration": "Duration must be between %(low)s and %(high)s seconds.",
}
# What to say when a field that must be given is not (code `required`).
REQUIRED = {
    "prompt": "Write a prompt first.",
    "image": "Choose the image to animate.",
    "references": "Attach at least one reference image.",
    "video": "Choose the clip to start from.",
    "duration": "Give the video's duration in seconds.",
}
# Half of a UTF-16 pair on its own: JSON's "\ud800" escape makes one, and no UTF-8 database,
# file or xAI call takes it.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")

Errors = dict[str, list[ValidationError]]


def over_limit_message(length: int, limit: int) -> str:
    """The words composer.js uses too: how far over, and the limit."""
    over = length - limit
    return f"{over:,} character{'' if over == 1 else 's'} over the {limit:,} limit."


class LengthLimitValidator(validators.MaxLengthValidator):
    """A length limit whose refusal says how far over it the text is (code `max_length`)."""

    def __call__(self, value: str) -> None:
        length = self.clean(value)
        if length > self.limit_value:
            raise ValidationError(
                over_limit_message(length, self.limit_value),
                code="max_length",
                params={"limit_value": self.limit_value, "show_value": length, "value": value},
            )


def check_image_request(user, data: dict) -> dict:
    """`data` cleaned: the prompt stripped, uploads as CheckedImages, gallery ids as the user's Assets."""
    errors: Errors = {}
    data = _check_fields(data, IMAGE_FIELDS, errors)
    data["references"] = _images(data.get("references"), MAX_IMAGE_REFERENCES, errors)
    data["reference_assets"] = _gallery_images(
        user, data.get("reference_assets"), MAX_IMAGE_REFERENCES, errors
    )
    model = catalog.IMAGE_MODELS.get(data.get("model"))
    if model is not None:
        _offered(errors, data, "aspect_ratio", model.aspect_ratios, model.label)
        _offered(errors, data, "resolution", model.resolutions, model.label)
        if "n" not in errors and (data.get("n") or 0) > model.max_images:
            _refuse(errors, "n", "too_many_images", model=model.label, limit=model.max_images)
        if len(data["references"]) + len(data["reference_assets"]) > model.max_references:
            _refuse(errors, "references", "model_references", model=model.label, limit=model.max_references)
        _check_quality(errors, model, data)
    _check_inline_size(errors, "references", [*data["references"], *data["reference_assets"]])
    if errors:
        raise ValidationError(errors)
    return data


def check_video_request(user, data: dict) -> dict:
    """`data` cleaned for its mode: inputs it does not use are None or [], uploads are checked
    (CheckedImage, CheckedClip), gallery ids are the user's Assets."""
    errors: Errors = {}
    data = _check_fields(data, VIDEO_FIELDS, errors)
    model, mode = catalog.VIDEO_MODELS.get(data.get("model")), data.get("mode")
    if model is None or mode not in VIDEO_FIELDS["mode"]:
        if errors:
            raise ValidationError(errors)
        return data
    for name, modes in VIDEO_INPUTS.items():
        if mode not in modes:
            data[name] = [] if name in LIST_INPUTS else None
    for name, check in (("image", _image), ("last_frame", _image), ("video", _clip)):
        data[name] = _one(errors, name, check, data.get(name))
    data["references"] = _images(data.get("references"), MAX_VIDEO_REFERENCES, errors)
    data["image_asset"] = _gallery_item(user, data.get("image_asset"), "image", errors)
    data["video_asset"] = _gallery_item(user, data.get("video_asset"), "video", errors)
    data["reference_assets"] = _gallery_images(
        user, data.get("reference_assets"), MAX_VIDEO_REFERENCES, errors
    )

    _offered(errors, data, "resolution", model.resolutions, model.label)
    if data["last_frame"] and not model.last_frame:
        _refuse(errors, "last_frame", "no_last_frame", model=model.label)
    duration = None if "duration" in errors else data.get("duration")
    data["keyframes"] = _check_keyframes(user, errors, model, data.get("keyframes"), duration)
    data["voices"] = _check_voices(errors, model, data)
    if mode == Mode.REFERENCE:
        _check_references(errors, model, data, duration)
    elif mode in (Mode.VIDEO, Mode.EXTEND):
        _check_source(errors, model, mode, data, duration)
    else:
        if mode == Mode.IMAGE and not (data["image"] or data["image_asset"]):
            _missing(errors, "image")
        if duration and duration not in model.durations:
            low, high = model.durations[0], model.durations[-1]
            _refuse(errors, "duration", "duration", model=model.label, low=low, high=high)
    pictures = [data["image"], data["image_asset"], data["last_frame"], *data["references"],
                *data["reference_assets"]]  # fmt: skip
    pictures += [k["image"] or k["image_asset"] for k in data["keyframes"]]
    _check_inline_size(errors, None, pictures)
    if errors:
        raise ValidationError(errors)
    return data


def _check_inline_size(errors: Errors, field: str | None, pictures: list) -> None:
    """Pictures travel to xAI inline, as data: URIs in one message, which has a size limit;
    past it xAI answers as if rate limited, so the request is refused here instead."""
    sizes = [len(p.data) if isinstance(p, CheckedImage) else p.size_bytes for p in pictures if p]
    encoded = sum(len("data:image/webp;base64,") + 4 * math.ceil(size / 3) for size in sizes)
    if encoded > catalog.MAX_INLINE_PICTURES_BYTES:
        mb = 1024 * 1024
        size, limit = f"{encoded / mb:.1f}", f"{catalog.MAX_INLINE_PICTURES_BYTES / mb:.0f}"
        _refuse(errors, field, "inputs_too_large", size=size, limit=limit)


def check_text(value: str) -> None:
    """Refuse text no database takes: lone surrogates, and NUL (PostgreSQL refuses it)."""
    if found := LONE_SURROGATE.search(value):
        raise ValidationError(MESSAGES["surrogate"], code="surrogate", params={"char": ascii(found[0])[1:-1]})
    if "\x00" in value:
        raise ValidationError(MESSAGES["null_characters"], code="null_characters")


def range_message(field: str) -> str:
    """The sentence for a number out of its range, filled in: forms give it to their fields."""
    allowed = IMAGE_FIELDS.get(field) or VIDEO_FIELDS[field]
    return RANGES[field] % {"low": allowed[0], "high": allowed[-1]}


# Digits of the longest id the API takes: every such number fits a database's bigint.
ID_DIGITS = 18


def plausible_id(value) -> bool:
    """A positive integer a database id column can hold."""
    value = str(value)
    return value.isascii() and value.isdigit() and len(value) <= ID_DIGITS


# --- one field at a time ------------------------------------------------------------------------


def _refuse(errors: Errors, field: str | None, code: str, **params) -> None:
    error = ValidationError(MESSAGES[code], code=code, params=params)
    errors.setdefault(field or NON_FIELD_ERRORS, []).append(error)


def _missing(errors: Errors, field: str) -> None:
    # A file refused already has its own message; "choose one" would contradict it.
    if field not in errors:
        errors[field] = [ValidationError(REQUIRED[field], code="required")]


def _offered(errors: Errors, data: dict, field: str, offered: tuple, model: str) -> None:
    value = data.get(field)
    if value and field not in errors and value not in offered:
        _refuse(errors, field, "not_offered", model=model, value=value)


def _check_fields(data: dict, fields: dict, errors: Errors) -> dict:
    """A copy of `data` with the prompt stripped, after checking it and the table's fields."""
    data = dict(data)
    if "prompt" in data:
        data["prompt"] = prompt = (data["prompt"] or "").strip()
        checks = (LengthLimitValidator(catalog.PROMPT_MAX_CHARS), check_text, _readable)
        for check in checks if prompt else ():
            try:
                check(prompt)
            except ValidationError as exc:
                errors.setdefault("prompt", []).append(exc)
        if not prompt:
            _missing(errors, "prompt")
    for name, allowed in fields.items():
        if name not in data:
            continue
        value = data[name]
        try:
            if value in (None, "") and "" not in allowed:
                message = REQUIRED.get(name, Field.default_error_messages["required"])
                raise ValidationError(message, code="required")
            if isinstance(allowed, range):
                if value not in allowed:
                    raise ValidationError(range_message(name), code="out_of_range", params={"value": value})
            elif value not in allowed:
                message = ChoiceField.default_error_messages["invalid_choice"]
                raise ValidationError(message, code="invalid_choice", params={"value": value})
        except ValidationError as exc:
            errors[name] = [exc]
    return data


def _readable(prompt: str) -> None:
    # U+FFFD is what Django makes of bytes in a form post that are not UTF-8: what was
    # meant is lost, and xAI would get the mark instead.
    if "\ufffd" in prompt:
        raise ValidationError(MESSAGES["lost_characters"], code="lost_characters")


def _one(errors: Errors, field: str, check, upload):
    if upload is None:
        return None
    try:
        return check(upload)
    except ValidationError as exc:
        errors.setdefault(field, []).append(exc)
        return None


def _images(uploads, limit: int, errors: Errors) -> list[CheckedImage]:
    """Every uploaded reference image checked, each bad one named; [] when any is refused."""
    uploads = list(uploads or [])
    if len(uploads) > limit:
        _refuse(errors, "references", "too_many_files", limit=limit, count=len(uploads))
        return []
    checked = [_one(errors, "references", _image, upload) for upload in uploads]
    return [] if None in checked else checked


def _too_large(upload, limit_mb: int) -> ValidationError | None:
    if upload.size > limit_mb * 1024 * 1024:  # refused before it is read
        code = "file_too_large"
        return ValidationError(MESSAGES[code], code=code, params={"name": upload.name, "limit": limit_mb})
    return None


def check_image_upload(upload) -> CheckedImage:
    """One uploaded picture, checked as a reference image is."""
    return _image(upload)


def _image(upload) -> CheckedImage:
    if error := _too_large(upload, settings.STUDIO_MAX_UPLOAD_MB):
        raise error
    try:
        return check_reference(upload.read(), upload.name)
    except ImageRejected as exc:
        raise ValidationError(str(exc), code="invalid_image") from exc


def _clip(upload) -> CheckedClip:
    if error := _too_large(upload, settings.STUDIO_MAX_VIDEO_UPLOAD_MB):
        raise error
    try:
        return check_clip(upload.read(), upload.name)
    except ClipRejected as exc:
        params = {"name": upload.name, "why": exc}
        raise ValidationError(MESSAGES["invalid_clip"], code="invalid_clip", params=params) from exc


# --- gallery items, only the user's own ---------------------------------------------------------


def _own(user, ids: list, kind: str) -> list[Asset] | None:
    """The user's own items of `kind` with these ids, in order; None if any is not one."""
    if not all(plausible_id(i) for i in ids):
        return None
    found = Asset.objects.filter(pk__in=[int(i) for i in ids], user=user, kind=kind).exclude(file="")
    by_id = {asset.pk: asset for asset in found}
    return [by_id[int(i)] for i in ids] if len(by_id) == len(ids) else None


def _gallery_item(user, value, kind: str, errors: Errors) -> Asset | None:
    if value in (None, ""):
        return None
    (asset,) = _own(user, [value], kind) or [None]
    if asset is None:
        _refuse(errors, None, "not_in_gallery", kind=kind)
    return asset


def _gallery_images(user, values, limit: int, errors: Errors) -> list[Asset]:
    values = values if isinstance(values, list | tuple) else [values] if values else []
    ids = list(dict.fromkeys(str(v) for v in values))
    if len(ids) > limit:
        _refuse(errors, None, "too_many_references", limit=limit)
        return []
    assets = _own(user, ids, "image")
    if assets is None:
        _refuse(errors, None, "not_in_gallery", kind="image")
    return assets or []


# --- what each video mode needs -----------------------------------------------------------------


def _check_references(errors: Errors, model: catalog.VideoModel, data: dict, duration: int | None) -> None:
    count = len(data["references"]) + len(data["reference_assets"])
    if not count:
        _missing(errors, "references")
    elif count > model.max_reference_images:
        _refuse(errors, "references", "model_references", model=model.label, limit=model.max_reference_images)
    if duration and duration not in model.reference_durations:
        _refuse(errors, "duration", "reference_duration", limit=model.reference_durations[-1])
    resolution = data.get("resolution")
    if resolution and "resolution" not in errors and resolution not in model.reference_resolutions:
        _refuse(errors, "resolution", "reference_resolution", limit=model.reference_resolutions[-1])


def _check_source(
    errors: Errors, model: catalog.VideoModel, mode: str, data: dict, duration: int | None
) -> None:
    clip, asset = data["video"], data["video_asset"]
    if clip is None and asset is None:
        _missing(errors, "video")
        return
    length = clip.duration_s if clip else (asset.duration_s or 0)
    if mode == Mode.VIDEO and length > model.edit_input_max_seconds:
        _refuse(errors, "video", "edit_length", length=length, limit=model.edit_input_max_seconds)
    if mode == Mode.EXTEND:
        low, high = model.extend_input_seconds
        if not low <= length <= high:
            _refuse(errors, "video", "extend_length", length=length, low=low, high=high)
        low, high = model.extend_durations[0], model.extend_durations[-1]
        if duration and duration not in model.extend_durations:
            _refuse(errors, "duration", "extend_duration", low=low, high=high)


# --- 2.0's quality, 1.5's keyframes and voices ----------------------------------------------------


def _labels(models) -> str:
    return " or ".join(m.label for m in models)


def _check_quality(errors: Errors, model: catalog.ImageModel, data: dict) -> None:
    quality = data.get("quality")
    if not quality or "quality" in errors:
        return
    if not model.qualities:
        takers = [m for m in catalog.IMAGE_MODELS.values() if m.qualities]
        _refuse(errors, "quality", "no_quality", models=_labels(takers))
    elif quality not in model.qualities:
        _refuse(errors, "quality", "not_offered", model=model.label, value=quality)


def seconds_text(value: float) -> str:
    """A time as people read it: 2.0, 7.5, 1.25."""
    return f"{value:.1f}" if abs(value - round(value, 1)) < 1e-9 else f"{value:g}"


def _given(keyframe: dict) -> bool:
    return any(keyframe.get(name) not in (None, "") for name in ("image", "image_asset", "time_s"))


def _check_keyframes(
    user, errors: Errors, model: catalog.VideoModel, keyframes, duration: int | None
) -> list[dict]:
    """Each keyframe as {"image": CheckedImage | None, "image_asset": Asset | None, "time_s": float},
    in the order given; rows left wholly empty (the form's spare ones) are dropped."""
    keyframes = [k for k in keyframes or [] if _given(k)]
    if not keyframes:
        return []
    if not model.max_keyframes:
        takers = [m for m in catalog.VIDEO_MODELS.values() if m.max_keyframes]
        _refuse(errors, "keyframes", "no_keyframes", model=model.label, models=_labels(takers))
        return []
    if len(keyframes) > model.max_keyframes:
        _refuse(errors, "keyframes", "too_many_keyframes", model=model.label, limit=model.max_keyframes)
        return []
    checked = []
    for number, keyframe in enumerate(keyframes, 1):
        # An upload, or else a picture of the person's gallery (by id).
        upload, chosen = keyframe.get("image") or None, keyframe.get("image_asset")
        image, asset = _one(errors, "keyframes", _image, upload), None
        if upload is None and chosen in (None, ""):
            _refuse(errors, "keyframes", "keyframe_image", number=number)
        elif upload is None:
            (asset,) = _own(user, [chosen], "image") or [None]
            if asset is None:
                _refuse(errors, "keyframes", "not_in_gallery", kind="image")
        time_s = keyframe.get("time_s")
        if time_s is None or not math.isfinite(time_s):
            _refuse(errors, "keyframes", "keyframe_time", number=number)
            continue
        if duration and not 0 < time_s < duration:
            _refuse(errors, "keyframes", "keyframe_outside", number=number, time=seconds_text(time_s),
                    duration=duration)  # fmt: skip
        checked.append({"image": image, "image_asset": asset, "time_s": float(time_s)})
    times = sorted(k["time_s"] for k in checked)
    for first, second in itertools.pairwise(times):
        if second - first < model.keyframe_min_gap_s - 1e-9:
            _refuse(errors, "keyframes", "keyframes_too_close", first=seconds_text(first),
                    second=seconds_text(second))  # fmt: skip
            break
    return checked


def _check_voices(errors: Errors, model: catalog.VideoModel, data: dict) -> list[str]:
    """The chosen voice ids, each once, in the order given."""
    given = data.get("voices") or []
    if not isinstance(given, list | tuple) or not all(isinstance(v, str) for v in given):
        errors["voices"] = [ValidationError("Voices are a list of voice ids.", code="invalid")]
        return []
    voices = list(dict.fromkeys(given))
    if not voices or "voices" in errors:
        return voices
    unknown = [v for v in voices if v not in catalog.VOICES]
    if unknown:
        _refuse(errors, "voices", "unknown_voice", value=unknown[0], choices=", ".join(catalog.VOICES))
    elif not model.voices:
        takers = [m for m in catalog.VIDEO_MODELS.values() if m.voices]
        _refuse(errors, "voices", "no_voices", model=model.label, models=_labels(takers))
    elif len(voices) > model.max_voices:
        _refuse(errors, "voices", "too_many_voices", limit=model.max_voices)
    elif any(v not in model.voices for v in voices):
        value = next(v for v in voices if v not in model.voices)
        _refuse(errors, "voices", "not_offered", model=model.label, value=value)
    elif data.get("audio") is False:
        _refuse(errors, "voices", "voices_without_audio")
    return voices


def fit_preset(options: dict, model_name: str | None, mode: str | None, *, audio: bool = True) -> dict:
    """A video preset's options without voices where the task cannot speak them.

    The person chose the preset, not each of its options: voices it brings to a model without
    them (`catalog.VideoModel.takes`), to a mode that does not use them (VIDEO_INPUTS, as
    `check_video_request` drops every input its mode does not use) or to a clip without sound
    are left out. Voices a request names itself are checked as ever, and refused where they
    cannot go; so is any other option a preset brings that the task's model does not take."""
    model = catalog.VIDEO_MODELS.get(model_name or "")
    speaks = model is not None and "voices" in model.takes and mode in VIDEO_INPUTS["voices"] and audio
    return options if speaks else {name: value for name, value in options.items() if name != "voices"}


def check_preset(kind: str, options: dict) -> dict:
    """A preset's options checked as a request of `kind` would be, without a prompt or inputs
    (those come when it is used, and are checked then with the rest of the request)."""
    errors: Errors = {}
    if kind == "video":
        options = _check_fields(options, VIDEO_FIELDS, errors)
        model = catalog.VIDEO_MODELS.get(options.get("model"))
        if model is not None:
            _offered(errors, options, "resolution", model.resolutions, model.label)
            duration = options.get("duration")
            if "duration" not in errors and duration and duration not in model.durations:
                low, high = model.durations[0], model.durations[-1]
                _refuse(errors, "duration", "duration", model=model.label, low=low, high=high)
        if not isinstance(options.get("audio", True), bool):
            errors["audio"] = [ValidationError("Audio is on or off.", code="invalid")]
        if model is not None and options.get("voices"):
            options["voices"] = _check_voices(errors, model, options)
    else:
        options = _check_fields(options, IMAGE_FIELDS, errors)
        model = catalog.IMAGE_MODELS.get(options.get("model"))
        if model is not None:
            _offered(errors, options, "aspect_ratio", model.aspect_ratios, model.label)
            _offered(errors, options, "resolution", model.resolutions, model.label)
            if "n" not in errors and (options.get("n") or 0) > model.max_images:
                _refuse(errors, "n", "too_many_images", model=model.label, limit=model.max_images)
            _check_quality(errors, model, options)
    if errors:
        raise ValidationError(errors)
    return options
