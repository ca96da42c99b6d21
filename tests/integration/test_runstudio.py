"""`make run`'s last step: web server, workers and emulator up together, one Ctrl-C stops all."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from django.conf import settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_line(process: subprocess.Popen, pattern: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if re.search(pattern, line):
            return line
        assert line or process.poll() is None, "runstudio exited before it was ready"
    raise AssertionError(f"no line matching {pattern!r} within {timeout}s")


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_runstudio_serves_the_studio_on_the_emulator_and_one_interrupt_stops_everything(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("XAI_API_KEY", "DATABASE_URL")}
    env.update(STUDIO_VAR_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=settings.BASE_DIR, env=env, check=True)
    port = free_port()
    process = subprocess.Popen(
        [*manage, "runstudio", "--port", str(port)], cwd=settings.BASE_DIR, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_line(process, rf"running: open http://127\.0\.0\.1:{port}/", timeout=60)
        page = ""
        for _ in range(50):  # runserver binds a moment after the line is printed
            try:
                page = (
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)
                    .read()
                    .decode()
                )
                break
            except OSError:
                time.sleep(0.2)
        assert "Sign in" in page
        assert "built-in xAI emulator" in page

        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        assert process.wait(timeout=30) == 0
        deadline = time.monotonic() + 15
        while group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not group_alive(process.pid), "a child of runstudio outlived the interrupt"
    finally:
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
