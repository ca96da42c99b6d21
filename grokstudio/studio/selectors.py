"""Reads: what a user may see, always scoped to that user.

The gallery pages with a keyset cursor (the last card's creation time and id),
never OFFSET: page 1,000 costs what page 1 costs, because both are one walk
along the `(user, created_at, id)` index from a known point.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum, When
from django.db.models.functions import TruncDate, TruncMonth
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property

from grokstudio.studio import catalog
from grokstudio.studio.models import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    Asset,
    Collection,
    Generation,
    Preset,
    PromptHelp,
    ShareLink,
    Status,
)
from grokstudio.studio.validation import plausible_id

GALLERY_PAGE_SIZE = 60
CURSOR_FORMAT = "%Y%m%d%H%M%S%f"
CURSOR_DIGITS = 20  # what CURSOR_FORMAT writes: four for the year, two each to the second, six below
MAX_POLL_LOOKBACK = timedelta(days=1)


@dataclass(frozen=True)
class GalleryFilters:
    """What a gallery view shows; it lives in the URL so a view can be bookmarked."""

    q: str = ""
    kind: str = ""
    status: str = ""
    model: str = ""
    favorites: bool = False
    collection: Collection | None = None
    oldest_first: bool = False

    def querystring(self, **extra: str) -> str:
        """These filters as URL parameters (empty ones left out), plus `extra`."""
        params = {
            "q": self.q,
            "kind": self.kind,
            "status": self.status,
            "model": self.model,
            "fav": "1" if self.favorites else "",
            "collection": str(self.collection.pk) if self.collection else "",
            "sort": "oldest" if self.oldest_first else "",
            **extra,
        }
        return urlencode({k: v for k, v in params.items() if v})

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.kind or self.status or self.model or self.favorites or self.collection)

    def without_sort(self) -> GalleryFilters:
        return replace(self, oldest_first=False)


def encode_cursor(generation: Generation) -> str:
    return _cursor(generation.created_at, generation.pk)


def _cursor(created_at: datetime, pk: int) -> str:
    return f"{created_at.astimezone(UTC).strftime(CURSOR_FORMAT)}-{pk}"


def decode_cursor(value: str) -> tuple[datetime, int] | None:
    stamp, _, pk = value.partition("-")
    # Exactly as encode_cursor writes it (and the API's schema publishes it): strptime alone
    # would also take fewer digits of a second, or a year written short.
    if not (len(stamp) == CURSOR_DIGITS and stamp.isascii() and stamp.isdigit()) or not plausible_id(pk):
        return None
    try:
        return datetime.strptime(stamp, CURSOR_FORMAT).replace(tzinfo=UTC), int(pk)
    except ValueError:
        return None


def _filtered(user, filters: GalleryFilters) -> QuerySet[Generation]:
    queryset = Generation.objects.filter(user=user)
    if filters.q:
        for word in filters.q.split():
            queryset = queryset.filter(prompt__icontains=word)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.status == "active":
        queryset = queryset.filter(status__in=ACTIVE_STATUSES)
    elif filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.model:
        queryset = queryset.filter(model=filters.model)
    if filters.favorites:
        queryset = queryset.filter(favorite=True)
    if filters.collection is not None:
        queryset = queryset.filter(collections=filters.collection)
    return queryset


def _ordered(queryset: QuerySet[Generation], oldest_first: bool) -> QuerySet[Generation]:
    return queryset.order_by("created_at", "id") if oldest_first else queryset.order_by("-created_at", "-id")


def _beyond(
    queryset: QuerySet[Generation], created_at: datetime, pk: int, forward: bool
) -> QuerySet[Generation]:
    """Rows after (created_at, pk) in the walking direction.

    Written as a range on created_at minus the cursor's own tie, not as an OR of
    two ranges: both SQLite and PostgreSQL then walk the index in order and stop
    at the page's end, instead of collecting and sorting everything beyond.
    """
    if forward:  # newest first: walking towards older rows
        return queryset.filter(created_at__lte=created_at).exclude(created_at=created_at, pk__gte=pk)
    return queryset.filter(created_at__gte=created_at).exclude(created_at=created_at, pk__lte=pk)


def _with_outputs(queryset: QuerySet[Generation]) -> QuerySet[Generation]:
    return queryset.prefetch_related(Prefetch("outputs", queryset=Asset.objects.order_by("index")))


def _with_assets(queryset: QuerySet[Generation]) -> QuerySet[Generation]:
    return _with_outputs(queryset).prefetch_related(Prefetch("references__asset"))


class GalleryPage:
    """One page of a gallery: what each card is (its id, state and last change) and where the
    next page starts come with the page; the rows themselves, with their outputs, are read
    only when something asks for `generations`. A page whose cards are all finished is kept
    whole by the gallery's `{% cache %}`, keyed on the stamps, and then never does."""

    def __init__(self, user, stamps: list[tuple[int, str, datetime]], next_cursor: str | None) -> None:
        self.user, self.stamps, self.next_cursor = user, stamps, next_cursor

    @property
    def is_final(self) -> bool:
        """Every card is in a final state: nothing on the page changes but through its row."""
        return all(status in FINAL_STATUSES for _, status, _ in self.stamps)

    @cached_property
    def generations(self) -> list[Generation]:
        # The stamps are the user's already; the rows are read as theirs all the same.
        mine = Generation.objects.filter(user=self.user, pk__in=[pk for pk, _, _ in self.stamps])
        rows = _with_outputs(mine)
        by_pk = {row.pk: row for row in rows}
        return [by_pk[pk] for pk, _, _ in self.stamps if pk in by_pk]


