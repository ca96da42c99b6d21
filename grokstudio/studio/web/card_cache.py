"""A finished card is rendered once, then read from Django's default cache (a file per entry
on one machine, Redis when REDIS_URL is set); so is a gallery page whose cards are all finished.

    {% cachedpage page %} ... {% for g in page.generations %} {% cachedcard g %} ... {% endcachedcard %} ...

A card in a final state changes only through its row, and every write to a row moves its
`updated_at` (models.py), so the row's id and `updated_at` name the card's content; a page is
named by its cards' and where the next page starts. The key holds the rest of what the markup
depends on: the owner, the gallery's filters (its links carry them), whether a card is sent
out of band, the language and time zone its dates are written in, the URL prefix, and the
release (the studio's code and templates as they stand on disk). Cards at work are rendered
every time, as their progress moves on, and so is a page that holds one; its finished cards
still come from the cache. A page whose cards are all kept never reads its rows.

The request's CSRF token is never kept: markup is rendered with a stand-in for it, and each
request puts its own token where the stand-in was.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import cache as once
from pathlib import Path

import django
from django import template
from django.conf import settings
from django.core.cache import cache
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.autoreload import file_changed
from django.utils.safestring import mark_safe

import grokstudio
from grokstudio.studio.models import FINAL_STATUSES, Generation
from grokstudio.studio.selectors import GalleryPage

register = template.Library()

# A gallery open all day renders each card once; a card deleted, or of an older release,
# leaves the cache by itself (Redis keeps what has no timeout forever). A page is replaced as
# soon as one of its cards changes: it is kept for a shorter while.
CARD_TIMEOUT_S = 24 * 60 * 60
PAGE_TIMEOUT_S = 10 * 60
# Never sent to anyone: the kept markup is cut where it stands.
CSRF_STAND_IN = secrets.token_hex(16)


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


def _key(kind: str, pk: object, context: template.Context, *depends_on: object) -> str:
    values = (
        release(),
        *depends_on,
        str(context.get("query") or ""),
        translation.get_language() or "",
        timezone.get_current_timezone_name(),
        get_script_prefix(),
    )
    digest = hashlib.md5("\n".join(map(str, values)).encode()).hexdigest()
    return f"studio.{kind}.{pk}.{digest}"


def card_key(generation: Generation, context: template.Context) -> str:
    oob = "oob" if context.get("oob") else ""
    return _key("card", generation.pk, context, generation.user_id, generation.updated_at.isoformat(), oob)


def page_key(page: GalleryPage, user_id: int, context: template.Context) -> str:
    cards = " ".join(f"{pk}@{updated_at.isoformat()}" for pk, _, updated_at in page.stamps)
    return _key("page", user_id, context, cards, page.next_cursor or "")


def _kept(key: str, timeout: int, nodelist: template.NodeList, context: template.Context) -> str:
    """The markup kept under `key`, rendered and kept first if it is not there yet."""
    token = context.get("csrf_token")
    if not token or str(token) == "NOTPROVIDED":  # no request: nothing to put back
        return nodelist.render(context)
    parts = cache.get(key)
    if parts is None:
        with context.push(csrf_token=CSRF_STAND_IN):
            parts = nodelist.render(context).split(CSRF_STAND_IN)
        cache.set(key, parts, timeout)
    return mark_safe(str(token).join(parts))


class CachedCardNode(template.Node):
    def __init__(self, generation: template.base.FilterExpression, nodelist: template.NodeList) -> None:
        self.generation, self.nodelist = generation, nodelist

    def render(self, context: template.Context) -> str:
        generation = self.generation.resolve(context)
        if generation.status not in FINAL_STATUSES:
            return self.nodelist.render(context)
        return _kept(card_key(generation, context), CARD_TIMEOUT_S, self.nodelist, context)


class CachedPageNode(template.Node):
    def __init__(self, page: template.base.FilterExpression, nodelist: template.NodeList) -> None:
        self.page, self.nodelist = page, nodelist

    def render(self, context: template.Context) -> str:
        page, user = self.page.resolve(context), context.get("user")
        if user is None or any(status not in FINAL_STATUSES for _, status, _ in page.stamps):
            return self.nodelist.render(context)
        return _kept(page_key(page, user.pk, context), PAGE_TIMEOUT_S, self.nodelist, context)


def _block(parser: template.base.Parser, token: template.base.Token, node: type, what: str) -> template.Node:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"'{bits[0]}' takes one argument, the {what}")
    nodelist = parser.parse((f"end{bits[0]}",))
    parser.delete_first_token()
    return node(parser.compile_filter(bits[1]), nodelist)


@register.tag
def cachedcard(parser: template.base.Parser, token: template.base.Token) -> template.Node:
    return _block(parser, token, CachedCardNode, "generation")


@register.tag
def cachedpage(parser: template.base.Parser, token: template.base.Token) -> template.Node:
    return _block(parser, token, CachedPageNode, "gallery page")
