"""Compare: two to four of a person's items side by side (static/js/compare.js zooms, pans and
plays them together). The ids live in the URL, `/compare/?ids=4,7,9`, so a comparison can be
bookmarked; naming an item that is not the person's answers 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from grokstudio.studio import selectors
from grokstudio.studio.validation import plausible_id
from grokstudio.studio.web.live_messages import carry_messages

MIN_ITEMS, MAX_ITEMS = 2, 4


@carry_messages
@login_required
@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    values = [v.strip() for value in request.GET.getlist("ids") for v in value.split(",") if v.strip()]
    if not all(plausible_id(v) for v in values) or not MIN_ITEMS <= len(set(values)) <= MAX_ITEMS:
        context = {"min": MIN_ITEMS, "max": MAX_ITEMS}
        return render(request, "studio/compare.html", context, status=400)
    assets = selectors.assets_for_user(request.user, [int(v) for v in values])
    has_video = any(a.kind == "video" for a in assets)
    return render(request, "studio/compare.html", {"assets": assets, "has_video": has_video})
