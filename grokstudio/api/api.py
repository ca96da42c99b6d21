"""The task API for scripts (/xai/images, /xai/videos, /xai/tasks), shaped like the hosted task API.

A script authenticates with `Authorization: Bearer <token>` (no cookie, no CSRF
token). A task is a Generation like any other: it goes through the create
forms' checks (studio/validation.py), the person's budget, the shared
rate limiter and the same pipeline, and it appears live in their gallery.
Every error is JSON with a stable `code` and a human `message`.

With `callBackUrl`, the final task JSON is POSTed there when the task ends,
signed in `X-Studio-Signature: sha256=<HMAC-SHA256 of the body>` under the
token's signing secret (shown on the API tokens page). Reference images and
callbacks reach only hosts the studio's administrator allows.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from functools import wraps
from typing import Annotated

from csp.decorators import csp_update
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.forms import Field
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Swagger
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle
from pydantic import WithJsonSchema

from grokstudio.api import callbacks, idempotency, outbound
from grokstudio.api.models import ApiToken
from grokstudio.api.schemas import (
    CURSOR_PATTERN,
    DATA_URI_PREFIX,
    ID_DIGITS,
    MAX_ID,
    PAGE_SIZES,
    STATUS_WORDS,
    TASK_KINDS,
    TASK_STATUSES,
    Error,
    ImageTaskIn,
    Lenient,
    TaskListOut,
    TaskOut,
    VideoTaskIn,
    task_json,
)  # fmt: skip
from grokstudio.studio import catalog, selectors, services, validation
from grokstudio.studio.catalog import VideoMode as Mode
from grokstudio.studio.models import Generation
from grokstudio.studio.web import downloads

DATA_URI = re.compile(rf"^{DATA_URI_PREFIX}(?P<data>.*)$", re.S)


class TokenThrottle(AuthRateThrottle):
    """ninja's per-token throttle, its rate read from settings on each request (tests change it)."""

    def __init__(self) -> None:
        super().__init__(settings.STUDIO_API_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = settings.STUDIO_API_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = ApiToken.authenticate(token)
        if found is not None:
            request.user = found.user
            _read_body(request)
        return found


def body_limit() -> int:
    """The largest body the API reads: as many reference images as a request may carry, each at
    the upload limit and a third larger as base64 in a data: URI, and a megabyte for the rest."""
    images = max(validation.MAX_IMAGE_REFERENCES, validation.MAX_VIDEO_REFERENCES)
    return math.ceil(images * settings.STUDIO_MAX_UPLOAD_MB * 1024 * 1024 * 4 / 3) + 1024 * 1024


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # as Django reads it: no body


def _too_large() -> ApiError:
    limit = body_limit() / 1024 / 1024
    return ApiError(
        413, "body_too_large",
        f"The body is larger than the {limit:.0f} MB this API reads; each image may be "
        f"{settings.STUDIO_MAX_UPLOAD_MB} MB.",
    )  # fmt: skip


def _read_body(request: HttpRequest) -> None:
    """Read a known caller's body up to the API's own limit.

    The site's DATA_UPLOAD_MAX_MEMORY_SIZE stays small for the pages' forms, whose
    files stream to disk; a JSON body carries its images inline, so the API reads
    up to `body_limit()` itself, and only once the token is known to be good.
    """
    if _content_length(request) == 0 or hasattr(request, "_body"):
        return
    limit = body_limit()
    body = request.read(limit + 1)
    if len(body) > limit:
        raise _too_large()
    request._body = body  # what request.body answers from now on (Django's own cache of it)


class JsonParser(Parser):
    """JSON as RFC 8259 has it, UTF-8 only; text that no database or xAI call takes is
    refused here, whatever field it is in."""

    def parse_body(self, request: HttpRequest):
        try:
            data = json.loads(request.body.decode("utf-8"))
        except UnicodeDecodeError:
            raise ApiError(400, "bad_request", "The request body is not UTF-8 text.") from None
        except ValueError as exc:
            message = f"The request body is not valid JSON: {getattr(exc, 'msg', exc)}."
            raise ApiError(400, "bad_request", message) from None
        errors = [
            {"field": field, "code": error.code, "message": error.messages[0]}
            for field, error in _bad_text(data)
        ]
        if errors:
            first = errors[0]
            where = first["field"] or "body"
            raise ApiError(422, "invalid_request", f"{where}: {first['message']}", errors=errors)
        return data


def _bad_text(value, where: str = ""):
    """(field, ValidationError) for each string in a parsed body that is not storable text."""
    if isinstance(value, str):
        try:
            validation.check_text(value)
        except DjangoValidationError as error:
            yield where, error  # "" is the request as a whole, as a key of its own is
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _bad_text(item, f"{where}[{position}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _bad_text(key, where)
            yield from _bad_text(item, f"{where}.{key}" if where else str(key))


api = NinjaAPI(
    title="Grok Studio task API",
    version="1",
    description=__doc__,
    auth=TokenAuth(),
    urls_namespace="xai",
    docs_url="/docs",
    docs=Swagger(settings={"displayOperationId": True}),
    openapi_url="/openapi.json",
    # Swagger UI's stylesheet draws its arrows and icons as data: images.
    docs_decorator=csp_update({"img-src": ["data:"]}),
    # Per token: a runaway script gets 429 with Retry-After, not the whole queue.
    throttle=[TokenThrottle()],
    parser=JsonParser(),
)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def _error(request, status: int, code: str, message: str, **extra) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    response = _error(request, exc.status, exc.code, exc.message, **exc.extra)
    if exc.status == 503:  # the storage, as the pages say of it too, may well work again in a moment
        response["Retry-After"] = str(downloads.RETRY_AFTER_S)
    return response


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    response = _error(request, 401, "unauthorized", "Send a valid API token: Authorization: Bearer <token>.")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Throttled)
def _throttled(request, exc: Throttled):
    wait = max(1, int(exc.wait or 1) + (0 if float(exc.wait or 1).is_integer() else 1))
    response = _error(request, 429, "rate_limited", f"Too many requests for this token; retry in {wait} s.")
    response["Retry-After"] = str(wait)
    return response


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, ApiError):  # the parser's own refusal, which ninja wraps
        return _api_error(request, exc.__cause__)
    if exc.status_code == 400:
        return _error(request, 400, "bad_request", "The request body is not valid JSON.")
    return _error(request, exc.status_code, "error", str(exc))


