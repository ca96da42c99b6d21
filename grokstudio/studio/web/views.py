"""Studio pages: the gallery with its create form, live updates, and private files."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRefresh, replace_url

from grokstudio.studio import budgets, selectors, services, validation
from grokstudio.studio.catalog import VideoMode
from grokstudio.studio.models import Collection
from grokstudio.studio.validation import MAX_IMAGE_REFERENCES, MAX_VIDEO_REFERENCES, plausible_id
from grokstudio.studio.web import archives, downloads, prompt_help
from grokstudio.studio.web.forms import (
    BulkForm,
    CollectionForm,
    GalleryFilterForm,
    ImageGenerationForm,
    VideoGenerationForm,
)
from grokstudio.studio.web.live_messages import carry_messages

# Rows whose update committed a moment after the poll's clock read are caught
# by the next poll; a card sent twice is harmless, a card missed is not.
POLL_OVERLAP_S = 1.0


def _poll_since() -> str:
    return (timezone.now() - timedelta(seconds=POLL_OVERLAP_S)).isoformat()


def _create_form(kind: str, user, *args, **kwargs):
    if kind == "video":
        return VideoGenerationForm(*args, user=user, **kwargs)
    return ImageGenerationForm(*args, user=user, **kwargs)


def _options_key(kind: str, form) -> str:
    """What a plain create form's options depend on besides the catalog and the release: its
    kind and the presets it offers. Rendering their widgets is most of a gallery page's work."""
    presets = ",".join(f"{p.pk}@{p.updated_at.timestamp()}" for p in form.available_presets)
    return f"{kind}:{presets}"


def _own_asset_ids(request: HttpRequest, fields: tuple[str, ...], kind: str) -> list[int]:
    """Gallery items named in the URL to start from, in order and once each; naming another
    user's item answers 404. An item of the wrong kind is left out: the form would only refuse it.
    No more are looked up than any mode takes: an address can name thousands."""
    ids: list[int] = []
    most = max(MAX_IMAGE_REFERENCES, MAX_VIDEO_REFERENCES)
    for field in fields:
        for value in request.GET.getlist(field)[:most]:
            if not plausible_id(value) or int(value) in ids:
                continue
            if selectors.get_asset_for_user(request.user, int(value)).kind == kind:
                ids.append(int(value))
    return ids


def _presets(request: HttpRequest) -> tuple[str, dict]:
    """What the create form starts with: `?kind=video&mode=image&image_asset=7` from "Animate",
    `?reference_asset=7` from "Use as reference", a prompt help suggestion chosen where no Prompt
    box was (kept in the session by prompt_help.use_suggestion), `?preset=3` from a preset. The
    Image / Video switch sends the gallery pictures attached so far, and each goes where the other
    kind takes it.

    The prompt comes through whole: one over the limit is shown, counted and refused on Generate,
    as when it is typed, never cut here."""
    prompt = request.GET.get("prompt", "").strip() or prompt_help.take_chosen_prompt(request)
    preset_id = request.GET.get("preset", "")
    if plausible_id(preset_id):  # a preset applied: its options, and the prompt typed so far
        preset = selectors.get_preset_for_user(request.user, int(preset_id))
        options = preset.options
        if preset.kind == "video":
            options = validation.fit_preset(
                options, options.get("model"), options.get("mode"), audio=options.get("audio", True)
            )
        return preset.kind, {**options, "preset": preset.pk, "prompt": prompt}
    kind = "video" if request.GET.get("kind") == "video" else "image"
    initial: dict = {}
    if kind == "video":
        mode = request.GET.get("mode")
        for field, asset_kind in (("image_asset", "image"), ("video_asset", "video")):
            if ids := _own_asset_ids(request, (field,), asset_kind):
                initial[field] = ids[0]
        if references := _own_asset_ids(request, ("reference_assets", "reference_asset"), "image"):
            initial["reference_assets"] = references
            mode = mode or VideoMode.REFERENCE  # pictures brought from the image form
        if mode in dict(VideoMode.CHOICES):
            initial["mode"] = mode
    elif references := _own_asset_ids(
        request, ("reference_asset", "reference_assets", "image_asset"), "image"
    ):
        initial["reference_assets"] = references  # a video's starting picture becomes a reference
    if prompt:
        initial["prompt"] = prompt
    return kind, initial


