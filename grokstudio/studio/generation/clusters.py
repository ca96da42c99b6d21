"""Which worker holds a row, and whether its cluster still runs.

A worker that takes a row in hand writes its name on it (`Generation.worker`):
`host:pid:cluster id`. django-q2's clusters report themselves through `Stat`:
the sentinel saves one every guard cycle (half a second) that lasts 3 s, so a
cluster that stops reporting is gone, or its sentinel is. A worker whose sentinel
was killed alone may still be at work, so "gone" is enough to hand back work that
may safely run twice, while a call in flight is settled only when its worker is
proved dead: its process no longer exists on this host.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django_q.status import Stat

log = logging.getLogger(__name__)

# Long enough for every live sentinel to save a new Stat (it does every half second).
RENEWAL = timedelta(seconds=1.2)
# How long this worker looks for its own cluster's Stat when it starts: the sentinel saves
# its first while spawning, which on a busy machine can take a few seconds.
FIND_OWN_STAT_S = 10.0

HOST = socket.gethostname()[:64]

# This process's name on the rows it holds; empty outside a worker cluster.
_this_worker = ""


def this_worker() -> str:
    return _this_worker


def identify() -> str:
    """Learn which cluster this freshly spawned worker belongs to: the one whose sentinel is
    this process's parent on this host (the newest, should a dead one with the same pid
    still linger). Called from django-q2's `post_spawn`; answers "" if no Stat says."""
    global _this_worker
    deadline = time.monotonic() + FIND_OWN_STAT_S
    while True:
        own = _own_stat(Stat.get_all())
        if own is not None:
            _this_worker = f"{HOST}:{os.getpid()}:{own.cluster_id}"
            return _this_worker
        if time.monotonic() > deadline:
            log.warning("no cluster Stat names this worker's sentinel; rows it takes name no worker")
            return ""
        time.sleep(0.1)


def _own_stat(stats: list[Stat]) -> Stat | None:
    ours = [s for s in stats if s.host[:64] == HOST and s.sentinel == os.getppid()]
    return max(ours, key=lambda s: s.tob, default=None)


@dataclass
class Census:
    """The clusters that report themselves, as this worker sees them."""

    own: Stat
    live: set[str]
    # Processes of live clusters on this host: a dead worker's pid taken by one of them
    # (a restarted container counts its pids from 1 again) is no sign of life.
    live_pids: set[int] = field(default_factory=set)

    def holds(self, worker: str) -> bool:
        """Whether the cluster named in `worker` still reports itself."""
        return worker.rsplit(":", 1)[-1] in self.live

    def proves_dead(self, worker: str) -> bool:
        """Whether the worker named in `worker` cannot be running: its cluster is gone, and
        its process is gone from this host (or is now a process of a live cluster)."""
        host, pid, _ = worker.split(":")
        if self.holds(worker) or host != HOST or not pid.isdigit():
            return False
        return int(pid) in self.live_pids or not _running(int(pid))


def census() -> Census | None:
    """The live clusters: those whose Stat is renewed while this worker watches. None when
    this process cannot see its own cluster among them (not a worker, or no shared cache),
    since then nothing can be told from the Stats."""
    if not _this_worker:
        return None
    # A cluster killed a moment ago still has a fresh Stat; only a live one renews it.
    before = {s.cluster_id: s.timestamp for s in Stat.get_all()}
    time.sleep(RENEWAL.total_seconds())
    stats = [s for s in Stat.get_all() if before.get(s.cluster_id) != s.timestamp]
    own = _own_stat(stats)
    if own is None or not _this_worker.endswith(f":{own.cluster_id}"):
        return None
    # Another cluster with this host and sentinel pid has died: the pid is ours now.
    live = [s for s in stats if s is own or not (s.host[:64] == HOST and s.sentinel == own.sentinel)]
    pids = {
        pid
        for s in live
        if s.host[:64] == HOST
        for pid in (s.pid, s.sentinel, s.monitor, s.pusher, *s.workers)
    }
    return Census(own=own, live={str(s.cluster_id) for s in live}, live_pids=pids)


def _running(pid: int) -> bool:
    if Path("/proc/self/stat").exists():
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        return state != "Z"  # a zombie is dead, only waiting for its parent to reap it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
