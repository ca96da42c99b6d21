"""make bench-gallery: is a gallery of 100,000 items as quick as a new one?

Seeds one user with N completed generations (a database under /tmp that already
holds exactly N is reused), serves the studio with one gunicorn process of 2
threads, and measures over fresh connections: the first gallery page, a page
1,000 pages deep (its keyset cursor computed from the database), and how many
idle polls with nothing new (the 204 an open gallery gets every 15 s) that one
process answers per second for one signed-in user, through the whole middleware
stack. SQL queries per request are counted in-process with the test client.

Last line: items=N first_ms=A deep_ms=B deep_ratio=B/A queries_first=Q queries_poll=P idle_polls_per_s=R
Targets: deep_ratio <= 1.2, queries_first <= 8 (whatever the page size), queries_poll <= 2;
R is reported, with no target.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serving import USERNAME, free_port, seed, stop, wait_until_up  # noqa: E402

DEEP_PAGES = 1000
MAX_QUERIES_FIRST, MAX_QUERIES_POLL = 8, 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--var-dir", type=Path, default=Path("/tmp/bench-gallery-var"))
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of a throughput round")
    parser.add_argument("--rounds", type=int, default=5, help="throughput rounds of idle polls")
    parser.add_argument("--threads", type=int, default=4, help="concurrent clients in a throughput round")
    args = parser.parse_args()

    seeded = _seeded_count(args.var_dir)
    if seeded != args.items:
        shutil.rmtree(args.var_dir, ignore_errors=True)
    os.environ.update(STUDIO_VAR_DIR=str(args.var_dir), DJANGO_SETTINGS_MODULE="bench.settings")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    # The bench's own SQLite database and media, whatever the shell points the studio at.
    for name in ("DATABASE_URL", "STUDIO_MEDIA_ROOT"):
        os.environ.pop(name, None)
    import django

    django.setup()
    if seeded == args.items:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        print(f"reusing {args.var_dir}: {seeded} items already seeded", flush=True)
    else:
        seed(args.items)
    return run(args)


def _seeded_count(var: Path) -> int:
    """How many items the bench user has in a database left by an earlier run; -1 if unreadable."""
    if not (var / "db.sqlite3").exists():
        return 0
    query = (
        "SELECT count(*) FROM studio_generation g JOIN auth_user u ON u.id = g.user_id "
        "WHERE u.username = ? AND g.status = 'completed'"
    )
    try:
        with closing(sqlite3.connect(var / "db.sqlite3")) as db:
            return db.execute(query, (USERNAME,)).fetchone()[0]
    except sqlite3.Error:
        return -1


def run(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from grokstudio.studio.models import Generation
    from grokstudio.studio.selectors import GALLERY_PAGE_SIZE, encode_cursor

    user = get_user_model().objects.get(username=USERNAME)
    items = Generation.objects.filter(user=user).count()
    # The last item of page 1,000: the next page starts right after it.
    position = max(0, min(DEEP_PAGES * GALLERY_PAGE_SIZE, items - GALLERY_PAGE_SIZE) - 1)
    newest_first = Generation.objects.filter(user=user).order_by("-created_at", "-id")
    deep_after = newest_first[position]
    page = (position + 1) // GALLERY_PAGE_SIZE + 1
    print(f"deep page: page {page:,}, after item {position + 1:,} of {items:,}")
    # Every seeded row was last changed when it finished, so "now" means nothing changed since.
    # The poll is asked as an open, idle gallery asks it: its idle poller's URL plus
    # what the page adds (the newest card it shows, and that it takes new ones).
    since = quote(timezone.now().isoformat())
    paths = {
        "first": "/",
        "deep": f"/?cursor={quote(encode_cursor(deep_after))}",
        "poll": f"/poll/?since={since}&idle=1&newest={newest_first[0].pk}&live=1",
    }
    expected = {"first": 200, "deep": 200, "poll": 204}

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    queries = {name: _queries(client, paths[name], expected[name]) for name in ("first", "deep", "poll")}
    for name, sql in queries.items():
        print(f"queries_{name}={len(sql)}")
    for name, limit in (("first", MAX_QUERIES_FIRST), ("poll", MAX_QUERIES_POLL)):
        if len(queries[name]) > limit:
            print(f"{name}: {len(queries[name])} queries, target {limit}:")
            for i, sql in enumerate(queries[name], 1):
                print(f"  {i}. {sql[:600]}")
    _check_cursor(client, paths, deep_after, newest_first)

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "gthread", "--threads", "2",
         "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--log-level", "warning",
         "grokstudio.wsgi:application"],
        cwd=ROOT, env=os.environ.copy(),
    )  # fmt: skip
    try:
        wait_until_up(server, port)
        web = _Http(port, cookie)
        first_ms, deep_ms = web.medians(paths["first"], paths["deep"], args.runs)
        print(f"median of {args.runs}: first page {first_ms:.1f} ms, deep page {deep_ms:.1f} ms")
        web.throughput(paths["poll"], expected["poll"], 1.0, args.threads)  # unrecorded: warming up
        # Background load on a shared machine drifts: the median of several rounds is reported.
        print(f"idle polls: {args.rounds} rounds of {args.seconds:g} s, {args.threads} clients")
        rates = []
        for round_ in range(1, args.rounds + 1):
            rates.append(web.throughput(paths["poll"], expected["poll"], args.seconds, args.threads))
            print(f"round {round_}: {rates[-1]:,.0f} idle polls/s", flush=True)
        idle_polls_per_s = statistics.median(rates)
    finally:
        stop(server)

    deep_ratio = deep_ms / first_ms
    verdicts = {
        "deep_ratio<=1.2": deep_ratio <= 1.2,
        f"queries_first<={MAX_QUERIES_FIRST}": len(queries["first"]) <= MAX_QUERIES_FIRST,
        f"queries_poll<={MAX_QUERIES_POLL}": len(queries["poll"]) <= MAX_QUERIES_POLL,
    }
    print("targets: " + " ".join(f"{name}:{'met' if ok else 'MISSED'}" for name, ok in verdicts.items()))
    print(
        f"items={items} first_ms={first_ms:.1f} deep_ms={deep_ms:.1f} deep_ratio={deep_ratio:.2f} "
        f"queries_first={len(queries['first'])} queries_poll={len(queries['poll'])} "
        f"idle_polls_per_s={idle_polls_per_s:.0f}"
    )
    return 0


def _queries(client, path: str, expected: int) -> list[str]:
    """The SQL of one request, after a first one has filled the per-process caches (templates, ...)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != expected:
        raise SystemExit(f"GET {path} answered {response.status_code}, expected {expected}")
    return [q["sql"] for q in captured.captured_queries]


