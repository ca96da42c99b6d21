"""What the web benchmarks share: one user's seeded gallery, and a server to measure."""

from __future__ import annotations

import http.client
import socket
import subprocess
import time

USERNAME = "bench"


def seed(items: int, password: str | None = None) -> None:
    """Migrate the database this process's Django is set up with, and give USERNAME `items`
    completed generations (the same gallery for the same count: the seed is fixed)."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_gallery", username=USERNAME, count=items, seed=1, password=password)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(server: subprocess.Popen, port: int, timeout: float = 30.0) -> None:
    """Until /healthz answers 200 (a probe from inside, over plain HTTP in production too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer within {timeout:g} s")


def stop(server: subprocess.Popen, timeout: float = 30.0) -> None:
    """SIGTERM, as `docker stop` sends it; killed only if it has not stopped within `timeout`."""
    server.terminate()
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
