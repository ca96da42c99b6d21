"""`{% cachedcard g %}...{% endcachedcard %}`: a finished card is rendered once, then read from
Django's default cache (a file per entry on one machine, Redis when REDIS_URL is set).

A card in a final state changes only through its row, and every write to a row moves its
`updated_at` (models.py), so the row's id and `updated_at` name the card's content. The key
holds the rest of what the markup depends on: the owner, the gallery's filters (its links carry
them), whether it is sent out of band, the language and time zone its dates are written in, the
URL prefix, and the release (the studio's code and templates as they stand on disk). Cards at
work are rendered every time, as their progress moves on.

The request's CSRF token is never kept: each `{% csrf_token %}` directly inside the block is
rendered afresh around the kept markup, and a card whose kept markup would hold the token anyway
(one inside an `{% if %}`, such as a Retry form's) is not kept at all.
"""

from __future__ import annotations

import hashlib
from functools import cache as once
from pathlib import Path

import django
from django import template
from django.conf import settings
from django.core.cache import cache
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.autoreload import file_changed
from django.utils.safestring import mark_safe

import grokstudio
from grokstudio.studio.models import FINAL_STATUSES, Generation

register = template.Library()

# A gallery open all day renders each card once; a card deleted, or of an older release,
# leaves the cache by itself (Redis keeps what has no timeout forever).
CARD_TIMEOUT_S = 24 * 60 * 60


@once
def release() -> str:
    """What this process runs: Django's version and every file of the studio's code and
    templates (name, size, time changed). A new release never meets an older one's cards."""
    digest = hashlib.sha256(django.__version__.encode())
    for root in (Path(grokstudio.__file__).parent, Path(settings.BASE_DIR) / "templates"):
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".html"):
                stat = path.stat()
                digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _forget_release(**kwargs) -> None:
    # runserver reloads templates without a restart: an edited card is not served from before.
    release.cache_clear()


file_changed.connect(_forget_release, dispatch_uid="studio-card-cache-release")


def card_key(generation: Generation, context: template.Context) -> str:
    depends_on = "\n".join(
        (
            release(),
            str(generation.user_id),
            generation.updated_at.isoformat(),
            str(context.get("query") or ""),
            "oob" if context.get("oob") else "",
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
            get_script_prefix(),
        )
    )
    return f"studio.card.{generation.pk}.{hashlib.md5(depends_on.encode()).hexdigest()}"


class CachedCardNode(template.Node):
    def __init__(self, generation: template.base.FilterExpression, nodelist: template.NodeList) -> None:
        self.generation, self.nodelist = generation, nodelist
        # The markup between the CSRF tokens, each part a list of nodes; the tokens in between.
        self.parts: list[list[template.Node]] = [[]]
        for node in nodelist:
            if isinstance(node, CsrfTokenNode):
                self.parts.append([])
            else:
                self.parts[-1].append(node)
        self.csrf_token = CsrfTokenNode()

    def render(self, context: template.Context) -> str:
        generation = self.generation.resolve(context)
        if generation.status not in FINAL_STATUSES:
            return self.nodelist.render(context)
        key = card_key(generation, context)
        parts = cache.get(key)
        if parts is None:
            parts = ["".join(node.render_annotated(context) for node in part) for part in self.parts]
            token = context.get("csrf_token")
            if not (token and any(str(token) in part for part in parts)):
                cache.set(key, parts, CARD_TIMEOUT_S)
        return mark_safe(self.csrf_token.render(context).join(parts))


@register.tag
def cachedcard(parser: template.base.Parser, token: template.base.Token) -> CachedCardNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"'{bits[0]}' takes one argument, the generation")
    nodelist = parser.parse(("endcachedcard",))
    parser.delete_first_token()
    return CachedCardNode(parser.compile_filter(bits[1]), nodelist)
