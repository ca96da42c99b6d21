"""`manage.py seed_gallery`: fill a user's gallery with completed generations, fast.

For demos and benchmarks: a few small real files (JPEGs with WebP thumbnails, MP4s
with WebP posters) are stored once under `seed/`, and every seeded Asset names
them. Rows go in with bulk_create, oldest first, so ids ascend with `created_at`
as in a real gallery. 100,000 generations take well under a minute on SQLite.
"""

from __future__ import annotations

import io
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import av
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from PIL import Image, ImageDraw, ImageOps

from grokstudio.studio.catalog import IMAGE_MODELS, VIDEO_MODELS
from grokstudio.studio.media.clips import check_clip
from grokstudio.studio.media.images import thumbnail_webp
from grokstudio.studio.models import Asset, Collection, Generation, Kind, Status

BATCH = 2_000
TICKS_PER_USD = 10_000_000_000
IMAGE_RATIOS = ("1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3")
VIDEO_RATIOS = ("16:9", "9:16")

ADJECTIVES = (
    "misty", "golden", "neon", "ancient", "tiny", "giant", "rusty", "glowing", "frozen", "velvet",
    "stormy", "quiet", "crystal", "paper", "copper", "floating", "sleepy", "electric", "mossy", "lonely",
)  # fmt: skip
SUBJECTS = (
    "fox", "lighthouse", "robot", "cat", "whale", "castle", "bicycle", "owl", "teapot", "dragon",
    "astronaut", "tram", "octopus", "greenhouse", "samurai", "hot-air balloon", "violin", "deer",
    "submarine", "bakery",
)  # fmt: skip
PLACES = (
    "in a rainy alley", "on the moon", "under a cherry tree", "at the bottom of the sea",
    "in a snowy forest", "above the clouds", "in a desert at dusk", "on a crowded market street",
    "inside a library", "by a mountain lake", "in a neon city", "on a windswept cliff",
)  # fmt: skip
STYLES = (
    "watercolor", "35mm film photo", "isometric illustration", "oil painting", "studio lighting",
    "pixel art", "cinematic, wide angle", "ukiyo-e print", "claymation", "pencil sketch",
)  # fmt: skip
COLLECTION_NAMES = ("Moodboard", "Client picks", "Wallpapers", "Print shop", "Storyboard", "Inspiration")


@dataclass(frozen=True)
class SampleFile:
    """A file stored once and named by many seeded assets."""

    kind: str
    name: str
    thumbnail: str
    content_type: str
    size_bytes: int
    width: int
    height: int
    duration_s: float | None = None


class Command(BaseCommand):
    help = "Create N completed generations (with shared sample files) for a user, for demos and benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--count", type=int, default=1_000)
        parser.add_argument("--password", help="Password; without it a new user has none that works.")
        parser.add_argument("--collections", type=int, default=3, help="How many named collections to fill.")
        parser.add_argument("--seed", type=int, help="Random seed, for a reproducible gallery.")

    def handle(self, *args, username: str, count: int, password: str | None, collections: int,
               seed: int | None, **options) -> None:  # fmt: skip
        started = time.monotonic()
        rng = random.Random(seed)
        users = get_user_model().objects
        user = users.filter(username=username).first() or users.create_user(username, password=password)
        if password and not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        samples = _store_samples()
        stamps = _timestamps(user, count, rng)
        ids: list[int] = []
        for first in range(0, count, BATCH):
            with transaction.atomic():
                ids += _seed_batch(user, stamps[first : first + BATCH], samples, rng)
        _fill_collections(user, ids, collections, rng)
        self.stdout.write(
            f"seeded {count} generations for {username} in {time.monotonic() - started:.1f}s "
            f"(user now has {Generation.objects.filter(user=user).count()})"
        )


def _timestamps(user, count: int, rng: random.Random) -> list[datetime]:
    """Creation times over the past year, ascending, after anything the user already has."""
    now = timezone.now()
    latest = Generation.objects.filter(user=user).aggregate(m=Max("created_at"))["m"]
    year_ago = now - timedelta(days=365)
    start = max(year_ago, latest + timedelta(milliseconds=1)) if latest else year_ago
    # Leave room for the finish times: nothing ends in the future.
    span = max((now - timedelta(minutes=5) - start).total_seconds(), 1.0)
    return [start + timedelta(seconds=s) for s in sorted(rng.uniform(0, span) for _ in range(count))]


def _seed_batch(user, stamps: list[datetime], samples: dict, rng: random.Random) -> list[int]:
    generations = [_generation(user, created_at, rng) for created_at in stamps]
    Generation.objects.create_finished(generations)
    ids = [g.pk for g in generations]
    assets = []
    for generation in generations:
        if generation.kind == Kind.VIDEO:
            choices = samples[("video", generation.params["aspect_ratio"])]
        else:
            choices = samples[("image", generation.params["aspect_ratio"])]
        for index in range(generation.params["n"]):
            sample = choices[(generation.pk + index) % len(choices)]
            assets.append(_asset(user, generation, index, sample))
    Asset.objects.bulk_create(assets)
    return ids


