"""Find, watch and kill the processes of a running `manage.py qcluster` through /proc.

django-q2's process tree is `qcluster` -> sentinel -> {workers, monitor, pusher}, and the
sentinel's guard replaces a dead worker within a second. psutil is not a dependency, so
this reads /proc directly (Linux only).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from django.conf import settings

T = TypeVar("T")


def wait_for(
    probe: Callable[[], T], timeout: float, what: str, explain: Callable[[], str] = str, interval: float = 0.1
) -> T:
    """Answer `probe()`'s first truthy value, or fail saying what never happened (and `explain()`)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"after {timeout:g} s still waiting for {what}\n{explain()}")
        time.sleep(interval)


def running(pid: int) -> bool:
    """Whether `pid` is a live process: a zombie is dead, only not reaped yet."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class Cluster:
    """A running `manage.py qcluster`, its log, and a way to find and kill the processes under it."""

    def __init__(self, process: subprocess.Popen, log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    @classmethod
    def start(cls, env: dict[str, str], log_path: Path, workers: int) -> Cluster:
        """Start `manage.py qcluster` with `env` and wait until its sentinel, `workers` workers,
        monitor and pusher all run."""

        # A file, not a pipe: a pipe nobody reads would stall a chatty cluster. Its own
        # session, so that stopping it can take every process of the cluster down at once.
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"], cwd=settings.BASE_DIR, env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        cluster = cls(process, log_path)
        try:
            cluster.wait_for(
                lambda: process.poll() is not None or len(cluster.descendants()) >= workers + 3,
                30,
                "the cluster's processes to start",
            )
            assert process.poll() is None, cluster.log()
        except BaseException:
            cls.stop_all([cluster])  # in a session of its own, it would outlive the tests
            raise
        return cluster

    @staticmethod
    def stop_all(clusters: list[Cluster]) -> None:
        """SIGTERM every cluster, as a deploy stops it; whatever still runs after 15 s is killed."""
        for cluster in clusters:
            cluster.process.terminate()
        for cluster in clusters:
            with contextlib.suppress(subprocess.TimeoutExpired):
                cluster.process.wait(timeout=15)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(cluster.process.pid, signal.SIGKILL)
            cluster.process.wait()

    def wait_for(self, probe: Callable[[], T], timeout: float, what: str) -> T:
        """Like `wait_for`, with the end of the cluster's log in the failure message."""
        return wait_for(probe, timeout, what, explain=self.log)

    def log(self) -> str:
        text = self.log_path.read_text(errors="replace")
        return f"--- qcluster log (last 4000 characters) ---\n{text[-4000:]}"

    def descendants(self) -> set[int]:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue  # gone meanwhile
            # The command name may hold spaces and parentheses; the fields after it do not.
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        found: set[int] = set()
        frontier = {self.process.pid}
        while frontier:
            frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
            found |= frontier
        return found

    def pids_connected_to(self, port: int) -> set[int]:
        """The cluster's processes with an established TCP connection to `port` (xAI's, say)."""
        sockets = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                rows = Path(table).read_text().splitlines()[1:]
            except OSError:
                continue
            for row in rows:
                fields = row.split()
                remote_port, state, inode = int(fields[2].rsplit(":", 1)[1], 16), fields[3], fields[9]
                if remote_port == port and state == "01":  # 01: ESTABLISHED
                    sockets.add(f"socket:[{inode}]")
        found = set()
        for pid in self.descendants():
            try:
                links = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
            except OSError:
                continue
            if links & sockets:
                found.add(pid)
        return found

    def kill_all(self) -> None:
        """SIGKILL every process of the cluster at once, as a crash or the OOM killer of a
        container would, and wait until none of them runs."""
        pids = self.descendants()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.wait_for(lambda: not any(map(running, pids)), 5, f"the cluster's processes {pids} to die")

    def kill(self, pid: int) -> None:
        """SIGKILL one process of the cluster and wait until its parent has reaped it."""
        assert pid in self.descendants(), f"{pid} is not a process of this cluster"
        os.kill(pid, signal.SIGKILL)
        self.wait_for(lambda: pid not in self.descendants(), 5, f"the killed process {pid} to be reaped")