def _filters(request: HttpRequest) -> tuple[GalleryFilterForm, selectors.GalleryFilters, str]:
    """The gallery's filters from the URL. A value that makes no sense is reported and left out."""
    form = GalleryFilterForm(request.GET, collections=selectors.collections(request.user))
    form.is_valid()
    data = form.cleaned_data
    collection = next((c for c in form.collections if c.pk == data.get("collection")), None)
    filters = selectors.GalleryFilters(
        q=data.get("q", ""), kind=data.get("kind", ""), status=data.get("status", ""),
        model=data.get("model", ""), favorites=bool(data.get("fav")), collection=collection,
        oldest_first=data.get("sort") == "oldest",
    )  # fmt: skip
    return form, filters, data.get("cursor", "")


@carry_messages
@login_required
@require_GET
def gallery(request: HttpRequest) -> HttpResponse:
    """The gallery page, or one of its parts for htmx: the next page when the
    "Older" link scrolls into view, the results when a filter changes, the create
    form when the Image / Video switch or a preset changes it."""
    if request.htmx and request.htmx.target == "create":
        # The form alone, which is all the page swaps in: a whole page would show the messages
        # waiting in a part the swap leaves out, and lose them. This request's own go out of band.
        response = render(request, "studio/gallery.html#create-form", _create_context(request))
        return replace_url(response, request.get_full_path())
    filter_form, filters, cursor = _filters(request)
    page = selectors.gallery_page(request.user, filters, cursor)
    context = {
        "page": page,
        "filters": filters,
        "filter_form": filter_form,
        "query": filters.querystring(),
    }
    if request.htmx and request.htmx.target and request.htmx.target.startswith("older"):
        return render(request, "studio/gallery.html#page", context)
    if request.htmx and request.htmx.target == "results":
        # The address bar shows the filters as the gallery's own links spell them.
        response = render(request, "studio/gallery.html#results", context)
        query = context["query"]
        return replace_url(response, f"{request.path}?{query}" if query else request.path)
    context.update(
        _create_context(request),
        polling=selectors.has_active(request.user),
        since=_poll_since(),
        bulk_form=BulkForm(collections=filter_form.collections),
    )
    return render(request, "studio/gallery.html", context)


def _create_context(request: HttpRequest) -> dict:
    """The create form as the address starts it (see `_presets`), with the month's budget."""
    kind, initial = _presets(request)
    form = _create_form(kind, request.user, initial=initial)
    return {
        "form": form,
        "form_kind": kind,
        "options_key": "" if initial else _options_key(kind, form),
        "presets": selectors.preset_assets(request.user, initial),
        **_budget(request.user),
    }


@carry_messages
@login_required
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    kind = "video" if request.POST.get("kind") == "video" else "image"
    form = _create_form(kind, request.user, request.POST, request.FILES)
    if not form.is_valid():
        return _refused(request, form, kind)
    submit = services.submit_video_generation if kind == "video" else services.submit_image_generation
    try:
        generation = submit(request.user, form.cleaned_data)
    except budgets.OverBudget as exc:  # checked under a lock, so two submissions cannot both fit
        form.add_error(None, exc)
        return _refused(request, form, kind)
    except services.StorageUnavailable as exc:  # nothing was kept; what was typed is shown again
        form.add_error(None, ValidationError(exc.message, code=exc.code))
        return _refused(request, form, kind, status=503)
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
         "polling": True, "since": _poll_since(), **_budget(request.user)},
    )  # fmt: skip


def _refused(request: HttpRequest, form, kind: str, status: int = 400) -> HttpResponse:
    """The create form again, with its messages, and nothing stored (htmx swaps only a 200 in)."""
    context = {"form": form, "form_kind": kind, "presets": selectors.preset_assets(request.user, form.data),
               **_budget(request.user)}  # fmt: skip
    if request.htmx:
        return render(request, "studio/gallery.html#create-form", context)
    filter_form, filters, _ = _filters(request)
    context.update(page=selectors.gallery_page(request.user), filters=filters, filter_form=filter_form,
                   polling=False, since=_poll_since(), bulk_form=BulkForm())  # fmt: skip
    return render(request, "studio/gallery.html", context, status=status)


