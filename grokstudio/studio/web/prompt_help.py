"""Prompt help pages: "Improve" a prompt and "Describe" an image with Grok, then poll the answer.

A view only creates the PromptHelp row (the worker asks xAI); the page polls the row's
fragment until it ends, and the person chooses what, if anything, goes into their prompt.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseStopPolling

from grokstudio.studio import budgets, catalog, selectors, services
from grokstudio.studio.generation.prompt_help import lost_after
from grokstudio.studio.models import Kind, PromptHelp
from grokstudio.studio.validation import plausible_id
from grokstudio.studio.web.forms import ChosenSuggestionForm, DescribeUploadForm, ImproveForm
from grokstudio.studio.web.live_messages import carry_messages

TEMPLATE = "studio/prompt_help.html"
# A suggestion chosen on a page without a Prompt box, waiting for the create form to show it.
CHOSEN_PROMPT = "studio:chosen-prompt"


@carry_messages
@login_required
@require_POST
def improve(request: HttpRequest) -> HttpResponse:
    form = ImproveForm(request.POST)
    if not form.is_valid():
        return _refused(request, next(iter(form.errors.values()))[0])
    data = form.cleaned_data
    # Gallery images already attached to the form; new uploads are not sent until submitted.
    ids = [*request.POST.getlist("reference_assets"), request.POST.get("image_asset", "")]
    assets = [selectors.get_asset_for_user(request.user, int(value)) for value in ids if plausible_id(value)]
    target = {"kind": data["kind"] or Kind.IMAGE, "model": data["model"], "mode": data["mode"]}
    return _ask(request, PromptHelp.Kind.IMPROVE, prompt=data["prompt"], target=target, assets=assets)


@carry_messages
@login_required
@require_POST
def describe(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = selectors.get_asset_for_user(request.user, asset_id)
    if asset.kind != Kind.IMAGE:
        return _refused(request, "Describe works on pictures, not on clips.")
    return _ask(request, PromptHelp.Kind.DESCRIBE, assets=[asset], target={"kind": Kind.IMAGE})


@carry_messages
@login_required
@require_POST
def describe_upload(request: HttpRequest) -> HttpResponse:
    """Describe a picture attached to the create form before it is sent: it is kept as the
    person's upload, like a reference image of a submitted generation."""
    form = DescribeUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _refused(request, next(iter(form.errors.values()))[0])
    upload = form.cleaned_data["image"]
    return _ask(request, PromptHelp.Kind.DESCRIBE, upload=upload, target={"kind": Kind.IMAGE})


@carry_messages
@login_required
@require_safe
def prompt_help(request: HttpRequest, help_id: int) -> HttpResponse:
    """The answer as a page of its own, or for htmx's poll: nothing new (204) while Grok is
    still asked, then the answer once with 286, which stops the polling."""
    help = selectors.get_prompt_help_for_user(request.user, help_id)
    help.give_up_if_lost(lost_after())
    if not request.htmx:
        return render(request, TEMPLATE, {"help": help, "own_page": True})
    if help.is_active:
        return HttpResponse(status=204)
    response = render(request, f"{TEMPLATE}#help", {"help": help})
    response.status_code = HttpResponseStopPolling.status_code
    return response


@carry_messages
@login_required
@require_POST
def use_suggestion(request: HttpRequest, help_id: int) -> HttpResponse:
    """A suggestion chosen where no Prompt box is on the page (without JavaScript, or on an
    item's own page): as edited, it waits in the session for the create form. In the address, a
    long one would pass the length a proxy takes for a request line."""
    help = selectors.get_prompt_help_for_user(request.user, help_id)
    form = ChosenSuggestionForm(request.POST)
    if not form.is_valid():  # far past what any prompt may be: say what a prompt may be
        limit = f"{catalog.PROMPT_MAX_CHARS:,}"
        return _refused(
            request, f"A prompt is at most {limit} characters: shorten this suggestion, then use it."
        )
    request.session[CHOSEN_PROMPT] = form.cleaned_data["suggestion"]
    gallery = reverse("studio:gallery")
    return redirect(f"{gallery}?kind=video" if help.target.get("kind") == Kind.VIDEO else gallery)


def take_chosen_prompt(request: HttpRequest) -> str:
    """The suggestion chosen last (`use_suggestion`), once: the next create form starts with it."""
    return request.session.pop(CHOSEN_PROMPT, "")


def _ask(request: HttpRequest, kind: str, **fields) -> HttpResponse:
    try:
        help = services.request_prompt_help(request.user, kind, **fields)
    except budgets.OverBudget as exc:
        return _refused(request, exc.messages[0])
    except services.StorageUnavailable as exc:
        return _refused(request, exc.message, status=503)
    if not request.htmx:
        return redirect("studio:prompt-help", help.pk)
    return render(request, f"{TEMPLATE}#help", {"help": help})


def _refused(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    # htmx swaps only 2xx answers: the reason goes where the answer would have.
    if request.htmx:
        return render(request, f"{TEMPLATE}#refused", {"message": message})
    return render(request, TEMPLATE, {"message": message}, status=status)