@api.exception_handler(RequestDataTooBig)
def _request_too_big(request, exc):
    return _api_error(request, _too_large())


def _json_bodies_only(run):
    """On the routes that read a body, from the headers alone, before the token is checked: the
    body is JSON in UTF-8 (else 415) and no larger than the API reads (else 413, never read)."""

    @wraps(run)
    def checked(request: HttpRequest, *args, **kwargs):
        if _content_length(request):
            charset = request.content_params.get("charset", "utf-8").lower().replace("_", "-")
            if request.content_type.lower() != "application/json" or charset not in ("utf-8", "utf8"):
                message = "Send the body as JSON in UTF-8, with Content-Type: application/json."
                return _error(request, 415, "unsupported_media_type", message)
            if _content_length(request) > body_limit():
                return _api_error(request, _too_large())
        return run(request, *args, **kwargs)

    return checked


def _field(location) -> str:
    """A validation error's field as the request names it, as the studio's own refusals do:
    ("body", "payload", "keyframes", 0, "image") -> "keyframes[0].image"."""
    parts = list(location)
    while parts and parts[0] in ("body", "query", "path", "payload"):
        parts.pop(0)
    field = ""
    for part in parts:
        field += f"[{part}]" if isinstance(part, int) else f".{part}" if field else str(part)
    return field


# The schema's refusals (pydantic's error types) in the studio's words: the codes its own checks
# and Django's forms use, and a sentence that names nothing of the code behind them. A type not
# here is `invalid`, with a sentence of the same kind.
SCHEMA_ERRORS = {
    "missing": ("required", None),  # the field's own sentence (validation.REQUIRED) or Django's
    "string_type": ("invalid", "Expected text (a JSON string)."),
    "int_type": ("invalid", "Expected a whole number."),
    "int_parsing": ("invalid", "Expected a whole number."),
    "float_type": ("invalid", "Expected a number."),
    "float_parsing": ("invalid", "Expected a number."),
    "bool_type": ("invalid", "Expected true or false."),
    "bool_parsing": ("invalid", "Expected true or false."),
    "list_type": ("invalid", "Expected a list."),
    "model_type": ("invalid", "Expected an object."),
    "model_attributes_type": ("invalid", "Expected an object."),
    "dict_type": ("invalid", "Expected an object."),
}
# Types the schemas raise themselves (PydanticCustomError): already the studio's code and words.
OWN_SCHEMA_ERRORS = ("invalid", "unknown_field")
UNKNOWN_SCHEMA_ERROR = ("invalid", "This value is not valid here.")


