"""Fixtures shared by the whole suite: users, a private media root, the emulator."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model

from tests.workers import cluster_env


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # The default PBKDF2 costs ~0.7 s per user here; tests make users by the dozen.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_redis_queue(settings):
    """With Redis as broker, tasks queued by one test would outlive its database rollback."""
    if "redis" in settings.Q_CLUSTER:
        from tests import queue

        queue.clear()


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """allauth counts sign-in attempts in the cache, which outlives each test's database."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def full_disk(settings, media_root):
    """The default storage as a disk that fills up on demand: set `full_disk.writes_left`."""
    from tests.storage import FullDisk

    FullDisk.writes_left = None
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "tests.storage.FullDisk"}}
    yield FullDisk
    FullDisk.writes_left = None


@pytest.fixture
def owner(db):
    return get_user_model().objects.create_user("owner", password="a-long-test-password")


@pytest.fixture
def stranger(db):
    return get_user_model().objects.create_user("stranger", password="a-long-test-password")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def stranger_client(db, stranger):
    from django.test import Client

    other = Client()
    other.force_login(stranger)
    return other


@pytest.fixture(scope="session")
def emulator():
    """One emulator process for the session; tests reset its faults and call record."""
    from grokstudio.emulator.testing import EmulatorProcess

    with EmulatorProcess(api_key="test-key", extra_args=["--latency", "0.5", "--url-ttl", "120"]) as process:
        yield process


@pytest.fixture
def xai(settings, emulator):
    """Point the studio at the emulator, with short retry delays, and clean its state after."""
    settings.XAI_API_KEY = emulator.api_key
    settings.XAI_API_HOST = emulator.grpc_target
    settings.XAI_EMULATOR = True
    settings.STUDIO_RETRY_BASE_DELAY_S = 0.05
    # The emulator enforces no rates unless started with --rate-limit; the
    # limiter's own tests set xAI's real ones.
    settings.STUDIO_XAI_IMAGE_RPS = settings.STUDIO_XAI_VIDEO_RPS = 1000.0
    emulator.clear_faults()
    emulator.clear_calls()
    yield emulator
    emulator.clear_faults()


@pytest.fixture
def worker_env() -> dict[str, str]:
    return {}


@pytest.fixture
def worker(transactional_db, xai, settings, worker_env):
    """A real `manage.py qcluster` on the test database, pointed at the emulator.

    Extra environment for it comes from a test's `worker_env` (a dict), if it defines one.
    """
    env = cluster_env(settings, STUDIO_WORKERS="2", **worker_env)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=django_settings.BASE_DIR, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    time.sleep(0.5)
    assert process.poll() is None, process.stderr.read().decode()
    yield process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
