"""The worker's side of prompt help: ask Grok's chat model, keep its suggestions on the row.

"Improve" sends the person's prompt (and the gallery images it goes with) and asks for one
richer prompt for the chosen model and mode; "Describe" sends one image and asks for a few
prompts that would make a picture like it. The row is claimed with a conditional UPDATE and
the call is made once: a failure ends the row with a sentence and xAI's code, and the person
asks again if they want to.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from PIL import Image

from grokstudio import xai
from grokstudio.studio import catalog
from grokstudio.studio.attribution import xai_user_id
from grokstudio.studio.generation.queue import ask_for_prompt_help
from grokstudio.studio.media.images import data_uri
from grokstudio.studio.models import Asset, Kind, PromptHelp

log = logging.getLogger(__name__)

# Vision takes JPEG or PNG; a smaller copy costs fewer tokens and says as much about a picture.
VISION_MAX_SIDE = 1536
# After the call's own deadline an answer can no longer come.
LOST_AFTER_GRACE = timedelta(seconds=10)
# A help no worker has claimed by then has lost its task: the sweep queues it again (not
# sooner: behind a busy queue a task still on its way would only be queued twice).
UNCLAIMED_AFTER = timedelta(minutes=5)

IMPROVE = (
    "You help people write prompts for xAI's {model} model, which makes {what}. "
    "Rewrite the person's prompt into one richer prompt that keeps their subject and intent and "
    "adds concrete detail: subject, setting, composition, lighting and style{motion}.{images} "
    "Answer with the new prompt only, at most {limit} characters: no preamble, no quotes, no options."
)
DESCRIBE = (
    "Look at the image and write {count} different prompts, each of which would make a picture "
    "like it with an image generation model: name the subject, colours, composition, lighting "
    "and style. One prompt per line, at most {limit} characters each, no numbering, no other text."
)


def run(help_id: int) -> None:
    help = PromptHelp.objects.filter(pk=help_id).first()
    if help is None or not help.claim():
        return  # gone, or another worker has it
    try:
        images = [_vision_uri(a) for a in help.assets.filter(kind=Kind.IMAGE).order_by("pk")]
        answer = xai.ask_grok(
            model=settings.STUDIO_PROMPT_MODEL,
            instructions=instructions(help),
            text=help.prompt if help.kind == PromptHelp.Kind.IMPROVE else "",
            images=images,
            user=xai_user_id(help.user_id),
        )
    except xai.ProviderError as error:
        help.fail(_message(error), error.code)
        return
    except Exception:
        log.exception("prompt help %s: unexpected error", help.pk)
        help.fail("The studio hit an unexpected error; an administrator can see it.", "internal_error")
        raise
    suggestions = parse(answer.text, help.kind)
    if not suggestions:
        help.fail("Grok answered without a usable prompt. Try again.", "bad_response", answer.cost_usd_ticks)
        return
    help.complete(suggestions, answer.cost_usd_ticks)


def sweep() -> int:
    """Ask again for help whose task was lost before a worker claimed it (a broker that lost
    it), and end help lost in the middle of its call; answers how many rows it touched."""
    now = timezone.now()
    waiting = PromptHelp.objects.filter(status=PromptHelp.State.PENDING, created_at__lt=now - UNCLAIMED_AFTER)
    ids = list(waiting.values_list("pk", flat=True)[:1000])
    for help_id in ids:
        ask_for_prompt_help(help_id)
    asking = PromptHelp.objects.filter(status=PromptHelp.State.SUBMITTING, started_at__lt=now - lost_after())
    lost = sum(help.give_up_if_lost(lost_after()) for help in asking[:1000])
    return len(ids) + lost


def lost_after() -> timedelta:
    return timedelta(seconds=settings.XAI_TIMEOUT_S) + LOST_AFTER_GRACE


def instructions(help: PromptHelp) -> str:
    if help.kind == PromptHelp.Kind.DESCRIBE:
        return DESCRIBE.format(count=catalog.DESCRIBE_CHOICES, limit=catalog.PROMPT_MAX_CHARS)
    target = help.target
    video = target.get("kind") == Kind.VIDEO
    mode = dict(catalog.VideoMode.CHOICES).get(target.get("mode", ""), "") if video else ""
    what = f"videos ({mode.lower()})" if mode else "videos" if video else "images"
    images = ""
    if help.assets.exists():
        images = " The attached images go with the prompt (references or a first frame): stay true to them."
    return IMPROVE.format(
        model=target.get("model") or "Grok Imagine",
        what=what,
        motion=", camera movement and motion" if video else "",
        images=images,
        limit=catalog.PROMPT_MAX_CHARS,
    )


_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")


def parse(text: str, kind: str) -> list[str]:
    """The suggestions in Grok's answer: one prompt for Improve, up to a few for Describe."""
    if kind == PromptHelp.Kind.IMPROVE:
        candidates = [" ".join(text.split())]
    else:
        candidates = [_LIST_MARK.sub("", line) for line in text.splitlines()]
    suggestions: list[str] = []
    for candidate in candidates:
        candidate = candidate.strip().strip("\"'“”").strip()[: catalog.PROMPT_MAX_CHARS]
        if candidate and candidate not in suggestions:
            suggestions.append(candidate)
    return suggestions[: catalog.DESCRIBE_CHOICES]


def _vision_uri(asset: Asset) -> str:
    with asset.file.open("rb") as f, Image.open(f) as image:
        image.thumbnail((VISION_MAX_SIDE, VISION_MAX_SIDE))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=90)
    return data_uri(out.getvalue(), "image/jpeg")


def _message(error: xai.ProviderError) -> str:
    if error.retryable:
        # The SDK has already retried; the person decides whether to ask again.
        return "xAI is busy or unavailable right now. Try again in a moment."
    return error.message