def _schema_error(error: dict) -> dict:
    field, kind = _field(error.get("loc", ())), error.get("type", "")
    if kind in OWN_SCHEMA_ERRORS:
        code, message = kind, error.get("msg", "")
    else:
        code, message = SCHEMA_ERRORS.get(kind, UNKNOWN_SCHEMA_ERROR)
    if code == "required":
        message = validation.REQUIRED.get(field, Field.default_error_messages["required"])
    return {"field": field, "code": code, "message": message}


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    errors = [_schema_error(e) for e in exc.errors] or [_schema_error({"loc": ()})]
    where, first = errors[0]["field"] or "body", errors[0]["message"]
    return _error(request, 422, "invalid_request", f"{where}: {first}", errors=errors)


@api.exception_handler(Http404)
def _not_found(request, exc):
    what = "file" if request.resolver_match and request.resolver_match.url_name == "file" else "task"
    return _error(request, 404, "not_found", f"No such {what} in your studio.")


# --- presets -------------------------------------------------------------------------------------

# A preset's options (the create form's names) as the task API names them.
PRESET_FIELDS = {"model": "model", "aspect_ratio": "aspectRatio", "resolution": "resolution", "n": "n",
                 "quality": "quality", "mode": "mode", "duration": "duration", "audio": "audio",
                 "voices": "voices"}  # fmt: skip


def _with_preset(request: HttpRequest, payload: Lenient, kind: str) -> Lenient:
    """The request with its preset applied: fields given explicitly win, the prompt is wrapped.
    What comes out is checked as any request is (studio.validation)."""
    if payload.preset is None:
        return payload
    preset = selectors.preset_named(request.user, payload.preset, kind)
    if preset is None:
        raise _refused("preset", f"No {kind} preset called “{payload.preset}”.", "unknown_preset")
    given = payload.model_fields_set
    changes = {
        PRESET_FIELDS[name]: value or None if name == "aspect_ratio" else value
        for name, value in preset.options.items()
        if name in PRESET_FIELDS
        and PRESET_FIELDS[name] not in given
        and hasattr(payload, PRESET_FIELDS[name])
    }
    applied = payload.model_copy(update={**changes, "prompt": preset.wrap(payload.prompt)})
    if kind == "video":  # what it brings that the task's model, mode and sound take none of is dropped
        usable = validation.fit_preset(
            preset.options, applied.model, _video_mode(applied), audio=applied.audio
        )
        dropped = {PRESET_FIELDS.get(name) for name in preset.options.keys() - usable.keys()}
        applied = applied.model_copy(
            update={field: getattr(payload, field) for field in dropped & changes.keys()}
        )
    return applied


def _video_mode(payload: VideoTaskIn) -> str:
    """The task's mode: as named, else image when it brings images, else text."""
    return payload.mode or ("image" if payload.images else "text")


# --- references ----------------------------------------------------------------


def _references(images: list[str | int], limit: int) -> tuple[list[ContentFile], list[str]]:
    """Files from data: URIs and from allowed URLs, and gallery ids; more than `limit` are
    refused before any is decoded or fetched."""
    if len(images) > limit:
        message = validation.MESSAGES["too_many_files"] % {"limit": limit, "count": len(images)}
        raise _refused("images", message, "too_many_files")
    files, ids = [], []
    for position, image in enumerate(images):
        found = _image(f"images[{position}]", image, f"reference-{position + 1}")
        (ids if isinstance(found, str) else files).append(found)
    return files, ids


