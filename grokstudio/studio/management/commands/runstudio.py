"""`make run`: the web server, a django-q2 cluster and, without an xAI key, the emulator.

One Ctrl-C stops all of them. If any one of them dies, the others are stopped
too, so a half-running studio never sits there looking healthy.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

READY_PREFIX = "xai-emulator "


class Command(BaseCommand):
    help = "Run the studio: web server, workers, and the xAI emulator when XAI_API_KEY is not set."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, host: str, port: int, **options) -> None:
        self.children: list[subprocess.Popen] = []
        self.stopping = False
        # Ctrl-C reaches every process of the terminal's group at once; the
        # children stop themselves, and the watch loop must not take that for a crash.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._ask_to_stop)
        env = os.environ.copy()
        if not settings.XAI_API_KEY:
            env.update(self._start_emulator())
        manage = [sys.executable, "manage.py"]
        self.children.append(subprocess.Popen([*manage, "qcluster"], env=env))
        self.children.append(
            subprocess.Popen([*manage, "runserver", f"{host}:{port}", "--noreload"], env=env)
        )
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\nGrok Studio is running: open {url}  (Ctrl-C stops it)\n"))
        self._watch()

    def _ask_to_stop(self, *_: object) -> None:
        self.stopping = True

    def _start_emulator(self) -> dict[str, str]:
        key = "emulator-" + secrets.token_hex(8)
        emulator = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "grokstudio.emulator",
                "--port",
                "0",
                "--http-port",
                "0",
                "--api-key",
                key,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.children.append(emulator)
        line = emulator.stdout.readline().strip()
        if not line.startswith(READY_PREFIX):
            self._stop_all()
            raise CommandError(f"The xAI emulator did not start (it said {line!r}).")
        fields = dict(part.split("=", 1) for part in line[len(READY_PREFIX) :].split())
        grpc_port = fields["grpc"].rsplit(":", 1)[1]
        self.stdout.write(f"No XAI_API_KEY set: using the offline xAI emulator ({line}).")
        return {
            "XAI_API_KEY": key,
            "XAI_API_HOST": f"localhost:{grpc_port}",
            "STUDIO_XAI_EMULATOR": "true",
        }

    def _watch(self) -> None:
        while True:
            if self.stopping:
                self.stdout.write("Stopping…")
                self._stop_and_exit(0)
            for child in self.children:
                if child.poll() is not None:
                    self.stderr.write(
                        f"{child.args[2] if len(child.args) > 2 else child.args} exited; stopping."
                    )
                    self._stop_and_exit(child.returncode or 1)
            time.sleep(0.2)

    def _stop_all(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        for child in self.children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()

    def _stop_and_exit(self, code: int) -> None:
        self._stop_all()
        sys.exit(code)
