"""The emulator's HTTP side: temporary result URLs, and the control API for tests.

Routes:

- ``GET /results/<token>.<ext>``: a generated image (``image/jpeg``) or video (``video/mp4``),
  until its TTL runs out (``--url-ttl`` for images, default 1 h; ``--video-url-ttl`` for
  videos, default 24 h), then 404. The URL faults (``url_404``, ``url_truncated``,
  ``url_slow``) change how it answers.
- ``GET /_emulator/calls[?method=NAME]``: the call record (JSON list); ``DELETE`` clears it.
- ``POST /_emulator/faults``: queue a fault (see :mod:`grokstudio.emulator.faults`);
  ``GET`` lists the queue; ``DELETE`` clears the queue and the marker counters.
- ``GET /_emulator/stats``: counters (renders, cache hits).
- ``GET /_emulator/health``: ``{"ok": true}``.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .faults import Fault, FaultError

if TYPE_CHECKING:
    from .server import Emulator

log = logging.getLogger("xai_emulator.http")

MAX_CONTROL_BODY = 64 * 1024
SEND_CHUNK = 256 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a dripping download must not hold up shutdown
    allow_reuse_address = True
    emulator: Emulator
    emulator_stopping: threading.Event


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "xai-emulator"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    # --- helpers ----------------------------------------------------------------------------

    def _json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message})

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_CONTROL_BODY:
            raise ValueError("body too large")
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw or b"{}")

    # --- routes -------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._get(head=False)

    def do_HEAD(self) -> None:
        self._get(head=True)

    def _get(self, head: bool) -> None:
        emulator = self.server.emulator
        parts = urlsplit(self.path)
        path = parts.path
        if path.startswith("/results/"):
            self._result(path.removeprefix("/results/"), head)
        elif path == "/_emulator/calls":
            method = parse_qs(parts.query).get("method", [None])[0]
            self._json(HTTPStatus.OK, emulator.calls.list(method))
        elif path == "/_emulator/faults":
            self._json(HTTPStatus.OK, emulator.faults.queued())
        elif path == "/_emulator/stats":
            self._json(HTTPStatus.OK, emulator.stats.snapshot())
        elif path == "/_emulator/health":
            self._json(HTTPStatus.OK, {"ok": True})
        else:
            self._error(HTTPStatus.NOT_FOUND, "not found")

    def do_POST(self) -> None:
        emulator = self.server.emulator
        if urlsplit(self.path).path != "/_emulator/faults":
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        try:
            body = self._body()
            if not isinstance(body, dict) or "fault" not in body:
                raise FaultError('send JSON {"method": ..., "fault": ..., "arg": ..., "times": ...}')
            arg = body.get("arg")
            emulator.faults.add(
                str(body.get("method") or "*"),
                Fault(str(body["fault"]), None if arg is None else str(arg)),
                int(body.get("times", 1)),
            )
        except (ValueError, TypeError) as exc:  # FaultError and JSON errors are ValueErrors
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
            return
        self._json(HTTPStatus.CREATED, emulator.faults.queued())

    def do_DELETE(self) -> None:
        emulator = self.server.emulator
        path = urlsplit(self.path).path
        if path == "/_emulator/calls":
            emulator.calls.clear()
        elif path == "/_emulator/faults":
            emulator.faults.clear()
        else:
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Content-Length", "0")
        self.end_headers()

    # --- results -------------------------------------------------------------------------------

    def _result(self, name: str, head: bool) -> None:
        emulator = self.server.emulator
        token = name.split(".", 1)[0]
        result = emulator.results.get(token)
        fault = result.fault if result else None
        if result is None or (fault is not None and fault.name == "url_404"):
            self._error(HTTPStatus.NOT_FOUND, "This URL has expired or does not exist.")
            return
        try:
            data = emulator.blobs.read(result.digest)
        except FileNotFoundError:
            self._error(HTTPStatus.NOT_FOUND, "This URL has expired or does not exist.")
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", result.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "private, max-age=0")
        if fault is not None:
            # The body is about to misbehave: do not let the client reuse this connection.
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if head:
            return
        try:
            if fault is not None and fault.name == "url_truncated":
                # Promise the full length, send half, hang up.
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
            elif fault is not None and fault.name == "url_slow":
                self._drip(data, fault.bytes_per_second())
            else:
                view = memoryview(data)
                for i in range(0, len(data), SEND_CHUNK):
                    self.wfile.write(view[i : i + SEND_CHUNK])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as clients do

    def _drip(self, data: bytes, per_second: int) -> None:
        # A few bytes every 1/4 s: slow enough that a client's total deadline hits, while each
        # read still gets something (so a per-read timeout alone does not fire).
        step = max(1, per_second // 4)
        for i in range(0, len(data), step):
            if self.server.emulator_stopping.is_set():
                return
            self.wfile.write(data[i : i + step])
            self.wfile.flush()
            time.sleep(0.25)


def start_http_server(emulator: Emulator, host: str, port: int) -> _Server:
    """Bind and serve the HTTP side in a daemon thread; return the server."""
    server = (_Server6 if ":" in host else _Server)((host, port), _Handler)
    server.emulator = emulator
    server.emulator_stopping = emulator.stopping
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    return server
