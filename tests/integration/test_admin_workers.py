"""Administrators see the worker clusters that run now, and how many tasks failed."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django_q.models import Failure

from tests.workers import cluster_env


@pytest.fixture
def admin_client(client, db):
    admin = get_user_model().objects.create_superuser("boss", password="a-long-test-password")
    client.force_login(admin)
    return client


def test_it_is_for_staff_only(owner_client):
    response = owner_client.get("/admin/workers/")

    assert response.status_code == 302 and "/admin/login/" in response.url


def test_the_admin_index_links_to_it(admin_client):
    assert 'href="/admin/workers/"' in admin_client.get("/admin/").text


def test_without_a_cluster_it_says_nothing_will_be_generated(admin_client):
    Failure.objects.create(
        name="t", func="grokstudio.studio.generation.tasks.run_generation", started="2026-01-01T00:00Z",
        stopped="2026-01-01T00:00Z", success=False, result="boom",
    )  # fmt: skip

    text = admin_client.get("/admin/workers/").text

    assert "No worker cluster is reporting" in text
    assert "1 failed task" in text


@pytest.mark.django_db(transaction=True)
def test_a_running_cluster_is_listed_with_its_workers(admin_client, settings, xai):
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=django_settings.BASE_DIR,
        env=cluster_env(settings, STUDIO_WORKERS="2"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        # Its two workers; a cluster of an earlier test may still be reporting for a moment.
        deadline = time.monotonic() + 60
        while "<td>2</td>" not in (text := admin_client.get("/admin/workers/").text):
            assert time.monotonic() < deadline, text
            time.sleep(0.5)
        assert "No worker cluster is reporting" not in text
    finally:
        cluster.terminate()
        cluster.wait(timeout=30)
