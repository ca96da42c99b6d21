"""Every request is read as UTF-8, whatever charset its Content-Type names.

Django decodes form data and query strings with the charset a request declares,
and takes any codec Python knows: `charset=unicode_escape` turns the plain bytes
`\\ud800` into a lone surrogate, which no template, response or database can
encode, so any page that shows or stores a field answered 500. The studio's
pages are UTF-8 and browsers post in the page's charset; anything else is read
as UTF-8 too, so bytes that are not become U+FFFD, which every layer can carry
(and a prompt refuses, see studio/validation.py).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


def utf8_requests(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        # Django has checked that the codec exists before taking it as the encoding.
        if request.encoding and codecs.lookup(request.encoding).name != "utf-8":
            request.encoding = "utf-8"  # the documented way to change how form data is decoded
        return get_response(request)

    return middleware
