"""docker/entrypoint.sh, the image's entry point, run as it is outside any container.

`migrate` prepares a fresh database, `web` serves gunicorn in production mode,
`worker` runs the task cluster, and each stops cleanly on SIGTERM (what
`docker stop` sends).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ENTRYPOINT = Path(settings.BASE_DIR) / "docker" / "entrypoint.sh"


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    ours = ("DJANGO_", "DATABASE_", "REDIS_", "STUDIO_", "XAI_")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    environment.update(
        PYTHON=sys.executable, STUDIO_VAR_DIR=str(tmp_path / "var"),
        STUDIO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY="entrypoint-test-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1", DJANGO_SECURE_SSL_REDIRECT="false", WEB_CONCURRENCY="1",
    )  # fmt: skip
    return environment


def run(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(ENTRYPOINT), *args], env=env, capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()


def test_migrate_prepares_a_fresh_database(env):
    result = run("migrate", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    database = sqlite3.connect(Path(env["STUDIO_VAR_DIR"]) / "db.sqlite3")
    tables = {name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"studio_generation", "django_q_ormq", "studio_pollerlease"} <= tables


def test_web_serves_in_production_mode_and_stops_on_sigterm(env):
    assert run("migrate", env=env).returncode == 0
    collected = run(sys.executable, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    assert collected.returncode == 0, collected.stderr
    port = free_port()
    web = subprocess.Popen([str(ENTRYPOINT), "web"], env={**env, "PORT": str(port)},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    health = response.read().decode()
                break
            except OSError:
                assert web.poll() is None and time.monotonic() < deadline, web.stdout.read().decode()
                time.sleep(0.3)
        assert '"status": "ok"' in health
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
            page = response.read().decode()
            # Production headers and hashed static file names (collected, served by whitenoise).
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert re.search(r"/static/css/studio\.[0-9a-f]{12}\.css", page)
    finally:
        assert stop(web) == 0


def test_worker_runs_the_cluster_until_sigterm(env):
    assert run("migrate", env=env).returncode == 0
    worker = subprocess.Popen([str(ENTRYPOINT), "worker"], env={**env, "STUDIO_WORKERS": "1"},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    time.sleep(4)
    assert worker.poll() is None, worker.stdout.read().decode()
    assert stop(worker) == 0


def test_any_other_command_runs_as_given(env):
    result = run(sys.executable, "manage.py", "check", env=env)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