def _generation(user, created_at: datetime, rng: random.Random) -> Generation:
    prompt = f"{rng.choice(ADJECTIVES)} {rng.choice(SUBJECTS)} {rng.choice(PLACES)}, {rng.choice(STYLES)}"
    prompt = ("A " + prompt) if rng.random() < 0.5 else prompt.capitalize()
    if rng.random() < 0.1:
        model = VIDEO_MODELS[rng.choice(list(VIDEO_MODELS))]
        duration = rng.choice((5, 6, 8, 10))
        kind, took = Kind.VIDEO, rng.uniform(25, 90)
        params = {
            "mode": "text", "n": 1, "duration": duration, "aspect_ratio": rng.choice(VIDEO_RATIOS),
            "resolution": rng.choice(model.resolutions), "audio": rng.random() < 0.8, "shape": "",
        }  # fmt: skip
        cost = round(model.usd_per_second * duration * TICKS_PER_USD)
    else:
        model = IMAGE_MODELS[rng.choice(list(IMAGE_MODELS))]
        n = rng.choices((1, 2, 4), weights=(75, 15, 10))[0]
        kind, took = Kind.IMAGE, rng.uniform(3, 9)
        params = {
            "aspect_ratio": rng.choice(IMAGE_RATIOS), "resolution": rng.choice(model.resolutions),
            "n": n, "mode": "text",
        }  # fmt: skip
        cost = round(model.usd_per_image * n * TICKS_PER_USD)
    return Generation(
        user=user, kind=kind, prompt=prompt, model=model.name, params=params, status=Status.COMPLETED,
        progress=100, cost_usd_ticks=cost, favorite=rng.random() < 0.03, created_at=created_at,
        started_at=created_at + timedelta(seconds=rng.uniform(0.05, 0.5)),
        finished_at=created_at + timedelta(seconds=took),
    )  # fmt: skip


def _asset(user, generation: Generation, index: int, sample: SampleFile) -> Asset:
    return Asset(
        user=user, generation=generation, role=Asset.Role.OUTPUT, kind=sample.kind, index=index,
        file=sample.name, thumbnail=sample.thumbnail, content_type=sample.content_type,
        size_bytes=sample.size_bytes, width=sample.width, height=sample.height,
        duration_s=sample.duration_s, created_at=generation.finished_at,
    )  # fmt: skip


def _fill_collections(user, ids: list[int], count: int, rng: random.Random) -> None:
    if not ids:
        return
    through = Collection.generations.through
    for name in (COLLECTION_NAMES * (1 + count // len(COLLECTION_NAMES)))[:count]:
        collection, _ = Collection.objects.get_or_create(user=user, name=name)
        picked = rng.sample(ids, min(len(ids), rng.randint(12, 80)))
        through.objects.bulk_create(
            [through(collection_id=collection.pk, generation_id=pk) for pk in picked], ignore_conflicts=True
        )


# --- the shared sample files ------------------------------------------------------


def _store_samples() -> dict[tuple[str, str], list[SampleFile]]:
    """Two JPEGs per image aspect ratio and one MP4 per video ratio, each stored once."""
    samples: dict[tuple[str, str], list[SampleFile]] = {}
    for i, ratio in enumerate(IMAGE_RATIOS):
        width, height = _fit(ratio, 256)
        for variant in range(2):
            data = _draw_jpeg(width, height, seed=i * 2 + variant)
            stem = f"seed/image-{ratio.replace(':', 'x')}-{variant}"
            sample = SampleFile(
                Kind.IMAGE, _store(f"{stem}.jpg", data), _store(f"{stem}-thumb.webp", thumbnail_webp(data)),
                "image/jpeg", len(data), width, height,
            )  # fmt: skip
            samples.setdefault(("image", ratio), []).append(sample)
    for i, ratio in enumerate(VIDEO_RATIOS):
        clip = check_clip(_encode_mp4(*_fit(ratio, 320), seed=100 + i))
        stem = f"seed/video-{ratio.replace(':', 'x')}"
        sample = SampleFile(
            Kind.VIDEO, _store(f"{stem}.mp4", clip.data), _store(f"{stem}-poster.webp", clip.poster),
            clip.content_type, len(clip.data), clip.width, clip.height, round(clip.duration_s, 3),
        )  # fmt: skip
        samples[("video", ratio)] = [sample]
    return samples


def _store(name: str, data: bytes) -> str:
    # A rerun finds its files in place; anything else under that name is left alone.
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as existing:
            if existing.read() == data:
                return name
    return default_storage.save(name, ContentFile(data))


def _fit(ratio: str, long_side: int) -> tuple[int, int]:
    w, h = (float(x) for x in ratio.split(":"))
    scale = long_side / max(w, h)
    # Even sides: H.264 in 4:2:0 needs them.
    return round(w * scale / 2) * 2, round(h * scale / 2) * 2


def _palette(seed: int) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    rng = random.Random(seed)
    return tuple(rng.randrange(40, 120) for _ in range(3)), tuple(rng.randrange(140, 255) for _ in range(3))


def _draw_jpeg(width: int, height: int, seed: int) -> bytes:
    """A gradient with a few shapes: something that reads as a picture in a grid."""
    rng = random.Random(seed)
    dark, light = _palette(seed)
    image = ImageOps.colorize(Image.linear_gradient("L").resize((width, height)), dark, light)
    draw = ImageDraw.Draw(image)
    for _ in range(4):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(12, max(13, width // 3))
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x - r, y - r, x + r, y + r), fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _encode_mp4(width: int, height: int, seed: int, seconds: float = 2.0, fps: int = 12) -> bytes:
    """A short H.264 clip of a ball crossing the frame: two seconds, long enough to be extended."""
    dark, light = _palette(seed)
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        frames = round(seconds * fps)
        for i in range(frames):
            image = Image.new("RGB", (width, height), dark)
            draw = ImageDraw.Draw(image)
            x, r = (width + 40) * i // frames - 20, min(width, height) // 5
            draw.ellipse((x - r, height // 2 - r, x + r, height // 2 + r), fill=light)
            container.mux(stream.encode(av.VideoFrame.from_image(image)))
        container.mux(stream.encode())
    return out.getvalue()
