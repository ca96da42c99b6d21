"""make bench-images: how close to xAI's per-key rate does the studio get, without going over?

Starts the emulator with --rate-limit (5 image requests and 1 video start a
second per key, xAI's defaults), a fresh SQLite database and a django-q2
cluster as production runs it (`manage.py qcluster`, the default worker
count), submits N image generations (n=1 each) the way the create form does,
and waits until every one has ended. Each has its own prompt, so the emulator
draws every image (no cache hits) and its call record tells the generations
apart. With --videos, N short text-to-video generations instead (1 s clips,
rendered once and served from the emulator's cache after that).

With --load, two CPU-bound processes run for the length of the run: a busy
machine, where calls leave their slots a little late and unevenly.

Last line:
  images=N rps_limit=5 wall_s=W ratio=W/(N/5) refused=R duplicates=D [load=1]
(videos=N rps_limit=1 ... with --videos) where R counts RESOURCE_EXHAUSTED
answers in the emulator's call record and D the generations whose paid call
reached xAI more than once. Targets: ratio <= 1.05, refused == 0, duplicates == 0.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGE_RPS, VIDEO_RPS = 5, 1
# How long "xAI" takes to render a video: short, so the run measures the starts.
VIDEO_LATENCY_S = 1.0
WARM_UP = 8


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=int(os.environ.get("N", 0)) or None)
    parser.add_argument("--videos", action="store_true", help="video starts instead of images")
    parser.add_argument("--load", action="store_true", help="two CPU-bound processes run meanwhile")
    args = parser.parse_args()
    n = args.count or (100 if args.videos else 200)

    var = tempfile.mkdtemp(prefix="bench-images-")
    sys.path.insert(0, str(ROOT))
    from grokstudio.emulator.testing import EmulatorProcess

    flags = ["--rate-limit", "--image-rps", str(IMAGE_RPS), "--video-rps", str(VIDEO_RPS)]
    flags += ["--latency", str(VIDEO_LATENCY_S), "--log-level", "WARNING"]
    with EmulatorProcess(flags, api_key="bench-key") as emulator:
        env = {
            **os.environ,
            "STUDIO_VAR_DIR": var,
            "XAI_API_KEY": emulator.api_key,
            "XAI_API_HOST": emulator.grpc_target,
            "DJANGO_SETTINGS_MODULE": "grokstudio.settings",
            "STUDIO_XAI_IMAGE_RPS": str(IMAGE_RPS),
            "STUDIO_XAI_VIDEO_RPS": str(VIDEO_RPS),
        }
        for name in ("DATABASE_URL", "REDIS_URL", "STUDIO_MEDIA_ROOT", "STUDIO_WORKERS"):
            env.pop(name, None)  # the bench's own database and media, the default worker count
            os.environ.pop(name, None)
        os.environ.update(env)
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        cluster = subprocess.Popen(
            [*manage, "qcluster"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            return run(n, args.videos, args.load, emulator)
        finally:
            cluster.terminate()
            try:
                cluster.wait(timeout=20)
            except subprocess.TimeoutExpired:
                cluster.kill()


def run(n: int, videos: bool, load: bool, emulator) -> int:
    import django

    django.setup()
    from django.db.models import Count

    from grokstudio.studio import services
    from grokstudio.studio.models import FINAL_STATUSES, Generation, Status

    user = django.contrib.auth.get_user_model().objects.create_user("bench", password="bench-password-123")

    def submit(i: int, label: str) -> int:
        if videos:
            data = {"mode": "text", "prompt": f"Waves at night, {label} {i}", "model": "grok-imagine-video",
                    "duration": 1, "aspect_ratio": "16:9", "resolution": "480p", "audio": False}  # fmt: skip
            return services.submit_video_generation(user, data).pk
        data = {"prompt": f"A lighthouse, {label} {i}", "model": "grok-imagine-image",
                "aspect_ratio": "1:1", "resolution": "1k", "n": 1, "references": []}  # fmt: skip
        return services.submit_image_generation(user, data).pk

    def wait_for(ids: list[int], deadline: float) -> dict[str, int]:
        while True:
            rows = Generation.objects.filter(pk__in=ids).values_list("status").annotate(c=Count("id"))
            counts = dict(rows)
            if sum(counts.get(s, 0) for s in FINAL_STATUSES) == len(ids) or time.monotonic() > deadline:
                return counts
            time.sleep(0.1)

    # A production cluster is long running: its workers are up and have met xAI before the
    # clock starts. Then the rate window empties, and the call record starts afresh.
    wait_for([submit(i, "warm-up") for i in range(WARM_UP)], time.monotonic() + 120)
    time.sleep(1.5)
    emulator.clear_calls()
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2 if load else 0)]
    rps = VIDEO_RPS if videos else IMAGE_RPS
    try:
        started, started_at = time.monotonic(), time.time()
        ids = [submit(i, "take") for i in range(n)]
        print(f"submitted {n} generations in {time.monotonic() - started:.1f}s", flush=True)
        counts = wait_for(ids, started + 3 * n / rps + 60)
        wall = time.monotonic() - started
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()

    print(f"statuses: {counts}; emulator renders/cache: {emulator.stats()}")
    calls = emulator.calls("GenerateVideo" if videos else "GenerateImage")
    refused = sum(1 for c in calls if c["code"] == "RESOURCE_EXHAUSTED")
    accepted = collections.Counter(c["request"].get("prompt") for c in calls if c["code"] == "OK")
    duplicates = sum(1 for times in accepted.values() if times > 1)
    codes = collections.Counter(c["code"] for c in calls)
    print(f"calls={len(calls)} by answer: {dict(codes)}")
    times = sorted(c["time"] - started_at for c in calls if c["code"] == "OK")
    if len(times) > 1:
        gaps = sorted(b - a for a, b in itertools.pairwise(times))
        print(
            f"first call at {times[0]:.2f}s, last at {times[-1]:.2f}s; gaps between accepted calls: "
            f"median {gaps[len(gaps) // 2]:.3f}s, max {gaps[-1]:.3f}s; "
            f"median call {sorted(c['duration_s'] for c in calls)[len(calls) // 2]:.3f}s"
        )
    rows = Generation.objects.filter(pk__in=ids)
    slots = dict(rows.values_list("prompt", "started_at"))
    late = sorted(c["time"] - slots[c["request"]["prompt"]].timestamp() for c in calls if c["code"] == "OK")
    busy = sorted((f - s).total_seconds() for s, f in rows.values_list("started_at", "finished_at"))
    print(
        f"calls reached the emulator after their slot: median {late[len(late) // 2] * 1000:.0f} ms, "
        f"p95 {late[int(0.95 * (len(late) - 1))] * 1000:.0f} ms; "
        f"slot to completed: median {busy[len(busy) // 2]:.2f}s"
    )
    kind = "videos" if videos else "images"
    print(
        f"{kind}={n} rps_limit={rps} wall_s={wall:.1f} ratio={wall / (n / rps):.3f} "
        f"refused={refused} duplicates={duplicates}" + (" load=1" if load else "")
    )
    return 0 if counts.get(Status.COMPLETED, 0) == n else 1


if __name__ == "__main__":
    sys.exit(main())
