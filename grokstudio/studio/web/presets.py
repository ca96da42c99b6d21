"""Presets: the create form saved under a name, applied in one click, kept on the Presets page.

Applying one is the gallery's own `?preset=<id>` (views._start), so it works as a plain link.
Here: saving the form as a preset, renaming and re-wording one, deleting one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap

from grokstudio.studio import selectors, validation
from grokstudio.studio.models import Preset
from grokstudio.studio.web.forms import PresetForm
from grokstudio.studio.web.live_messages import carry_messages
from grokstudio.studio.web.views import _budget, _create_form


def _options(request: HttpRequest, kind: str) -> dict:
    """The create form's options as its own fields parse them, then checked as a preset's."""
    fields = _create_form(kind, request.user).fields
    options, errors = {}, {}
    for name in Preset.FIELDS[kind]:
        field = fields[name]
        try:
            options[name] = field.clean(field.widget.value_from_datadict(request.POST, request.FILES, name))
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return validation.check_preset(kind, options)


def _refused(request: HttpRequest, problems: list[str]) -> HttpResponse:
    for problem in problems:
        messages.error(request, f"The preset was not saved: {problem}")
    if request.htmx:
        return reswap(HttpResponse(), "none")
    return redirect("studio:gallery")


@carry_messages
@login_required
@require_POST
def preset_save(request: HttpRequest) -> HttpResponse:
    """The create form as it stands saved as a preset; a name already in use updates that one."""
    kind = "video" if request.POST.get("kind") == "video" else "image"
    try:
        options = _options(request, kind)
    except ValidationError as exc:
        return _refused(request, exc.messages)
    name = request.POST.get("preset-name", "").strip()
    existing = selectors.presets(request.user).filter(user=request.user, name__iexact=name).first()
    form = PresetForm(
        request.POST, prefix="preset", instance=existing or Preset(user=request.user), user=request.user
    )
    form.fields.pop("shared", None)  # publishing is done on the Presets page
    if not form.is_valid():
        return _refused(request, [e for errors in form.errors.values() for e in errors])
    preset = form.save(commit=False)
    preset.kind, preset.options = kind, options
    preset.save()
    messages.success(request, f"Saved the preset “{preset.name}”.")
    if not request.htmx:
        return redirect(f"{reverse('studio:gallery')}?preset={preset.pk}")
    initial = {**options, "preset": preset.pk, "prompt": request.POST.get("prompt", "")}
    context = {
        "form": _create_form(kind, request.user, initial=initial),
        "form_kind": kind,
        "presets": selectors.preset_assets(request.user, initial),
        **_budget(request.user),
    }
    return render(request, "studio/gallery.html#create-form", context)


@carry_messages
@login_required
@require_GET
def presets(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.presets(request.user))
    mine = [
        (p, PresetForm(instance=p, prefix=f"p{p.pk}", user=request.user))
        for p in rows
        if _editable(request, p)
    ]
    others = [p for p in rows if not _editable(request, p)]
    return render(request, "studio/presets.html", {"mine": mine, "others": others})


def _editable(request: HttpRequest, preset: Preset) -> bool:
    return preset.user_id == request.user.pk or request.user.is_staff


@carry_messages
@login_required
@require_POST
def preset_edit(request: HttpRequest, preset_id: int) -> HttpResponse:
    """Rename a preset, change the words around prompts, publish it (staff)."""
    preset = selectors.get_own_preset(request.user, preset_id)
    form = PresetForm(request.POST, instance=preset, prefix=f"p{preset.pk}", user=request.user)
    if form.is_valid():
        form.save()
        messages.success(request, f"Saved “{preset.name}”.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("studio:presets")


@carry_messages
@login_required
@require_POST
def preset_delete(request: HttpRequest, preset_id: int) -> HttpResponse:
    preset = selectors.get_own_preset(request.user, preset_id)
    preset.delete()
    messages.success(request, f"Deleted the preset “{preset.name}”.")
    return redirect("studio:presets")
