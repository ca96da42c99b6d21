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

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle
from pydantic import Field, StrictBool, StrictInt, StrictStr

from grokstudio.api import callbacks, idempotency, outbound
from grokstudio.api.models import ApiToken
from grokstudio.api.schemas import STATUS_WORDS, TaskOut, task_json
from grokstudio.studio import catalog, selectors, services, validation
from grokstudio.studio.models import Generation
from grokstudio.studio.web import downloads

DATA_URI = re.compile(r"^data:(?P<type>image/[a-z0-9.+-]+);base64,(?P<data>.*)$", re.S | re.I)


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
        errors = [{"field": field, "message": error.messages[0]} for field, error in _bad_text(data)]
        if errors:
            first = errors[0]
            raise ApiError(422, "invalid_request", f"{first['field']}: {first['message']}", errors=errors)
        return data


def _bad_text(value, where: str = ""):
    """(field, ValidationError) for each string in a parsed body that is not storable text."""
    if isinstance(value, str):
        try:
            validation.check_text(value)
        except DjangoValidationError as error:
            yield where or "body", error
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _bad_text(item, f"{where}[{position}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _bad_text(key, where or "body")
            yield from _bad_text(item, f"{where}.{key}" if where else str(key))


api = NinjaAPI(
    title="Grok Studio task API",
    version="1",
    description=__doc__,
    auth=TokenAuth(),
    urls_namespace="xai",
    docs_url="/docs",
    openapi_url="/openapi.json",
    # Per token: a runaway script gets 429 with Retry-After, not the whole queue.
    throttle=[TokenThrottle()],
    parser=JsonParser(),
)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


class ErrorOut(Schema):
    code: str
    message: str


def _error(request, status: int, code: str, message: str, **extra) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return _error(request, exc.status, exc.code, exc.message, **exc.extra)


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
    """A validation error's field as the request names it ("body.payload.prompt" -> "prompt")."""
    parts = [str(part) for part in location]
    while parts and parts[0] in ("body", "query", "path", "payload"):
        parts.pop(0)
    return ".".join(parts)


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    where = _field(first.get("loc", ())) or "body"
    errors = [{"field": _field(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors]
    message = f"{where}: {first.get('msg', 'invalid value')}"
    return _error(request, 422, "invalid_request", message, errors=errors)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", "No such task in your studio.")


# --- schemas -------------------------------------------------------------------


CALLBACK_HELP = (
    "When the task ends, its final JSON (as GET /xai/tasks/{taskId} answers) is POSTed here once, signed: "
    "X-Studio-Signature: sha256=HMAC-SHA256(body) under your token's signing secret. Only hosts the "
    "studio's administrator allows."
)


# Strict types: "5" and true are not numbers, 1 is not a boolean.
class ImageTaskIn(Schema):
    prompt: StrictStr = Field(..., description="What to draw, at most 1,000 characters.")
    model: StrictStr = Field(catalog.DEFAULT_IMAGE_MODEL, description="An image model of the studio's table.")
    aspectRatio: StrictStr | None = Field(
        None, description="e.g. 1:1, 16:9; omit to keep a reference's shape."
    )
    resolution: StrictStr = Field(catalog.DEFAULT_IMAGE_RESOLUTION, description="1k or 2k.")
    n: StrictInt = Field(1, description="How many images, 1 to 10.")
    images: list[StrictStr | StrictInt] = Field(
        default_factory=list,
        description="References: data: URIs (PNG, JPEG, WebP), ids of your own gallery images, or "
        "http(s) URLs on hosts the studio's administrator allows.",
    )
    preset: StrictStr | None = Field(
        None,
        description="The name of one of your presets (or one published for everyone): its options fill "
        "the fields you leave out, and its words wrap the prompt.",
    )
    callBackUrl: StrictStr | None = Field(None, description=CALLBACK_HELP)


class VideoTaskIn(Schema):
    prompt: StrictStr = Field(..., description="What happens, at most 1,000 characters.")
    model: StrictStr = Field(catalog.DEFAULT_VIDEO_MODEL, description="A video model of the studio's table.")
    mode: StrictStr | None = Field(
        None,
        description="text, image, video, reference or extend; by default image when `images` is given, "
        "else text.",
    )
    duration: StrictInt | None = Field(6, description="Seconds (6 by default).")
    aspectRatio: StrictStr | None = Field(
        catalog.DEFAULT_VIDEO_ASPECT_RATIO, description="e.g. 16:9, 9:16, 1:1."
    )
    resolution: StrictStr | None = Field("720P", description="480P, 720P or 1080P (any case).")
    audio: StrictBool = Field(True, description="Generate sound.")
    images: list[StrictStr | StrictInt] = Field(
        default_factory=list,
        description="mode image: the starting image; mode reference: 1 to 7 references. data: URIs, ids "
        "of your own gallery images, or http(s) URLs on hosts the administrator allows.",
    )
    videoAssetId: StrictInt | None = Field(None, description="mode video or extend: a clip of your gallery.")
    preset: StrictStr | None = Field(
        None,
        description="The name of one of your presets (or one published for everyone): its options fill "
        "the fields you leave out, and its words wrap the prompt.",
    )
    callBackUrl: StrictStr | None = Field(None, description=CALLBACK_HELP)


# --- presets -------------------------------------------------------------------------------------

# A preset's options (the create form's names) as the task API names them.
PRESET_FIELDS = {"model": "model", "aspect_ratio": "aspectRatio", "resolution": "resolution", "n": "n",
                 "mode": "mode", "duration": "duration", "audio": "audio"}  # fmt: skip


def _with_preset(request: HttpRequest, payload: Schema, kind: str) -> Schema:
    """The request with its preset applied: fields given explicitly win, the prompt is wrapped.
    What comes out is checked as any request is (studio.validation)."""
    if payload.preset is None:
        return payload
    preset = selectors.preset_named(request.user, payload.preset, kind)
    if preset is None:
        message = f"no {kind} preset called “{payload.preset}”."
        raise ApiError(
            422, "invalid_request", f"preset: {message}", errors=[{"field": "preset", "message": message}]
        )
    given = payload.model_fields_set
    changes = {
        PRESET_FIELDS[name]: value or None if name == "aspect_ratio" else value
        for name, value in preset.options.items()
        if name in PRESET_FIELDS
        and PRESET_FIELDS[name] not in given
        and hasattr(payload, PRESET_FIELDS[name])
    }
    return payload.model_copy(update={**changes, "prompt": preset.wrap(payload.prompt)})


# --- references ----------------------------------------------------------------


def _references(images: list[str | int]) -> tuple[list[ContentFile], list[str]]:
    """Files from data: URIs and from allowed URLs, and gallery ids."""
    files, ids = [], []
    for position, image in enumerate(images):
        value = str(image).strip()
        if value.isascii() and value.isdigit():
            ids.append(value)
            continue
        if value.lower().startswith(("http://", "https://")):
            files.append(_fetched(position, value))
            continue
        match = DATA_URI.match(value)
        if not match:
            raise ApiError(422, "invalid_image", f"images[{position}]: expected a data: URI or a gallery id.")
        try:
            data = base64.b64decode(match["data"], validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(422, "invalid_image", f"images[{position}]: the base64 data is damaged.") from None
        files.append(ContentFile(data, name=f"reference-{position + 1}"))
    return files, ids


def _fetched(position: int, url: str) -> ContentFile:
    """A reference named by URL, fetched only from a host the administrator allows (outbound.py)."""
    if not settings.STUDIO_API_FETCH_HOSTS:
        raise ApiError(
            422, "url_not_allowed",
            f"images[{position}]: this studio fetches no URLs; send the image as a data: URI "
            "or give the id of an image in your gallery.",
        )  # fmt: skip
    try:
        data, _ = outbound.fetch_image(url)
    except outbound.NotAllowed as exc:
        raise ApiError(422, "url_not_allowed", f"images[{position}]: {exc}.") from None
    except outbound.FetchError as exc:
        message = f"images[{position}]: could not fetch the image: {exc}."
        raise ApiError(422, "fetch_failed", message) from None
    return ContentFile(data, name=f"reference-{position + 1}")


# The create forms' field names as a task request spells them.
API_FIELDS = {
    "aspect_ratio": "aspectRatio", "references": "images", "reference_assets": "images", "image": "images",
    "image_asset": "images", "video": "videoAssetId", "video_asset": "videoAssetId", NON_FIELD_ERRORS: "",
}  # fmt: skip
# The API's code for a refusal, by its ValidationError code; any other is invalid_request.
API_CODES = {"over_budget": "over_budget"}


def _refusal(exc: DjangoValidationError) -> ApiError:
    """A refused request as JSON: the first problem's code and message, and every problem by field."""
    refusals = [(API_FIELDS.get(name, name), error) for name, found in exc.update_error_dict({}).items()
                for error in found]  # fmt: skip
    errors = [{"field": field, "message": message} for field, error in refusals for message in error]
    field, first = refusals[0]
    message = f"{field}: {errors[0]['message']}" if field else errors[0]["message"]
    return ApiError(422, API_CODES.get(first.code, "invalid_request"), message, errors=errors)


# --- submitting: idempotency, the pending cap, the budget --------------------------


def _replay(request: HttpRequest, payload: Schema) -> dict | None:
    """The task a previous POST with this Idempotency-Key made, or None for a new request."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    try:
        generation = idempotency.earlier(request.user, key, request.path, payload.model_dump(mode="json"))
    except idempotency.Conflict as exc:
        raise ApiError(409, "idempotency_conflict", str(exc)) from None
    except idempotency.BadKey as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None
    return None if generation is None else task_json(_base_url(request), generation)


def _submit(request: HttpRequest, payload: Schema, check, submit, data: dict) -> dict:
    """Check the request, then submit it once, with its callback; answers the new task."""
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
            raise ApiError(422, "callback_not_allowed", f"callBackUrl: {exc}.") from None

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
            body = payload.model_dump(mode="json")
            generation = idempotency.submit_once(request.user, key, request.path, body, submit_with_callback)
    except DjangoValidationError as exc:  # the budget, checked under a lock
        raise _refusal(exc) from None
    except services.StorageUnavailable as exc:
        raise ApiError(503, exc.code, exc.message) from None
    except idempotency.Conflict as exc:
        raise ApiError(409, "idempotency_conflict", str(exc)) from None
    return task_json(_base_url(request), selectors.get_generation_for_user(request.user, generation.pk))


# --- endpoints -------------------------------------------------------------------


# Refusals a POST with a body may also get: malformed JSON (400), too large (413), not JSON (415),
# and a storage that cannot keep the uploads (503).
BODY_ERRORS = {400: ErrorOut, 413: ErrorOut, 415: ErrorOut, 503: ErrorOut}


@api.post(
    "/images", response={200: TaskOut, 401: ErrorOut, 422: ErrorOut, **BODY_ERRORS}, summary="Generate images"
)
@decorate_view(_json_bodies_only)
def create_images(request: HttpRequest, payload: ImageTaskIn):
    if (earlier := _replay(request, payload)) is not None:
        return earlier
    payload = _with_preset(request, payload, "image")
    files, ids = _references(payload.images)
    data = {
        "prompt": payload.prompt, "model": payload.model, "aspect_ratio": payload.aspectRatio or "",
        "resolution": payload.resolution.lower(), "n": payload.n,
        "references": files, "reference_assets": ids,
    }  # fmt: skip
    return _submit(request, payload, validation.check_image_request, services.submit_image_generation, data)


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _task_pk(task_id: str) -> int:
    if not (task_id.isascii() and task_id.isdigit() and len(task_id) < 19):
        raise Http404
    return int(task_id)


def _task(request: HttpRequest, task_id: str) -> dict:
    return task_json(_base_url(request), selectors.get_generation_for_user(request.user, _task_pk(task_id)))


@api.get("/tasks/{task_id}", response={200: TaskOut, 401: ErrorOut, 404: ErrorOut}, summary="One task")
def get_task(request: HttpRequest, task_id: str):
    return _task(request, task_id)


class TaskListOut(Schema):
    tasks: list[TaskOut]
    nextCursor: str | None = Field(None, description="Pass as `cursor` for the next, older page.")


TASK_STATUSES = {
    word: [s for s, w in STATUS_WORDS.items() if w == word] for word in set(STATUS_WORDS.values())
}


@api.get(
    "/tasks",
    response={200: TaskOut | TaskListOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="One task by ?taskId=, or your tasks newest first",
)
def get_tasks(
    request: HttpRequest,
    taskId: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
):
    if taskId is not None:
        return _task(request, taskId)
    if status is not None and status not in TASK_STATUSES:
        raise ApiError(422, "invalid_request", f"status: one of {', '.join(sorted(TASK_STATUSES))}.")
    if kind is not None and kind not in ("image", "video"):
        raise ApiError(422, "invalid_request", "kind: image or video.")
    if not 1 <= limit <= 100:
        raise ApiError(422, "invalid_request", "limit: 1 to 100.")
    rows = Generation.objects.filter(user=request.user).order_by("-created_at", "-id")
    if status is not None:
        rows = rows.filter(status__in=TASK_STATUSES[status])
    if kind is not None:
        rows = rows.filter(kind=kind)
    if cursor:
        position = selectors.decode_cursor(cursor)
        if position is None:
            raise ApiError(422, "invalid_request", "cursor: use the nextCursor of a previous page.")
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
    response={200: TaskOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Stop waiting for a task",
)
def cancel_task(request: HttpRequest, task_id: str):
    generation = selectors.get_generation_for_user(request.user, _task_pk(task_id))
    if not generation.cancel():
        word = STATUS_WORDS[generation.status]
        raise ApiError(409, "not_cancellable", f"The task is {word}; it cannot be cancelled now.")
    return task_json(_base_url(request), selectors.get_generation_for_user(request.user, generation.pk))


@api.get(
    "/files/{asset_id}", response={401: ErrorOut, 404: ErrorOut}, url_name="file", summary="A result file"
)
def get_file(request: HttpRequest, asset_id: int):
    asset = selectors.get_asset_for_user(request.user, asset_id)
    return downloads.attachment(request, asset)


@api.post(
    "/videos",
    response={200: TaskOut, 401: ErrorOut, 422: ErrorOut, **BODY_ERRORS},
    summary="Generate a video",
)
@decorate_view(_json_bodies_only)
def create_video(request: HttpRequest, payload: VideoTaskIn):
    if (earlier := _replay(request, payload)) is not None:
        return earlier
    payload = _with_preset(request, payload, "video")
    files, ids = _references(payload.images)
    mode = payload.mode or ("image" if payload.images else "text")
    data = {
        "mode": mode, "prompt": payload.prompt, "model": payload.model, "duration": payload.duration,
        "aspect_ratio": payload.aspectRatio or "", "resolution": (payload.resolution or "").lower(),
        "audio": payload.audio, "video_asset": payload.videoAssetId,
    }  # fmt: skip
    if mode == "image":
        if len(files) + len(ids) > 1:
            raise ApiError(422, "invalid_request", "images: image to video starts from one image.")
        data["image"], data["image_asset"] = (files or [None])[0], (ids or [None])[0]
    elif mode == "reference":
        data["references"], data["reference_assets"] = files, ids
    elif payload.images:
        raise ApiError(422, "invalid_request", f"images: mode {mode} takes no images.")
    return _submit(request, payload, validation.check_video_request, services.submit_video_generation, data)