def _image(field: str, image: str | int, name: str) -> ContentFile | str:
    """One image of a request: a gallery id (as text), or the file of a data: URI or an allowed URL."""
    value = str(image)
    if validation.plausible_id(value):
        return value
    if value.lower().startswith(("http://", "https://")):
        return _fetched(field, value, name)
    match = DATA_URI.match(value)
    if not match:
        raise _bad_image(field, "expected a data: URI, a gallery id or an http(s) URL")
    try:
        data = base64.b64decode(match["data"], validate=True)
    except (binascii.Error, ValueError):
        raise _bad_image(field, "the base64 data is damaged") from None
    return ContentFile(data, name=name)


def _bad_image(field: str, why: str, code: str = "invalid_image") -> ApiError:
    """A refused image, named as the request names it (`images[0]`, `keyframes[1].image`)."""
    errors = [{"field": field, "code": code, "message": f"{why[0].upper()}{why[1:]}."}]
    return ApiError(422, code, f"{field}: {why}.", errors=errors)


def _fetched(field: str, url: str, name: str) -> ContentFile:
    """An image named by URL, fetched only from a host the administrator allows (outbound.py)."""
    if not settings.STUDIO_API_FETCH_HOSTS:
        why = "this studio fetches no URLs; send the image as a data: URI or give the id of a gallery image"
        raise _bad_image(field, why, "url_not_allowed")
    try:
        data, _ = outbound.fetch_image(url)
    except outbound.NotAllowed as exc:
        raise _bad_image(field, str(exc), "url_not_allowed") from None
    except outbound.FetchError as exc:
        raise _bad_image(field, f"could not fetch the image: {exc}", "fetch_failed") from None
    return ContentFile(data, name=name)


def _keyframes(keyframes: list, model_name: str) -> list[dict]:
    """The request's keyframes as the shared check takes them: an upload or a gallery id, and a
    time. More than the model takes are refused before any is decoded or fetched."""
    model = catalog.VIDEO_MODELS.get(model_name)
    limit = model.max_keyframes if model and model.max_keyframes else catalog.max_keyframes()
    if len(keyframes) > limit:
        label = model.label if model else "A video model"
        message = validation.MESSAGES["too_many_keyframes"] % {"model": label, "limit": limit}
        raise _refused("keyframes", message, "too_many_keyframes")
    found = []
    for position, keyframe in enumerate(keyframes):
        image = _image(f"keyframes[{position}].image", keyframe.image, f"keyframe-{position + 1}")
        found.append({
            "image": None if isinstance(image, str) else image,
            "image_asset": image if isinstance(image, str) else None,
            "time_s": keyframe.timeS,
        })  # fmt: skip
    return found


# The create forms' field names as a task request spells them.
API_FIELDS = {
    "aspect_ratio": "aspectRatio", "references": "images", "reference_assets": "images", "image": "images",
    "image_asset": "images", "video": "videoAssetId", "video_asset": "videoAssetId", NON_FIELD_ERRORS: "",
}  # fmt: skip
# The API's code for a refusal, by its ValidationError code; any other is invalid_request.
API_CODES = {"over_budget": "over_budget", "invalid_image": "invalid_image"}


def _api_field(name: str, error: DjangoValidationError) -> str:
    """The request's name for a refused field; a gallery item that is not the person's, refused
    above the form rather than at a field, is the field that named it."""
    if error.code == "not_in_gallery" and name == NON_FIELD_ERRORS:
        return "videoAssetId" if error.params["kind"] == "video" else "images"
    return API_FIELDS.get(name, name)


def _refusal(exc: DjangoValidationError) -> ApiError:
    """A refused request as JSON: the first problem's code and message, and every problem by field."""
    refusals = [(_api_field(name, error), error) for name, found in exc.update_error_dict({}).items()
                for error in found]  # fmt: skip
    errors = [
        {"field": field, "code": error.code or "invalid", "message": message}
        for field, error in refusals
        for message in error
    ]
    field, first = refusals[0]
    message = f"{field}: {errors[0]['message']}" if field else errors[0]["message"]
    return ApiError(422, API_CODES.get(first.code, "invalid_request"), message, errors=errors)


# --- submitting: idempotency, the pending cap, the budget --------------------------


