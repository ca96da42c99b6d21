"""Share links: one item shown to whoever holds its link, signed in or not.

The owner's views are scoped as every other (another user's item or link answers 404);
the public ones take the token as their only check and show that one item, nothing
else of its owner's: no gallery, no other items, no username. Files leave through
the same door as the gallery's (downloads.py), X-Accel-Redirect included.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST, require_safe

from grokstudio.studio import selectors, services
from grokstudio.studio.web import downloads
from grokstudio.studio.web.forms import ShareForm
from grokstudio.studio.web.live_messages import carry_messages


def _sharing_on() -> None:
    if not settings.STUDIO_ALLOW_SHARING:
        raise Http404


@carry_messages
@login_required
@require_POST
def share(request: HttpRequest, asset_id: int) -> HttpResponse:
    """A new link to one of the person's items: shown at once (htmx), or on the Shared links page."""
    asset = selectors.get_asset_for_user(request.user, asset_id)
    _sharing_on()
    form = ShareForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Choose how long the link lasts.", status=400)
    link = services.share(
        request.user, asset, form.cleaned_data["expiry"], show_prompt=not form.cleaned_data["hide_prompt"]
    )
    if not request.htmx:
        messages.success(request, "Link made: anyone who has it can see this item.")
        return redirect("studio:share-links")
    url = request.build_absolute_uri(link.get_absolute_url())
    return render(request, "studio/share_links.html#made", {"link": link, "url": url})


@carry_messages
@login_required
@require_GET
def share_links(request: HttpRequest) -> HttpResponse:
    _sharing_on()
    links = [
        (link, request.build_absolute_uri(link.get_absolute_url()))
        for link in selectors.share_links(request.user)
    ]
    return render(request, "studio/share_links.html", {"links": links})


@carry_messages
@login_required
@require_POST
def share_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    link = selectors.get_share_link_for_user(request.user, link_id)
    link.delete()
    messages.success(request, "Link revoked: it no longer opens.")
    return redirect("studio:share-links")


def _not_indexed(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _file_not_indexed(view):
    """A shared file, or the 503 that says it cannot be read now, kept out of search engines."""
    unreadable_is_503 = downloads.unreadable_is_503(view)

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return _not_indexed(unreadable_is_503(request, *args, **kwargs))

    return wrapped


@carry_messages
@require_safe
def shared(request: HttpRequest, token: str) -> HttpResponse:
    """The shared item's page, for anyone with the link."""
    link = selectors.get_shared(token)
    generation = link.asset.generation
    context = {
        "link": link,
        "asset": link.asset,
        "prompt": generation.prompt if generation and link.show_prompt else "",
    }
    response = render(request, "studio/shared.html", context)
    response["Cache-Control"] = "private, no-cache"
    return _not_indexed(response)


@carry_messages
@require_safe
@_file_not_indexed
def shared_file(request: HttpRequest, token: str) -> HttpResponse:
    asset = selectors.get_shared(token).asset
    return downloads.serve(request, asset.file, content_type=asset.content_type)


@carry_messages
@require_safe
@_file_not_indexed
def shared_download(request: HttpRequest, token: str) -> HttpResponse:
    link = selectors.get_shared(token)
    asset = link.asset
    return downloads.serve(
        request, asset.file, content_type=asset.content_type, filename=link.download_name()
    )
