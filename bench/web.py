"""make bench-web: does the gallery keep up with a team?

A fresh studio under /tmp with one user and N (2,000) completed items, served as production
serves it: `docker/entrypoint.sh web` (gunicorn, WEB_CONCURRENCY processes of WEB_THREADS
threads, 2 of 4 unless set), DJANGO_DEBUG=false, static files collected, and every request
arriving as nginx (docker/nginx.conf) passes it on: a connection of its own, with
`X-Forwarded-Proto: https`, which the studio trusts here as there
(DJANGO_SECURE_PROXY_SSL_HEADER). The user signs in once through the sign-in form; then C
clients (30) on that session ask, without pause, for S seconds (60), in turn for the gallery
page and for the poll an open, idle gallery sends. An answer other than 2xx or 304, or no
answer, is an error. The cache is the studio's own (files under the var dir; Redis when
REDIS_URL is set), warmed by a few requests before the clock starts.

Last line: clients=C gallery_p50_ms=A gallery_p95_ms=B poll_p95_ms=P errors=E
Targets: gallery_p95_ms <= 400, errors == 0.
"""

from __future__ import annotations

import argparse
import html
import http.client
import math
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serving import USERNAME, free_port, seed, stop, wait_until_up  # noqa: E402

PASSWORD = "bench-web-password-not-secret"
MAX_GALLERY_P95_MS = 400
WARM_UP_REQUESTS = 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--var-dir", type=Path, default=Path("/tmp/bench-web-var"))
    args = parser.parse_args()

    shutil.rmtree(args.var_dir, ignore_errors=True)
    env = _production_env(args.var_dir)
    os.environ.clear()
    os.environ.update(env, DJANGO_SETTINGS_MODULE="grokstudio.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    seed(args.items, password=PASSWORD)
    call_command("collectstatic", interactive=False, verbosity=0)
    print(f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}", flush=True)

    port = free_port()
    log = open(args.var_dir / "gunicorn.log", "w")  # noqa: SIM115 (open as long as the server runs)
    # The access log goes to stdout, as in production, but not on this terminal.
    server = subprocess.Popen(
        [str(ROOT / "docker" / "entrypoint.sh"), "web"],
        env={**env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        wait_until_up(server, port)
        result = _run(port, args.clients, args.seconds)
    finally:
        stop(server)
        log.close()
    if result is None:
        print(f"server log: {args.var_dir / 'gunicorn.log'}")
        return 1
    gallery, poll, errors = result
    gallery_p50, gallery_p95 = _percentile(gallery, 50), _percentile(gallery, 95)
    poll_p95 = _percentile(poll, 95)
    print(
        f"requests: {len(gallery)} gallery pages and {len(poll)} polls in {args.seconds:g} s "
        f"({(len(gallery) + len(poll)) / args.seconds:.0f}/s), gallery p50 {gallery_p50:.0f} ms"
    )
    verdicts = {
        f"gallery_p95_ms<={MAX_GALLERY_P95_MS}": gallery_p95 <= MAX_GALLERY_P95_MS,
        "errors==0": errors == 0,
    }
    print("targets: " + " ".join(f"{name}:{'met' if ok else 'MISSED'}" for name, ok in verdicts.items()))
    print(
        f"clients={args.clients} gallery_p50_ms={gallery_p50:.0f} gallery_p95_ms={gallery_p95:.0f} "
        f"poll_p95_ms={poll_p95:.0f} errors={errors}"
    )
    return 0


def _production_env(var: Path) -> dict[str, str]:
    """The environment of a production web process, pointed at a studio under `var`."""
    # The bench's own database and media, whatever the shell points the studio at; its cache
    # too, unless REDIS_URL names one.
    ours = ("DJANGO_", "DATABASE_", "STUDIO_", "XAI_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(
        PYTHON=sys.executable, STUDIO_VAR_DIR=str(var), STUDIO_STATIC_ROOT=str(var / "static"),
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY="bench-web-only-not-secret-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1", DJANGO_SECURE_PROXY_SSL_HEADER="true", DJANGO_LOG_LEVEL="WARNING",
    )  # fmt: skip
    return env


class _Browser:
    """One signed-in person's requests, each on a connection of its own, as nginx sends them."""

    def __init__(self, port: int) -> None:
        self.port, self.cookies = port, SimpleCookie()

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        origin = f"https://127.0.0.1:{self.port}"
        headers = {"X-Forwarded-Proto": "https", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": origin,
                            "Referer": origin + path})  # fmt: skip
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for value in response.headers.get_all("Set-Cookie") or []:
                self.cookies.load(value)
            return response.status, text
        finally:
            connection.close()

    def sign_in(self) -> None:
        status, page = self.request("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise SystemExit(f"the sign-in page answered {status}")
        form = {"login": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
        status, _ = self.request("POST", "/accounts/login/", form)
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"signing in answered {status}")


def _run(port: int, clients: int, seconds: float) -> tuple[list[float], list[float], int] | None:
    browser = _Browser(port)
    browser.sign_in()
    status, page = browser.request("GET", "/")
    poller = re.search(r'<div id="poller"[^>]*hx-get="([^"]+)"', page)
    newest = re.search(r'<article id="gen-(\d+)"', page)
    if status != 200 or not poller or not newest:
        print(f"the gallery answered {status} without its poller and cards")
        return None
    # What studio.js adds to the idle poller's URL: the newest card shown, and that it takes new ones.
    poll = f"{html.unescape(poller.group(1))}&newest={newest.group(1)}&live=1"
    for _ in range(WARM_UP_REQUESTS):
        browser.request("GET", "/")
        browser.request("GET", poll)

    times: dict[str, list[float]] = {"gallery": [], "poll": []}
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        paths = (("gallery", "/"), ("poll", poll))
        turn = 0
        while time.monotonic() < deadline:
            name, path = paths[turn % 2]
            turn += 1
            started = time.perf_counter()
            try:
                status, _ = browser.request("GET", path)
            except (OSError, http.client.HTTPException):
                status = 0
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if 200 <= status < 300 or status == 304:
                    times[name].append(elapsed)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if not times["gallery"] or not times["poll"]:
        print("no request succeeded")
        return None
    return times["gallery"], times["poll"], errors[0]


def _percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile: p % of the values are at most this."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


if __name__ == "__main__":
    sys.exit(main())