def _replay(request: HttpRequest, sent: dict) -> dict | None:
    """The task a previous POST with this Idempotency-Key made, or None for a new request.
    `sent` is the request as the API reads it (`Lenient.known`), before a preset fills it in."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    try:
        generation = idempotency.earlier(request.user, key, request.path, sent)
    except idempotency.Conflict as exc:
        raise ApiError(409, "idempotency_conflict", str(exc)) from None
    except idempotency.BadKey as exc:
        raise _refused("Idempotency-Key", str(exc), "bad_idempotency_key") from None
    return None if generation is None else task_json(_base_url(request), generation)


def _submit(request: HttpRequest, payload: Lenient, sent: dict, check, submit, data: dict) -> dict:
    """Check the request, then submit it once, with its callback; answers the new task. The
    Idempotency-Key is kept with `sent`, as `_replay` compares it."""
    try:
        data = check(request.user, data)
    except DjangoValidationError as exc:
        raise _refusal(exc) from None
    active = Generation.objects.filter(user=request.user).active().count()
    if active >= settings.STUDIO_API_MAX_PENDING:
        raise ApiError(
            429, "too_many_pending",
            f"You have {active} tasks waiting or at work; the limit is {settings.STUDIO_API_MAX_PENDING}. "
            "Wait for some to finish.",
        )  # fmt: skip
    if payload.callBackUrl is not None:
        try:
            callbacks.check_url(payload.callBackUrl)
        except outbound.NotAllowed as exc:
            why = f"{str(exc)[0].upper()}{str(exc)[1:]}."
            errors = [{"field": "callBackUrl", "code": "callback_not_allowed", "message": why}]
            raise ApiError(422, "callback_not_allowed", f"callBackUrl: {exc}.", errors=errors) from None

    @transaction.atomic
    def submit_with_callback() -> Generation:
        # One transaction: a task that ends at once still finds its callback.
        generation = submit(request.user, data)
        if payload.callBackUrl is not None:
            callbacks.register(generation, request.auth, payload.callBackUrl, _base_url(request))
        return generation

    key = request.headers.get("Idempotency-Key")
    try:
        if key is None:
            generation = submit_with_callback()
        else:
            generation = idempotency.submit_once(request.user, key, request.path, sent, submit_with_callback)
    except DjangoValidationError as exc:  # the budget, checked under a lock
        raise _refusal(exc) from None
    except services.StorageUnavailable as exc:
        raise ApiError(503, exc.code, exc.message) from None
    except idempotency.Conflict as exc:
        raise ApiError(409, "idempotency_conflict", str(exc)) from None
    return task_json(_base_url(request), selectors.get_generation_for_user(request.user, generation.pk))


# --- endpoints -------------------------------------------------------------------

# What each refusal means; every one answers the Error schema.
ERRORS = {
    400: "bad_request: the body is not JSON, or not UTF-8.",
    401: "unauthorized: no valid API token (`Authorization: Bearer <token>`).",
    404: "not_found: no such task or file in your studio (another person's is not found either).",
    409: "not_cancellable: the task has ended; idempotency_conflict: an Idempotency-Key reused with "
    "another body.",
    413: "body_too_large: the body is larger than the API reads (refused from its Content-Length). The "
    "token check reads a body sent with any request, so a read may answer it too.",
    415: "unsupported_media_type: the body is not application/json in UTF-8.",
    422: "invalid_request, invalid_image, url_not_allowed, fetch_failed, callback_not_allowed, over_budget: "
    "the request was refused; `errors` names each field, the rule it broke (`code`) and what is wrong.",
    429: "rate_limited: too many requests for this token, try again after Retry-After seconds; "
    "too_many_pending (creating): too many of your tasks are waiting or at work.",
    503: "storage_unavailable: the studio's storage cannot keep or read files now; try again later.",
}
# An Error as each status answers it, for the docs.
ERROR_EXAMPLES = {
    400: ("bad_request", "The request body is not valid JSON: Expecting value."),
    401: ("unauthorized", "Send a valid API token: Authorization: Bearer <token>."),
    404: ("not_found", "No such task in your studio."),
    409: ("not_cancellable", "The task is completed; it cannot be cancelled now."),
    413: ("body_too_large", _too_large().message),
    415: ("unsupported_media_type", "Send the body as JSON in UTF-8, with Content-Type: application/json."),
    429: ("rate_limited", "Too many requests for this token; retry in 12 s."),
    503: ("storage_unavailable", services.StorageUnavailable.message),
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "With rate_limited: seconds to wait before the next request.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
STORAGE_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def _answers(*statuses: int, ok=TaskOut) -> dict:
    """ninja's `response=`: the success schema and the Error schema for each refusal."""
    return {200: ok, **{status: Error for status in statuses}}