def _budget(user) -> dict:
    """What the create form says about the month's budget: nothing when there is no limit."""
    limit = budgets.limit_usd(user)
    if limit is None:
        return {}
    return {"budget_limit": limit, "budget_left": max(0, limit - budgets.spent_usd(user))}


STICKY = (
    "model",
    "aspect_ratio",
    "resolution",
    "n",
    "quality",
    "mode",
    "duration",
    "audio",
    "voices",
    "image_asset",
    "video_asset",
    "reference_assets",
    "preset",
)


def _sticky_options(form) -> dict:
    """After a submit the prompt and uploads clear, but the chosen options stay, as people
    expect; a gallery item being animated or extended stays too, ready for another take."""
    sticky = {k: form.cleaned_data[k] for k in STICKY if form.cleaned_data.get(k) not in (None, [])}
    return {k: [getattr(a, "pk", a) for a in v] if isinstance(v, list) else getattr(v, "pk", v)
            for k, v in sticky.items()}  # fmt: skip


@carry_messages
@login_required
@require_safe
def poll(request: HttpRequest) -> HttpResponse:
    """One request per open gallery per interval: the cards that changed, and how soon to ask again.

    While something is at work the page asks every STUDIO_POLL_INTERVAL_S; with
    nothing at work, every STUDIO_IDLE_POLL_INTERVAL_S while its tab is visible,
    so that work started elsewhere (a script through the task API, another tab)
    still arrives.
    """
    since = selectors.parse_poll_since(request.GET.get("since", ""))
    changed, polling = selectors.poll_state(request.user, since)
    if not changed and not polling:
        # The commonest answer by far: nothing changed, nothing at work. An idle
        # poller keeps asking as it is (its `since` is still right): htmx swaps
        # nothing on a 204. A quick one is told to slow down.
        if request.GET.get("idle"):
            return HttpResponse(status=204)
        return render(request, "studio/gallery.html#poller", {"polling": False, "since": _poll_since()})
    cards = selectors.cards(request.user, changed) if changed else []
    # Cards newer than any the page shows are new to it: they go on top of a
    # gallery that takes them, and are left out of one that does not (filtered).
    newest = request.GET.get("newest", "")
    arrived = []
    if newest.isascii() and newest.isdigit():
        arrived = [card for card in cards if card.pk > int(newest)]
        cards = [card for card in cards if card.pk <= int(newest)]
        if request.GET.get("live") != "1":
            arrived = []
    context = {"changed": cards, "arrived": sorted(arrived, key=lambda card: card.pk), "polling": polling,
               "since": _poll_since()}  # fmt: skip
    return render(request, "studio/poll_response.html", context)


def _safe_next(request: HttpRequest) -> str:
    """Where the person was (a filtered gallery, a detail page), never another site or a script."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else reverse("studio:gallery")


def _back(request: HttpRequest) -> HttpResponse:
    return redirect(_safe_next(request))


def _card(request: HttpRequest, generation_id: int) -> HttpResponse:
    generation = selectors.get_generation_for_user(request.user, generation_id)
    return render(request, "studio/gallery.html#card", {"g": generation})


@carry_messages
@login_required
@require_POST
def cancel(request: HttpRequest, generation_id: int) -> HttpResponse:
    generation = selectors.get_generation_for_user(request.user, generation_id)
    generation.cancel()
    return _card(request, generation_id) if request.htmx else _back(request)


@carry_messages
@login_required
@require_POST
def retry_download(request: HttpRequest, generation_id: int) -> HttpResponse:
    """Fetch a result again that could not be stored, while xAI's link lasts."""
    generation = selectors.get_generation_for_user(request.user, generation_id)
    if not services.retry_download(generation):
        messages.info(request, "There is nothing to fetch again for this generation.")
    return _card(request, generation_id) if request.htmx else _back(request)


