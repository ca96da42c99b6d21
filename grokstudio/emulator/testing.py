"""Run the emulator as a real subprocess from tests: :class:`EmulatorProcess`.

    with EmulatorProcess(extra_args=["--latency", "0.5"]) as emu:
        client = xai_sdk.Client(api_key=emu.api_key, api_host=emu.grpc_target)
        ...
        assert emu.calls("GenerateImage")[-1]["code"] == "OK"

It starts ``python -m grokstudio.emulator --port 0 --http-port 0 --api-key KEY [extra args]``,
waits for the ready line, and talks to the control API with stdlib ``urllib`` only. The
emulator's log (stderr) goes to a temporary file, so a chatty emulator can never block on a
full pipe; :meth:`EmulatorProcess.log` reads it.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

READY = re.compile(r"^xai-emulator grpc=(?P<grpc>\S+):(?P<gport>\d+) http=(?P<http>\S+):(?P<hport>\d+)$")
READY_TIMEOUT_S = 30.0
DEFAULT_API_KEY = "xai-emulator-test-key"


class EmulatorError(RuntimeError):
    """The emulator did not start, or its control API answered an error."""


class EmulatorProcess:
    """A running ``python -m grokstudio.emulator`` subprocess (a context manager)."""

    def __init__(
        self,
        extra_args: Sequence[str] = (),
        *,
        api_key: str = DEFAULT_API_KEY,
        require_key: bool = True,
        ready_timeout: float = READY_TIMEOUT_S,
        env: dict[str, str] | None = None,
    ) -> None:
        self.api_key = api_key
        # False: start without --api-key, so any key is accepted (each key is its own tenant).
        self.require_key = require_key
        self.extra_args = list(extra_args)
        self.ready_timeout = ready_timeout
        self.env = env
        self.grpc_port = 0
        self.http_port = 0
        self.ready_line = ""
        self.proc: subprocess.Popen[str] | None = None
        self._log_file: Any = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> EmulatorProcess:
        """Start the subprocess and wait for its ready line."""
        cmd = [
            sys.executable,
            "-m",
            "grokstudio.emulator",
            "--port",
            "0",
            "--http-port",
            "0",
            *(["--api-key", self.api_key] if self.require_key else []),
            *self.extra_args,
        ]
        self._log_file = tempfile.NamedTemporaryFile(prefix="xai-emulator-", suffix=".log", delete=False)  # noqa: SIM115
        env = dict(os.environ if self.env is None else self.env)
        # The emulator must be importable however the tests were started.
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=self._log_file, stdin=subprocess.DEVNULL, text=True, env=env
        )
        line = self._read_ready_line()
        match = READY.match(line)
        if not match:
            self.stop()
            raise EmulatorError(f"emulator did not start: {line!r}\n{self.log()}")
        self.ready_line = line
        self.grpc_port = int(match["gport"])
        self.http_port = int(match["hport"])
        return self

    def _read_ready_line(self) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.monotonic() + self.ready_timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if sel.select(timeout=max(0.0, deadline - time.monotonic())):
                    return self.proc.stdout.readline().rstrip("\n")
                if self.proc.poll() is not None:
                    break
        return ""

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, wait up to ``timeout`` seconds, then kill. Returns the exit code."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        if self._log_file is not None:
            self._log_file.close()
        return proc.returncode

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self._log_file is not None:
            Path(self._log_file.name).unlink(missing_ok=True)

    # --- addresses --------------------------------------------------------------------------

    @property
    def grpc_target(self) -> str:
        """``localhost:PORT``: the SDK then uses local channel credentials and sends the key."""
        return f"localhost:{self.grpc_port}"

    @property
    def http_base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def log(self) -> str:
        """Everything the emulator has logged so far (its stderr)."""
        if self._log_file is None:
            return ""
        return Path(self._log_file.name).read_text(errors="replace")

    # --- control API -------------------------------------------------------------------------

    def _request(self, method: str, path: str, payload: Any = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(self.http_base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                body = resp.read()
        except urllib.error.HTTPError as exc:
            raise EmulatorError(
                f"{method} {path}: HTTP {exc.code}: {exc.read().decode(errors='replace')}"
            ) from None
        return json.loads(body) if body else None

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """The recorded calls, oldest first, optionally only those of one gRPC method."""
        query = f"?method={method}" if method else ""
        return self._request("GET", f"/_emulator/calls{query}")

    def clear_calls(self) -> None:
        self._request("DELETE", "/_emulator/calls")

    def add_fault(self, method: str, fault: str, arg: Any = None, times: int = 1) -> None:
        """Queue ``fault`` for the next ``times`` calls of ``method`` (``"*"``: any)."""
        self._request(
            "POST", "/_emulator/faults", {"method": method, "fault": fault, "arg": arg, "times": times}
        )

    def clear_faults(self) -> None:
        self._request("DELETE", "/_emulator/faults")

    def stats(self) -> dict[str, int]:
        """Render and cache counters."""
        return self._request("GET", "/_emulator/stats")