def _error_example(code: str, message: str) -> dict:
    return {"application/json": {"example": {"code": code, "message": message}}}


def _documented(description: str, *statuses: int, **extra) -> dict:
    """openapi_extra: each refusal's meaning, Retry-After on 429 and 503, and the operation's own extras."""
    # ninja keys its responses by int status; the same keys here merge into them.
    responses = {status: {"description": ERRORS[status]} for status in statuses}
    for status in set(statuses) & set(ERROR_EXAMPLES):  # 422's example is the Error schema's own
        responses[status]["content"] = _error_example(*ERROR_EXAMPLES[status])
    if 429 in statuses:
        responses[429]["headers"] = RETRY_AFTER
    if 503 in statuses:
        responses[503]["headers"] = STORAGE_RETRY_AFTER
    responses.update(extra.pop("responses", {}))
    return {"description": description, "responses": responses, **extra}


def _param(schema: dict, description: str, example) -> WithJsonSchema:
    # `example`, not `examples`: ninja copies the key onto the parameter, where OpenAPI wants
    # `examples` to be a map of Example objects (a list there breaks generated clients).
    return WithJsonSchema({**schema, "description": description, "example": example})


# Query parameters as published: absent when not given (never null). `Query(None)`, not `= None`:
# ninja would publish the latter as `anyOf: [..., null]` and leave the parameter undescribed.
TaskIdQuery = Annotated[str, _param({"type": "string", "pattern": ID_DIGITS}, "One task's id.", "42")]
StatusQuery = Annotated[
    str, _param({"type": "string", "enum": list(TASK_STATUSES)}, "Only tasks in this status.", "completed")
]
KindQuery = Annotated[
    str, _param({"type": "string", "enum": list(TASK_KINDS)}, "Only image or only video tasks.", "image")
]
CursorQuery = Annotated[
    str,
    _param(
        {"type": "string", "pattern": CURSOR_PATTERN},
        "The previous page's `nextCursor`; empty starts from the newest.",
        "20250601120000000000-42",
    ),
]  # fmt: skip
LimitQuery = Annotated[
    int,
    _param(
        {"type": "integer", "minimum": PAGE_SIZES[0], "maximum": PAGE_SIZES[-1]},
        f"Tasks per page, {PAGE_SIZES[0]} to {PAGE_SIZES[-1]}.", 20,
    ),
]  # fmt: skip
AssetIdPath = Annotated[
    int, _param({"type": "integer", "minimum": 1, "maximum": MAX_ID}, "A result's assetId.", 7)
]
TaskIdPath = Annotated[str, _param({"type": "string", "pattern": ID_DIGITS}, "The task's taskId.", "42")]


CREATE_ERRORS = (400, 401, 409, 413, 415, 422, 429, 503)


@api.post(
    "/images",
    response=_answers(*CREATE_ERRORS),
    operation_id="createImageTask",
    tags=["images"],
    summary="Start an image task",
    openapi_extra=_documented(
        "Generate 1 to 10 images from a prompt, or edit from reference images. The answer is the new task "
        "(status pending); poll GET /xai/tasks/{taskId} until it has ended. Send `Idempotency-Key` to retry "
        "safely: the same key and body answer the first task.",
        *CREATE_ERRORS,
    ),
)
@decorate_view(_json_bodies_only)
def create_images(request: HttpRequest, payload: ImageTaskIn):
    sent = payload.known()
    if (earlier := _replay(request, sent)) is not None:
        return earlier
    payload = _with_preset(request, payload, "image")
    files, ids = _references(payload.images, validation.MAX_IMAGE_REFERENCES)
    data = {
        "prompt": payload.prompt, "model": payload.model, "aspect_ratio": payload.aspectRatio or "",
        "resolution": payload.resolution.lower(), "n": payload.n, "quality": payload.quality or "",
        "references": files, "reference_assets": ids,
    }  # fmt: skip
    check, submit = validation.check_image_request, services.submit_image_generation
    return _submit(request, payload, sent, check, submit, data)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _task_pk(task_id: str) -> int:
    if not validation.plausible_id(task_id):
        raise Http404
    return int(task_id)


