"""make bench-videos: N videos in flight at once through the real pipeline.

Starts the emulator with latency L (a render takes L seconds on "xAI's side"),
a fresh SQLite database and a django-q2 cluster with the default worker count,
submits N text-to-video generations the way the create form does, and waits
until every one has ended. The emulator renders identical requests once and
serves them from its cache, so what is measured is the studio's overhead on
top of xAI's latency, not the emulator's encoder.

Last line: inflight=N latency_s=L wall_s=W ratio=W/L p95_visible_after_done_s=X
where X is, per video, the time from xAI having it done (its start + L) to the
studio showing it completed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inflight", type=int, default=int(os.environ.get("N", 500)))
    parser.add_argument("--latency", type=float, default=float(os.environ.get("L", 20)))
    args = parser.parse_args()
    n, latency = args.inflight, args.latency

    var = tempfile.mkdtemp(prefix="bench-videos-")
    sys.path.insert(0, str(ROOT))
    from grokstudio.emulator.testing import EmulatorProcess

    with EmulatorProcess(["--latency", str(latency)], api_key="bench-key") as emulator:
        env = {
            **os.environ,
            "STUDIO_VAR_DIR": var,
            "XAI_API_KEY": emulator.api_key,
            "XAI_API_HOST": emulator.grpc_target,
            "DJANGO_SETTINGS_MODULE": "grokstudio.settings",
            # The emulator runs without --rate-limit here: this measures the studio's
            # overhead on top of xAI's latency, not xAI's one video start a second.
            "STUDIO_XAI_VIDEO_RPS": "1000",
        }
        env.pop("DATABASE_URL", None)
        env.pop("STUDIO_WORKERS", None)  # the default worker count
        os.environ.update({k: v for k, v in env.items() if k != "DATABASE_URL"})
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        cluster = subprocess.Popen(
            [*manage, "qcluster"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            return run(n, latency, emulator)
        finally:
            cluster.terminate()
            try:
                cluster.wait(timeout=20)
            except subprocess.TimeoutExpired:
                cluster.kill()


def run(n: int, latency: float, emulator) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from grokstudio.studio import services
    from grokstudio.studio.models import FINAL_STATUSES, Generation, Status

    user = get_user_model().objects.create_user("bench", password="bench-password-123")
    time.sleep(2)  # let the cluster's workers come up before the clock starts
    started = time.monotonic()
    for _ in range(n):
        services.submit_video_generation(
            user,
            {"prompt": "a bench of videos", "model": "grok-imagine-video", "mode": "text", "duration": 2,
             "aspect_ratio": "16:9", "resolution": "480p", "audio": True},
        )  # fmt: skip
    submitted = time.monotonic() - started
    print(f"submitted {n} generations in {submitted:.1f}s", flush=True)

    deadline = started + max(10 * latency, 120)
    while time.monotonic() < deadline:
        counts = dict(
            Generation.objects.values_list("status")
            .annotate(c=django.db.models.Count("id"))
            .values_list("status", "c")
        )
        ended = sum(counts.get(s, 0) for s in FINAL_STATUSES)
        print(f"t={time.monotonic() - started:5.1f}s {counts}", flush=True)
        if ended == n:
            break
        time.sleep(1)
    wall = time.monotonic() - started

    rows = list(Generation.objects.values_list("status", "started_at", "finished_at"))
    completed = [(s, f) for status, s, f in rows if status == Status.COMPLETED]
    after_done = sorted((f - s).total_seconds() - latency for s, f in completed)
    p95 = after_done[int(0.95 * (len(after_done) - 1))] if after_done else float("nan")
    stats = emulator.stats()
    print(f"completed {len(completed)} of {n}; emulator renders/cache: {stats}")
    median = statistics.median(after_done) if after_done else float("nan")
    interval = settings.STUDIO_VIDEO_POLL_INTERVAL_S
    print(
        f"workers={settings.Q_CLUSTER['workers']} video_poll_interval_s={interval} "
        f"median_visible_after_done_s={median:.2f}"
    )
    print(
        f"inflight={n} latency_s={latency:g} wall_s={wall:.1f} ratio={wall / latency:.2f} "
        f"p95_visible_after_done_s={p95:.2f}"
    )
    return 0 if len(completed) == n else 1


if __name__ == "__main__":
    sys.exit(main())