def gallery_page(user, filters: GalleryFilters = GalleryFilters(), cursor: str = "") -> GalleryPage:
    """One page of the user's gallery: one short query, then two more (rows, then their
    outputs) if its cards are read, whatever the page size."""
    queryset = _ordered(_filtered(user, filters), filters.oldest_first)
    position = decode_cursor(cursor) if cursor else None
    if position is not None:
        queryset = _beyond(queryset, *position, forward=not filters.oldest_first)
    rows = list(queryset.values_list("pk", "status", "updated_at", "created_at")[: GALLERY_PAGE_SIZE + 1])
    more = len(rows) > GALLERY_PAGE_SIZE
    rows = rows[:GALLERY_PAGE_SIZE]
    next_cursor = _cursor(rows[-1][3], rows[-1][0]) if more else None
    return GalleryPage(user, [(pk, status, updated_at) for pk, status, updated_at, _ in rows], next_cursor)


def parse_poll_since(value: str) -> datetime | None:
    """A poll's `since`, or None for anything that is not a sensible recent time."""
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


def poll_state(user, since: datetime | None) -> tuple[list[int], bool]:
    """Ids of the rows changed since `since`, and whether any row is still at work.

    Every open gallery asks this every few seconds, so it is one query however
    large the gallery: a UNION of "at work" and "changed", each half a short walk
    on its own index (`gen_user_status`, `gen_user_changed`). Written as one OR,
    SQLite would walk all the user's rows instead.
    """
    mine = Generation.objects.filter(user=user).order_by()
    columns = ("pk", "status", "updated_at")
    rows = mine.active().values_list(*columns)
    if since is not None:
        rows = rows.union(mine.filter(updated_at__gt=since).values_list(*columns), all=True)
    changed, active = set(), False
    for pk, status, updated_at in rows:
        active = active or status in ACTIVE_STATUSES
        if since is not None and updated_at > since:
            changed.add(pk)
    return sorted(changed), active


def cards(user, ids: list[int]) -> list[Generation]:
    return list(_with_outputs(Generation.objects.filter(user=user, pk__in=ids)))


def has_active(user) -> bool:
    return Generation.objects.filter(user=user).active().exists()


def collections(user) -> QuerySet[Collection]:
    return Collection.objects.filter(user=user)


def get_collection_for_user(user, collection_id: int) -> Collection:
    return get_object_or_404(Collection, pk=collection_id, user=user)


def get_generation_for_user(user, generation_id: int) -> Generation:
    """The user's own generation, or 404: another user's objects do not exist for them."""
    return get_object_or_404(_with_assets(Generation.objects.filter(user=user)), pk=generation_id)


def get_asset_for_user(user, asset_id: int) -> Asset:
    asset = get_object_or_404(Asset.objects.select_related("generation"), pk=asset_id, user=user)
    if not asset.file:
        raise Http404
    return asset


def neighbours(user, asset: Asset, filters: GalleryFilters) -> tuple[Asset | None, Asset | None]:
    """The items before and after `asset` in the gallery as filtered: the lightbox's arrow keys.

    Within a generation its images come in order; past either end the walk
    moves on to the nearest completed generation in the gallery's order.
    """
    generation = asset.generation
    if generation is None:
        return None, None
    siblings = list(generation.outputs.order_by("index").only("pk", "index", "kind", "generation_id"))
    position = next((i for i, a in enumerate(siblings) if a.pk == asset.pk), 0)
    previous = siblings[position - 1] if position > 0 else None
    following = siblings[position + 1] if position + 1 < len(siblings) else None
    # Only generations with something to show: one whose images were all moderated has none.
    base = (
        _filtered(user, filters)
        .filter(status=Status.COMPLETED)
        .filter(Exists(Asset.objects.filter(generation=OuterRef("pk"))))
    )
    forward = not filters.oldest_first
    if previous is None:
        before = _ordered(
            _beyond(base, generation.created_at, generation.pk, not forward), not filters.oldest_first
        )
        neighbour = before.first()
        if neighbour is not None:
            previous = neighbour.outputs.order_by("-index").first()
    if following is None:
        after = _ordered(_beyond(base, generation.created_at, generation.pk, forward), filters.oldest_first)
        neighbour = after.first()
        if neighbour is not None:
            following = neighbour.outputs.order_by("index").first()
    return previous, following


