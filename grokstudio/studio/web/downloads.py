"""Files leave the studio here, after the views have checked the owner.

Whole files stream with FileResponse. A `Range: bytes=...` request (what a
`<video>` element sends to seek, and what Safari needs to play at all)
gets 206 and only those bytes, read in chunks so memory stays flat.

A file the storage cannot give (a disk error, an S3 outage) is the studio's fault,
not the request's: `serve` raises `Unreadable` before any response starts, and
the views answer 503 (`unreadable_is_503`; the task API answers its own 503).

Behind nginx (`STUDIO_ACCEL_REDIRECT_PREFIX`, see compose.yaml), the view only
checks the owner and answers with `X-Accel-Redirect`: nginx then sends the
file from an internal location, ranges included, and no Python process
carries the bytes.
"""

from __future__ import annotations

import logging
import re
from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

log = logging.getLogger(__name__)

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 256 * 1024
RETRY_AFTER_S = 30


class Unreadable(Exception):
    """The storage could not give a file right now: the studio's fault, not the request's."""

    code = "storage_unavailable"
    message = "The studio cannot read this file from its storage right now. Try again later."


def unreadable_is_503(view):
    """A view that serves files answers 503 with a plain message when the storage fails it."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Unreadable:
            response = HttpResponse(Unreadable.message, status=503, content_type="text/plain; charset=utf-8")
            response["Retry-After"] = str(RETRY_AFTER_S)
            return response

    return wrapped


def serve(request: HttpRequest, field, *, content_type: str, filename: str | None = None) -> HttpResponse:
    # nginx can only send files it can see: local media, not objects in a bucket.
    if settings.STUDIO_ACCEL_REDIRECT_PREFIX and isinstance(field.storage, FileSystemStorage):
        return _accel(field, content_type=content_type, filename=filename)
    handle = None
    try:
        size = field.size
        wanted = _single_range(request.headers.get("Range", ""), size)
        if wanted != "unsatisfiable":
            # Opened and read up to where the answer starts here, not while streaming: a storage
            # that fails does so before the answer starts (S3 fetches the object on this seek).
            handle = field.open("rb")
            handle.seek(0 if wanted is None else wanted[0])
    except Exception as exc:  # OSError from a disk, botocore's errors from S3
        log.warning("reading %s failed: %r", field.name, exc)
        if handle is not None:
            handle.close()
        raise Unreadable from exc
    if wanted is None:
        response = FileResponse(
            handle,
            content_type=content_type,
            as_attachment=filename is not None,
            filename=filename or "",
        )
    elif wanted == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        start, end = wanted
        response = StreamingHttpResponse(_Slice(handle, start, end), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def attachment(request: HttpRequest, asset) -> HttpResponse:
    """An asset as a download named after its prompt: the gallery's and the API's way alike."""
    return serve(request, asset.file, content_type=asset.content_type, filename=asset.download_name())


def _accel(field, *, content_type: str, filename: str | None) -> HttpResponse:
    response = HttpResponse(content_type=content_type)
    response["X-Accel-Redirect"] = settings.STUDIO_ACCEL_REDIRECT_PREFIX + quote(field.name)
    if filename is not None:
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _single_range(header: str, size: int):
    """(start, end) inclusive, "unsatisfiable", or None to send the whole file.

    Several ranges at once are answered with the whole file, which RFC 9110 allows.
    """
    match = _RANGE.match(header.strip())
    if not match or size == 0:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return "unsatisfiable"
    return start, end


class _Slice:
    """The bytes start..end (inclusive) of an open file, in chunks; the response closes it."""

    def __init__(self, handle, start: int, end: int) -> None:
        self.handle, self.start, self.end = handle, start, end

    def __iter__(self):
        self.handle.seek(self.start)
        left = self.end - self.start + 1
        while left > 0:
            chunk = self.handle.read(min(_CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk

    def close(self) -> None:
        self.handle.close()
