"""Telling work whose worker is gone: the row's holder, and what proves a worker dead."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from grokstudio.studio.generation import clusters
from grokstudio.studio.models import Generation, Status
from tests.factories import make_generation

pytestmark = pytest.mark.django_db

LIVE = str(uuid.uuid4())
GONE = str(uuid.uuid4())


def census(*live_pids: int) -> clusters.Census:
    return clusters.Census(own=None, live={LIVE}, live_pids=set(live_pids))


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


def test_a_worker_of_a_live_cluster_is_held_and_never_proved_dead():
    worker = f"{clusters.HOST}:{dead_pid()}:{LIVE}"
    assert census().holds(worker)
    assert not census().proves_dead(worker)


def test_a_worker_whose_cluster_is_gone_and_whose_process_ended_is_proved_dead():
    assert census().proves_dead(f"{clusters.HOST}:{dead_pid()}:{GONE}")


def test_a_gone_clusters_worker_whose_process_still_runs_is_not_proved_dead():
    # Its sentinel may have been killed alone: the worker may still be in its call.
    worker = f"{clusters.HOST}:{os.getpid()}:{GONE}"
    assert not census().holds(worker)
    assert not census().proves_dead(worker)


def test_a_dead_workers_pid_taken_by_a_live_cluster_is_no_sign_of_life():
    assert census(os.getpid()).proves_dead(f"{clusters.HOST}:{os.getpid()}:{GONE}")


def test_a_worker_on_another_host_is_never_proved_dead():
    assert not census().proves_dead(f"elsewhere.example:{dead_pid()}:{GONE}")


def test_outside_a_worker_cluster_nothing_is_judged():
    assert clusters.this_worker() == ""
    assert clusters.census() is None


# --- the row's side ---------------------------------------------------------------


def test_claim_records_the_worker(owner):
    generation = make_generation(owner, status=Status.PENDING)
    assert generation.claim("host:1:" + GONE)
    assert Generation.objects.get(pk=generation.pk).worker == "host:1:" + GONE


def test_hand_back_lets_go_once(owner):
    generation = make_generation(owner, status=Status.PENDING)
    generation.postpone(generation.created_at, worker="host:1:" + GONE)
    other = Generation.objects.get(pk=generation.pk)

    assert generation.hand_back() is True
    assert other.hand_back() is False  # another worker let go of it first
    assert Generation.objects.get(pk=generation.pk).worker == ""


def test_a_lost_call_is_given_up_only_while_its_worker_holds_it(owner):
    generation = make_generation(owner, status=Status.PENDING)
    generation.claim("host:1:" + GONE)
    stale = Generation.objects.get(pk=generation.pk)
    generation.back_to_pending("busy", "rate_limited")
    generation.claim("host:2:" + LIVE)

    assert stale.give_up_lost_call("lost") is False
    assert generation.give_up_lost_call("lost") is True
    generation.refresh_from_db()
    assert (generation.status, generation.error_code) == (Status.FAILED, "outcome_unknown")