@carry_messages
@login_required
@require_POST
def favorite(request: HttpRequest, generation_id: int) -> HttpResponse:
    """Star or unstar: `value=1` or `value=0`, so that a double click or a retry lands where meant."""
    generation = selectors.get_generation_for_user(request.user, generation_id)
    services.set_favorite(request.user, [generation.pk], request.POST.get("value") == "1")
    if request.htmx and request.htmx.target == f"gen-{generation_id}":
        return _card(request, generation_id)
    if request.htmx:
        return HttpResponseClientRefresh()
    return _back(request)


@carry_messages
@login_required
@require_GET
def card_menu(request: HttpRequest, generation_id: int) -> HttpResponse:
    """The actions behind a card's "⋯", loaded when it is opened."""
    generation = selectors.get_generation_for_user(request.user, generation_id)
    return render(request, "studio/gallery.html#card-menu", {"g": generation})


@carry_messages
@login_required
@require_POST
def reroll(request: HttpRequest, generation_id: int) -> HttpResponse:
    """The same request once more, as a new card at the top of the gallery."""
    try:
        again = services.reroll(selectors.get_generation_for_user(request.user, generation_id))
    except budgets.OverBudget as exc:
        messages.error(request, exc.messages[0])
        return HttpResponse() if request.htmx else redirect("studio:gallery")
    if not request.htmx:
        messages.success(request, "Sent again with the same settings.")
        return redirect("studio:gallery")
    return render(
        request, "studio/reroll_response.html", {"generation": again, "polling": True, "since": _poll_since()}
    )


@carry_messages
@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, generation_id: int) -> HttpResponse:
    """GET asks to confirm (the page works without a script); POST deletes rows and files."""
    generation = selectors.get_generation_for_user(request.user, generation_id)
    if request.method == "GET":
        return render(request, "studio/delete_confirm.html", {"generation": generation})
    _, skipped = services.delete_generations(request.user, [generation.pk])
    if skipped:
        messages.error(request, "This generation is still at work: cancel it first, then delete it.")
        return _card(request, generation_id) if request.htmx else _back(request)
    if request.htmx:
        # An empty answer swapped over the card removes it.
        return HttpResponse("")
    messages.success(request, "Deleted.")
    return _back(request)


@carry_messages
@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One action on the generations ticked in the gallery: ZIP, collection, favourites or delete."""
    user_collections = list(selectors.collections(request.user))
    form = BulkForm(request.POST, collections=user_collections)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request)
    action, ids, collection = (
        form.cleaned_data["action"],
        form.cleaned_data["ids"],
        form.cleaned_data["collection"],
    )
    if action == "zip":
        archive = archives.gallery_zip(request.user, ids)
        response = StreamingHttpResponse(archive.stream, content_type="application/zip")
        response["Content-Length"] = str(len(archive.stream))
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"grok-studio-{timezone.now():%Y%m%d-%H%M%S}.zip"
        )
        return response
    if action == "delete" and request.POST.get("confirmed") != "1":
        return render(request, "studio/bulk_delete_confirm.html", {"ids": ids, "next": _safe_next(request)})
    if action == "delete":
        deleted, skipped = services.delete_generations(request.user, ids)
        messages.success(request, f"Deleted {deleted} item{pluralize(deleted)}.")
        if skipped:
            messages.error(
                request, f"{skipped} item{pluralize(skipped)} still at work kept: cancel them first."
            )
    elif action in ("favorite", "unfavorite"):
        count = services.set_favorite(request.user, ids, action == "favorite")
        verb = "Added to" if action == "favorite" else "Removed from"
        messages.success(request, f"{verb} favourites: {count} item{pluralize(count)}.")
    elif action == "add":
        count = services.add_to_collection(collection, ids)
        messages.success(request, f"Added {count} item{pluralize(count)} to “{collection.name}”.")
    else:
        count = services.remove_from_collection(collection, ids)
        messages.success(request, f"Removed {count} item{pluralize(count)} from “{collection.name}”.")
    return _back(request)


@carry_messages
@login_required
@require_http_methods(["GET", "POST"])
def collections(request: HttpRequest) -> HttpResponse:
    """The user's collections, with a form to start a new one."""
    form = CollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        if selectors.collections(request.user).filter(name__iexact=name).exists():
            form.add_error("name", f"You already have a collection called “{name}”.")
        else:
            Collection.objects.create(user=request.user, name=name)
            messages.success(request, f"Created “{name}”.")
            return redirect("studio:collections")
    # A grouped query drops Meta.ordering: name the order again.
    rows = selectors.collections(request.user).annotate(size=Count("generations")).order_by("name", "id")
    return render(request, "studio/collections.html", {"form": form, "collections": rows},
                  status=400 if form.errors else 200)  # fmt: skip


