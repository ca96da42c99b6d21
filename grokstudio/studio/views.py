"""Studio pages: the gallery with its create form, live updates, and private files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from grokstudio.studio import downloads, selectors, services
from grokstudio.studio.catalog import VideoMode
from grokstudio.studio.forms import ImageGenerationForm, VideoGenerationForm

# Rows whose update committed a moment after the poll's clock read are caught
# by the next poll; a card sent twice is harmless, a card missed is not.
POLL_OVERLAP_S = 1.0
MAX_POLL_LOOKBACK = timedelta(days=1)


def _poll_since() -> str:
    return (timezone.now() - timedelta(seconds=POLL_OVERLAP_S)).isoformat()


def _create_form(kind: str, user, *args, **kwargs):
    if kind == "video":
        return VideoGenerationForm(*args, user=user, **kwargs)
    return ImageGenerationForm(*args, **kwargs)


def _presets(request: HttpRequest) -> tuple[str, dict]:
    """What the create form starts with, e.g. `?kind=video&mode=image&image_asset=7` from "Animate".

    Naming another user's item answers 404, like every other route.
    """
    kind = "video" if request.GET.get("kind") == "video" else "image"
    initial: dict = {}
    if kind == "video":
        if request.GET.get("mode") in dict(VideoMode.CHOICES):
            initial["mode"] = request.GET["mode"]
        for field, asset_kind in (("image_asset", "image"), ("video_asset", "video")):
            value = request.GET.get(field, "")
            # An item of the wrong kind is left out: the form would only refuse it.
            if (
                value.isascii()
                and value.isdigit()
                and (selectors.get_asset_for_user(request.user, int(value)).kind == asset_kind)
            ):
                initial[field] = int(value)
    return kind, initial


@login_required
@require_GET
def gallery(request: HttpRequest) -> HttpResponse:
    kind, initial = _presets(request)
    return render(
        request,
        "studio/gallery.html",
        {
            "form": _create_form(kind, request.user, initial=initial),
            "form_kind": kind,
            "presets": selectors.preset_assets(request.user, initial),
            "generations": selectors.gallery(request.user),
            "polling": selectors.has_active(request.user),
            "since": _poll_since(),
        },
    )


@login_required
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    kind = "video" if request.POST.get("kind") == "video" else "image"
    form = _create_form(kind, request.user, request.POST, request.FILES)
    if not form.is_valid():
        template = "studio/gallery.html#create-form" if request.htmx else "studio/gallery.html"
        context = {
            "form": form,
            "form_kind": kind,
            "presets": selectors.preset_assets(request.user, form.data),
        }
        if not request.htmx:
            context.update(generations=selectors.gallery(request.user), polling=False, since=_poll_since())
        return render(request, template, context, status=200 if request.htmx else 400)
    if kind == "video":
        generation = services.submit_video_generation(request.user, form.cleaned_data)
    else:
        generation = services.submit_image_generation(request.user, form.cleaned_data)
    if not request.htmx:
        return redirect(
            f"{reverse('studio:gallery')}?kind={kind}" if kind == "video" else reverse("studio:gallery")
        )
    initial = _sticky_options(form)
    return render(
        request,
        "studio/generate_response.html",
        {"form": _create_form(kind, request.user, initial=initial), "form_kind": kind,
         "presets": selectors.preset_assets(request.user, initial), "generation": generation,
         "polling": True, "since": _poll_since()},
    )  # fmt: skip


STICKY = (
    "model",
    "aspect_ratio",
    "resolution",
    "n",
    "mode",
    "duration",
    "audio",
    "image_asset",
    "video_asset",
)


def _sticky_options(form) -> dict:
    """After a submit the prompt and uploads clear, but the chosen options stay, as people
    expect; a gallery item being animated or extended stays too, ready for another take."""
    sticky = {k: form.cleaned_data[k] for k in STICKY if form.cleaned_data.get(k) is not None}
    return {k: getattr(v, "pk", v) for k, v in sticky.items()}


@login_required
@require_POST
def cancel(request: HttpRequest, generation_id: int) -> HttpResponse:
    generation = selectors.get_generation_for_user(request.user, generation_id)
    generation.cancel()
    if not request.htmx:
        return redirect("studio:gallery")
    generation = selectors.get_generation_for_user(request.user, generation_id)
    return render(request, "studio/gallery.html#card", {"g": generation})


def _parse_since(value: str) -> datetime | None:
    """The client's cursor, or None for anything that is not a sensible recent time."""
    try:
        since = parse_datetime(value)
        if since is None or timezone.is_naive(since):
            return None
        since = since.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    now = timezone.now()
    # A cursor from the future or from long ago is clamped: the answer stays small and valid.
    return min(max(since, now - MAX_POLL_LOOKBACK), now)


@login_required
@require_GET
def poll(request: HttpRequest) -> HttpResponse:
    """One request per open gallery per interval: the cards that changed, and whether to go on."""
    since = _parse_since(request.GET.get("since", ""))
    next_since = _poll_since()
    changed = list(selectors.changed_since(request.user, since)) if since else []
    polling = any(g.is_active for g in changed) or selectors.has_active(request.user)
    response = render(
        request,
        "studio/poll_response.html",
        {"changed": changed, "polling": polling, "since": next_since},
    )
    if not polling:
        return HttpResponseStopPolling(response.content)
    return response


@login_required
@require_GET
def generation_detail(request: HttpRequest, generation_id: int) -> HttpResponse:
    generation = selectors.get_generation_for_user(request.user, generation_id)
    return render(request, "studio/generation.html", {"generation": generation})


@login_required
@require_GET
def asset_detail(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = selectors.get_asset_for_user(request.user, asset_id)
    return render(request, "studio/asset.html", {"asset": asset, "generation": asset.generation})


@login_required
@require_GET
def asset_file(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = selectors.get_asset_for_user(request.user, asset_id)
    return downloads.serve(request, asset.file, content_type=asset.content_type)


@login_required
@require_GET
def asset_thumbnail(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = selectors.get_asset_for_user(request.user, asset_id)
    if not asset.thumbnail:
        return downloads.serve(request, asset.file, content_type=asset.content_type)
    return downloads.serve(request, asset.thumbnail, content_type="image/webp")


@login_required
@require_GET
def asset_download(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = selectors.get_asset_for_user(request.user, asset_id)
    return downloads.serve(
        request, asset.file, content_type=asset.content_type, filename=asset.download_name()
    )
