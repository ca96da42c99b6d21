"""Files leave the studio here, after the views have checked the owner.

Whole files stream with FileResponse. A `Range: bytes=...` request (what a
`<video>` element sends to seek, and what Safari needs to play at all)
gets 206 and only those bytes, read in chunks so memory stays flat.

Behind nginx (`STUDIO_ACCEL_REDIRECT_PREFIX`, see compose.yaml), the view only
checks the owner and answers with `X-Accel-Redirect`: nginx then sends the
file from an internal location, ranges included, and no Python process
carries the bytes.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 256 * 1024


def serve(request: HttpRequest, field, *, content_type: str, filename: str | None = None) -> HttpResponse:
    # nginx can only send files it can see: local media, not objects in a bucket.
    if settings.STUDIO_ACCEL_REDIRECT_PREFIX and isinstance(field.storage, FileSystemStorage):
        return _accel(field, content_type=content_type, filename=filename)
    size = field.size
    wanted = _single_range(request.headers.get("Range", ""), size)
    if wanted is None:
        response = FileResponse(
            field.open("rb"),
            content_type=content_type,
            as_attachment=filename is not None,
            filename=filename or "",
        )
    elif wanted == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        start, end = wanted
        response = StreamingHttpResponse(_read(field, start, end), status=206, content_type=content_type)
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


def _read(field, start: int, end: int):
    with field.open("rb") as f:
        f.seek(start)
        left = end - start + 1
        while left > 0:
            chunk = f.read(min(_CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk
