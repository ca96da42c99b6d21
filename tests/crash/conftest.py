"""A real worker cluster that tests may SIGKILL, against an emulator whose videos take a while."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_q.models import Schedule

from grokstudio.emulator.testing import EmulatorProcess
from tests.crash.cluster import Cluster
from tests.workers import cluster_env

# The workers' deadline for one xAI call: short, so that a call lost with its worker is
# recognised (after this plus pipeline.SUBMIT_GRACE) within a test's patience.
XAI_TIMEOUT_S = 3.0
WORKERS = 2


@pytest.fixture(scope="module")
def emulator():
    """This module's own emulator: a video takes 6 s, long enough to kill its poller mid-render."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("crash tests find worker processes through /proc (Linux only)")
    with EmulatorProcess(api_key="test-key", extra_args=["--latency", "6", "--url-ttl", "120"]) as process:
        yield process


@pytest.fixture
def start_cluster(transactional_db, xai, settings, tmp_path):
    """Start a real `manage.py qcluster` on the test database, pointed at this module's emulator;
    keywords add to its environment. Every cluster started is stopped at the end."""
    # Tests run the sweep in this process: it must judge a lost call as the workers do.
    settings.XAI_TIMEOUT_S = XAI_TIMEOUT_S
    # No scheduled sweep in the cluster: whether its row exists would depend on which test
    # flushed the database first, and its timing would decide what a test proves.
    Schedule.objects.all().delete()
    started: list[Cluster] = []

    def start(**extra_env: str) -> Cluster:
        workers = int(extra_env.get("STUDIO_WORKERS", WORKERS))
        env = cluster_env(
            settings,
            **{"STUDIO_XAI_TIMEOUT_S": str(XAI_TIMEOUT_S), "STUDIO_WORKERS": str(workers), **extra_env},
        )
        cluster = Cluster.start(env, tmp_path / f"qcluster-{len(started) + 1}.log", workers)
        started.append(cluster)
        return cluster

    try:
        yield start
    finally:
        Cluster.stop_all(started)


@pytest.fixture
def cluster(start_cluster):
    """A real `manage.py qcluster` on the test database, pointed at this module's emulator."""
    return start_cluster()