def _task(request: HttpRequest, task_id: str) -> dict:
    return task_json(_base_url(request), selectors.get_generation_for_user(request.user, _task_pk(task_id)))


@api.get(
    "/tasks/{task_id}",
    response=_answers(401, 404, 413, 429),
    operation_id="getTask",
    tags=["tasks"],
    summary="One task",
    openapi_extra=_documented(
        "The task's status and progress; once completed, its results, whose URLs download with the same "
        "token; after a failure, errorCode and errorMessage.",
        401,
        404,
        413,
        429,
    ),
)
def get_task(request: HttpRequest, task_id: TaskIdPath):
    return _task(request, task_id)


# The task API's status words, each with the studio's states it stands for.
STATES_BY_WORD = {word: [s for s, w in STATUS_WORDS.items() if w == word] for word in TASK_STATUSES}


@api.get(
    "/tasks",
    response=_answers(401, 404, 413, 422, 429, ok=TaskOut | TaskListOut),
    operation_id="listTasks",
    tags=["tasks"],
    summary="One task by ?taskId=, or your tasks newest first",
    openapi_extra=_documented(
        "With `taskId`, that task, as GET /xai/tasks/{taskId} answers it (the hosted API's way). Without, "
        "a page of your tasks, newest first, filtered by `status` and `kind`; pass `nextCursor` back as "
        "`cursor` for the next page.",
        401,
        404,
        413,
        422,
        429,
        responses={
            200: {
                "content": {
                    "application/json": {
                        "example": TaskListOut.model_config["json_schema_extra"]["examples"][0]
                    }
                }
            }
        },
    ),
)
def get_tasks(
    request: HttpRequest,
    taskId: TaskIdQuery = Query(None),
    status: StatusQuery = Query(None),
    kind: KindQuery = Query(None),
    cursor: CursorQuery = Query(None),
    limit: LimitQuery = 20,
):
    if status is not None and status not in STATES_BY_WORD:
        raise _refused("status", f"One of {', '.join(sorted(STATES_BY_WORD))}.", "invalid_choice")
    if kind is not None and kind not in TASK_KINDS:
        raise _refused("kind", "Image or video.", "invalid_choice")
    if limit not in PAGE_SIZES:
        raise _refused("limit", f"{PAGE_SIZES[0]} to {PAGE_SIZES[-1]}.", "out_of_range")
    position = selectors.decode_cursor(cursor) if cursor else None
    if cursor and position is None:
        raise _refused("cursor", "Use the nextCursor of a previous page.", "bad_cursor")
    if taskId is not None:  # the other parameters are checked all the same: the schema names them
        return _task(request, taskId)
    rows = Generation.objects.filter(user=request.user).order_by("-created_at", "-id")
    if status is not None:
        rows = rows.filter(status__in=STATES_BY_WORD[status])
    if kind is not None:
        rows = rows.filter(kind=kind)
    if position is not None:
        created_at, pk = position
        rows = rows.filter(created_at__lte=created_at).exclude(created_at=created_at, pk__gte=pk)
    page = list(rows.prefetch_related("outputs")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {
        "tasks": [task_json(_base_url(request), g) for g in page],
        "nextCursor": selectors.encode_cursor(page[-1]) if more else None,
    }


@api.post(
    "/tasks/{task_id}/cancel",
    response=_answers(401, 404, 409, 413, 429),
    operation_id="cancelTask",
    tags=["tasks"],
    summary="Stop waiting for a task",
    openapi_extra=_documented(
        "Cancel a task that is waiting or at work; the answer is the task, now cancelled. A task that has "
        "ended answers 409 not_cancellable.",
        401,
        404,
        409,
        413,
        429,
    ),
)
def cancel_task(request: HttpRequest, task_id: TaskIdPath):
    generation = selectors.get_generation_for_user(request.user, _task_pk(task_id))
    if not generation.cancel():
        word = STATUS_WORDS[generation.status]
        raise ApiError(409, "not_cancellable", f"The task is {word}; it cannot be cancelled now.")
    return task_json(_base_url(request), selectors.get_generation_for_user(request.user, generation.pk))


FILE = {"schema": {"type": "string", "format": "binary"}}
FILE_TYPES = {"image/*": FILE, "video/*": FILE}


@api.get(
    "/files/{asset_id}",
    response={status: Error for status in (401, 404, 413, 422, 429, 503)},
    url_name="file",
    operation_id="downloadResult",
    tags=["files"],
    summary="Download a result file",
    openapi_extra=_documented(
        "A completed task's file, by the `url` in its `results`, as an attachment named after its prompt. "
        "Send `Range: bytes=...` for part of it (206).",
        401,
        404,
        413,
        422,
        429,
        503,
        responses={
            200: {"description": "The whole file.", "content": FILE_TYPES},
            404: {
                "description": ERRORS[404],
                "content": _error_example("not_found", "No such file in your studio."),
            },
            503: {
                "description": ERRORS[503],
                "content": _error_example(downloads.Unreadable.code, downloads.Unreadable.message),
                "headers": STORAGE_RETRY_AFTER,
            },
            206: {"description": "The bytes a Range header asked for.", "content": FILE_TYPES},
            416: {"description": "The Range asked for lies beyond the file's end."},
        },
    ),
)
def get_file(request: HttpRequest, asset_id: AssetIdPath):
    asset = selectors.get_asset_for_user(request.user, asset_id)
    try:
        return downloads.attachment(request, asset)
    except downloads.Unreadable:
        raise ApiError(503, downloads.Unreadable.code, downloads.Unreadable.message) from None


@api.post(
    "/videos",
    response=_answers(*CREATE_ERRORS),
    operation_id="createVideoTask",
    tags=["videos"],
    summary="Start a video task",
    openapi_extra=_documented(
        "Generate a video from a prompt (mode text), an image (image), references (reference), or edit or "
        "extend a clip of your gallery (video, extend). The answer is the new task; poll it as for images. "
        "`Idempotency-Key` works as for images.",
        *CREATE_ERRORS,
    ),
)
@decorate_view(_json_bodies_only)
def create_video(request: HttpRequest, payload: VideoTaskIn):
    sent = payload.known()
    if (earlier := _replay(request, sent)) is not None:
        return earlier
    payload = _with_preset(request, payload, "video")
    files, ids = _references(payload.images, validation.MAX_VIDEO_REFERENCES)
    mode = _video_mode(payload)
    data = {
        "mode": mode, "prompt": payload.prompt, "model": payload.model, "duration": payload.duration,
        "aspect_ratio": payload.aspectRatio or "", "resolution": (payload.resolution or "").lower(),
        "audio": payload.audio, "video_asset": payload.videoAssetId, "voices": payload.voices,
    }  # fmt: skip
    for field, modes in (("keyframes", Mode.KEYFRAMES), ("voices", Mode.VOICES)):
        if getattr(payload, field) and mode in validation.VIDEO_FIELDS["mode"] and mode not in modes:
            raise _refused(
                field, f"Mode {mode} takes no {field}; modes {', '.join(modes)} do.", "not_for_mode"
            )
    data["keyframes"] = _keyframes(payload.keyframes, payload.model)
    if mode == "image":
        if len(files) + len(ids) > 1:
            raise _refused("images", "Image to video starts from one image.", "one_image")
        data["image"], data["image_asset"] = (files or [None])[0], (ids or [None])[0]
    elif mode == "reference":
        data["references"], data["reference_assets"] = files, ids
    elif payload.images:
        raise _refused("images", f"Mode {mode} takes no images.", "not_for_mode")
    check, submit = validation.check_video_request, services.submit_video_generation
    return _submit(request, payload, sent, check, submit, data)


def _refused(field: str, message: str, code: str) -> ApiError:
    """A 422 at one field; `code` names the rule it broke (the request as a whole is invalid_request)."""
    errors = [{"field": field, "code": code, "message": message}]
    return ApiError(422, "invalid_request", f"{field}: {message}", errors=errors)