def usage(user) -> dict:
    """The user's own counts and cost by day (the 31 latest days with any) and by month, newest
    first: generations, and prompt help (Improve, Describe), whose cost is part of the total."""
    generations = Generation.objects.filter(user=user)
    helps = PromptHelp.objects.filter(user=user)

    def grouped(trunc) -> list[dict]:
        periods: dict = {}
        for row in (
            generations.annotate(period=trunc("created_at"))
            .values("period")
            .annotate(
                images=Count("id", filter=Q(kind="image")),
                videos=Count("id", filter=Q(kind="video")),
                completed=Count("id", filter=Q(status=Status.COMPLETED)),
                failed=Count("id", filter=Q(status__in=[Status.FAILED, Status.TIMEOUT])),
                cost_ticks=Sum("cost_usd_ticks"),
            )
        ):
            periods[row["period"]] = {**row, "helps": 0}
        for row in (
            helps.annotate(period=trunc("created_at"))
            .values("period")
            .annotate(helps=Count("id"), cost_ticks=Sum("cost_usd_ticks"))
        ):
            period = periods.setdefault(
                row["period"],
                {"period": row["period"], "images": 0, "videos": 0, "completed": 0, "failed": 0},
            )
            period["helps"] = row["helps"]
            period["cost_ticks"] = (period.get("cost_ticks") or 0) + (row["cost_ticks"] or 0)
        return [
            {**row, "cost_usd": (row.get("cost_ticks") or 0) / 1e10}
            for _, row in sorted(periods.items(), key=lambda item: item[0], reverse=True)
        ]

    return {"days": grouped(TruncDate)[:31], "months": grouped(TruncMonth)}


def preset_assets(user, initial) -> dict:
    """The user's own gallery items a create form starts from (Animate, Extend, Use as
    reference) or holds (a keyframe row's picture), for their thumbnails. Ids that are not the
    user's, or not of the kind the field takes, are left out."""
    presets: dict = {}
    kinds = {"image_asset": "image", "video_asset": "video"}
    kinds |= {f"keyframe_{n}_asset": "image" for n in range(1, catalog.max_keyframes() + 1)}
    held = {field: int(value) for field in kinds if plausible_id(value := str(initial.get(field) or ""))}
    found = Asset.objects.filter(pk__in=set(held.values()), user=user).in_bulk() if held else {}
    for field, pk in held.items():
        if (asset := found.get(pk)) is not None and asset.kind == kinds[field]:
            presets[field] = asset
    values = (
        initial.getlist("reference_assets")
        if hasattr(initial, "getlist")
        else initial.get("reference_assets")
    )
    ids = [int(v) for v in values or [] if plausible_id(v)]
    if ids:
        found = {a.pk: a for a in Asset.objects.filter(pk__in=ids, user=user, kind="image")}
        presets["reference_assets"] = [found[pk] for pk in ids if pk in found]
    return presets


def get_prompt_help_for_user(user, help_id: int) -> PromptHelp:
    return get_object_or_404(PromptHelp, pk=help_id, user=user)


# --- share links ---------------------------------------------------------------------------------


def share_links(user) -> QuerySet[ShareLink]:
    """The user's links, newest first, each with its item (the Shared links page)."""
    return ShareLink.objects.filter(user=user).select_related("asset", "asset__generation")


def get_share_link_for_user(user, link_id: int) -> ShareLink:
    return get_object_or_404(ShareLink, pk=link_id, user=user)


def get_shared(token: str) -> ShareLink:
    """The live link holding `token`, for anyone: 404 when sharing is off, or the link was
    revoked, has expired or never existed (all alike, so a token's past cannot be probed)."""
    if not settings.STUDIO_ALLOW_SHARING or not token or len(token) > 64:
        raise Http404
    link = get_object_or_404(
        ShareLink.objects.live().select_related("asset", "asset__generation"), token=token
    )
    if not link.asset.file:
        raise Http404
    return link


# --- presets -------------------------------------------------------------------------------------


def presets(user, kind: str | None = None) -> QuerySet[Preset]:
    """The presets a user may apply: their own, then those published for everyone."""
    rows = Preset.objects.filter(Q(user=user) | Q(shared=True))
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by(Case(When(user=user, then=0), default=1), "name", "id")


def get_preset_for_user(user, preset_id: int) -> Preset:
    """A preset the user may apply (their own or a published one), or 404."""
    return get_object_or_404(presets(user), pk=preset_id)


def get_own_preset(user, preset_id: int) -> Preset:
    """A preset the user may change: their own, or any published one for staff; else 404."""
    rows = (
        Preset.objects.filter(Q(user=user) | Q(shared=True))
        if user.is_staff
        else Preset.objects.filter(user=user)
    )
    return get_object_or_404(rows, pk=preset_id)


def preset_named(user, name: str, kind: str) -> Preset | None:
    """The task API's `preset`: the user's own of that name first, then a published one."""
    return presets(user, kind).filter(name=name).first()


def assets_for_user(user, ids: list[int]) -> list[Asset]:
    """The user's items with these ids, in the order given; 404 if any is not theirs (compare)."""
    found = {
        a.pk: a
        for a in Asset.objects.filter(user=user, pk__in=ids).exclude(file="").select_related("generation")
    }
    if len(found) != len(set(ids)):
        raise Http404
    return [found[pk] for pk in dict.fromkeys(ids)]
