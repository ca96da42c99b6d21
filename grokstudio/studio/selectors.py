"""Reads: what a user may see, always scoped to that user."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from grokstudio.studio.models import Asset, Generation

GALLERY_PAGE_SIZE = 60


def _with_assets(queryset: QuerySet[Generation]) -> QuerySet[Generation]:
    return queryset.prefetch_related(
        Prefetch("outputs", queryset=Asset.objects.order_by("index")),
        Prefetch("references__asset"),
    )


def gallery(user) -> QuerySet[Generation]:
    return _with_assets(Generation.objects.filter(user=user))[:GALLERY_PAGE_SIZE]


def changed_since(user, since: datetime) -> QuerySet[Generation]:
    return _with_assets(Generation.objects.filter(user=user, updated_at__gt=since))


def has_active(user) -> bool:
    return Generation.objects.filter(user=user).active().exists()


def get_generation_for_user(user, generation_id: int) -> Generation:
    """The user's own generation, or 404: another user's objects do not exist for them."""
    return get_object_or_404(_with_assets(Generation.objects.filter(user=user)), pk=generation_id)


def get_asset_for_user(user, asset_id: int) -> Asset:
    asset = get_object_or_404(Asset.objects.select_related("generation"), pk=asset_id, user=user)
    if not asset.file:
        raise Http404
    return asset


def preset_assets(user, initial) -> dict[str, Asset]:
    """The user's own gallery items a create form starts from (Animate, Extend), for their thumbnails."""
    presets = {}
    for field in ("image_asset", "video_asset"):
        value = str(initial.get(field) or "")
        if value.isascii() and value.isdigit():
            asset = Asset.objects.filter(pk=int(value), user=user).first()
            if asset is not None:
                presets[field] = asset
    return presets