def _check_cursor(client, paths: dict[str, str], deep_after, newest_first) -> None:
    """Say so if the deep page is not the page after the cursor: its timing would then mean nothing."""
    newest = newest_first.first()
    following = newest_first.filter(created_at__lte=deep_after.created_at).exclude(pk=deep_after.pk).first()
    first, deep = client.get(paths["first"]).content.decode(), client.get(paths["deep"]).content.decode()

    def shows(html: str, generation) -> bool:
        marks = [generation.get_absolute_url()] + [f"/a/{a.pk}/" for a in generation.outputs.all()[:1]]
        return any(mark in html for mark in marks)

    if following is None:
        return
    if not (shows(first, newest) and shows(deep, following) and not shows(deep, newest)):
        print("warning: the deep page does not look like the page after its cursor")


class _Http:
    """Plain HTTP/1.1 requests, one connection each, as a browser's first visit makes them."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port, self.headers = port, {"Cookie": cookie, "Connection": "close"}

    def get(self, path: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers=self.headers)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    def medians(self, first: str, deep: str, runs: int) -> tuple[float, float]:
        """Median milliseconds of each page, requested in turn so that drift hits both alike."""
        times: dict[str, list[float]] = {first: [], deep: []}
        for i in range(runs + 3):
            for path in (first, deep):
                started = time.perf_counter()
                status = self.get(path)
                if status != 200:
                    raise SystemExit(f"GET {path} answered {status}, expected 200")
                if i >= 3:  # the first rounds only warm up
                    times[path].append((time.perf_counter() - started) * 1000)
        return statistics.median(times[first]), statistics.median(times[deep])

    def throughput(self, path: str, expected: int, seconds: float, threads: int) -> float:
        done, wrong = [0] * threads, [0] * threads
        deadline = time.monotonic() + seconds

        def client(i: int) -> None:
            while time.monotonic() < deadline:
                if self.get(path) == expected:
                    done[i] += 1
                else:
                    wrong[i] += 1

        workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
        started = time.monotonic()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if sum(wrong):
            raise SystemExit(f"GET {path}: {sum(wrong)} answers were not {expected}")
        return sum(done) / (time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