@carry_messages
@login_required
@require_POST
def collection_rename(request: HttpRequest, collection_id: int) -> HttpResponse:
    collection = selectors.get_collection_for_user(request.user, collection_id)
    form = CollectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["name"][0])
    elif (
        selectors.collections(request.user)
        .filter(name__iexact=form.cleaned_data["name"])
        .exclude(pk=collection.pk)
        .exists()
    ):
        messages.error(request, f"You already have a collection called “{form.cleaned_data['name']}”.")
    else:
        collection.name = form.cleaned_data["name"]
        collection.save(update_fields=["name"])
        messages.success(request, f"Renamed to “{collection.name}”.")
    return redirect("studio:collections")


@carry_messages
@login_required
@require_POST
def collection_delete(request: HttpRequest, collection_id: int) -> HttpResponse:
    """Deleting a collection keeps its items: they stay in the gallery."""
    collection = selectors.get_collection_for_user(request.user, collection_id)
    collection.delete()
    messages.success(request, f"Deleted the collection “{collection.name}”; its items stay in your gallery.")
    return redirect("studio:collections")


@carry_messages
@login_required
@require_GET
def usage(request: HttpRequest) -> HttpResponse:
    rows = selectors.usage(request.user)
    tables = [("Days", rows["days"], "D j M Y"), ("Months", rows["months"], "F Y")]
    return render(request, "studio/usage.html", {"tables": tables})


@carry_messages
@login_required
@require_GET
def generation_detail(request: HttpRequest, generation_id: int) -> HttpResponse:
    generation = selectors.get_generation_for_user(request.user, generation_id)
    return render(
        request, "studio/generation.html",
        {"generation": generation, "collections": selectors.collections(request.user),
         "in_collections": set(generation.collections.values_list("pk", flat=True))},
    )  # fmt: skip


@carry_messages
@login_required
@require_GET
def asset_detail(request: HttpRequest, asset_id: int) -> HttpResponse:
    """An item on a page of its own, or inside the gallery's lightbox: the same facts either way.

    Previous and next follow the gallery's filters, carried in the URL.
    """
    asset = selectors.get_asset_for_user(request.user, asset_id)
    _, filters, _ = _filters(request)
    previous, following = selectors.neighbours(request.user, asset, filters)
    context = {
        "asset": asset,
        "generation": asset.generation
        and selectors.get_generation_for_user(request.user, asset.generation_id),
        "previous": previous,
        "next": following,
        "query": filters.querystring(),
        "collections": selectors.collections(request.user),
    }
    if request.htmx and request.htmx.target == "lightbox-body":
        return render(request, "studio/asset.html#viewer", {**context, "in_lightbox": True})
    return render(request, "studio/asset.html", context)


@carry_messages
@login_required
@require_GET
@downloads.unreadable_is_503
def asset_file(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = selectors.get_asset_for_user(request.user, asset_id)
    return downloads.serve(request, asset.file, content_type=asset.content_type)


@carry_messages
@login_required
@require_GET
@downloads.unreadable_is_503
def asset_thumbnail(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = selectors.get_asset_for_user(request.user, asset_id)
    if not asset.thumbnail:
        return downloads.serve(request, asset.file, content_type=asset.content_type)
    return downloads.serve(request, asset.thumbnail, content_type="image/webp")


@carry_messages
@login_required
@require_GET
@downloads.unreadable_is_503
def asset_download(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = selectors.get_asset_for_user(request.user, asset_id)
    return downloads.attachment(request, asset)
