"""Wiring: the gRPC server (Image, Video, Files and Chat), its call wrapper (auth, rate limit,
faults, call record) and the HTTP server, started and stopped together by :class:`Emulator`.

Every RPC goes through :class:`CallWrapper`, a ``grpc.ServerInterceptor`` that wraps each
method handler so that, in order: the API key is checked (UNAUTHENTICATED if missing or, with
``--api-key``, wrong), the per-key rate is checked (``--rate-limit``), faults are chosen
(:mod:`grokstudio.emulator.faults`) and call faults applied, the servicer runs, and the call is
recorded with its final code, rejected calls included.

A call is counted against the rate, and its record stamped, at the moment it reaches the
server (see :class:`Arrival`), as xAI's front door counts it: not when one of the server's
threads gets to run it, which on a busy machine can be tens of milliseconds later and in
another order. (A call its client gives up on while it waits for a thread is counted, and,
never run, not recorded.)

Transport: the gRPC port is an insecure (plaintext) port. The SDK's ``Client(api_host=
"localhost:PORT")`` uses ``grpc.local_channel_credentials()``, which does no handshake, so it
connects to a plaintext port and sends its call credentials (the API key) over it; so do
``use_insecure_channel=True`` clients. (A ``grpc.local_server_credentials()`` port works too, but
only for loopback peers, which would break a containerised setup.) An ``api_host`` not starting
with ``localhost:`` and without ``use_insecure_channel`` makes the SDK speak TLS, which the
emulator does not.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import grpc
from xai_sdk.proto.v6 import (
    chat_pb2,
    chat_pb2_grpc,
    files_pb2_grpc,
    image_pb2,
    image_pb2_grpc,
    video_pb2_grpc,
)

from . import limits
from .calls import CURRENT, CallInfo
from .chat import ChatService, marker_text
from .errors import ApiError
from .faults import CALL_FAULT_MESSAGES, CALL_FAULTS, SLOW, FaultBook, FaultError, Plan
from .files import FilesService
from .httpd import start_http_server
from .images import ImageService
from .inputs import InputResolver
from .ratelimit import RateLimiter
from .store import BlobStore, CallLog, FileStore, ResultStore, Stats, message_to_record
from .videos import VideoService

log = logging.getLogger("xai_emulator")


@dataclass
class Config:
    """Everything the command line can set (see ``python -m grokstudio.emulator --help``)."""

    host: str = "127.0.0.1"
    port: int = 0
    http_port: int = 0
    api_key: str | None = None
    latency: float = limits.DEFAULT_LATENCY_S
    url_ttl: float = limits.DEFAULT_URL_TTL_S  # image result URLs
    video_url_ttl: float = limits.DEFAULT_VIDEO_URL_TTL_S  # video result URLs
    retention: float = limits.DEFAULT_RETENTION_S
    rate_limit: bool = False
    image_rps: float = limits.DEFAULT_IMAGE_RPS
    video_rps: float = limits.DEFAULT_VIDEO_RPS
    render_workers: int = limits.DEFAULT_RENDER_WORKERS  # video render processes
    image_workers: int = limits.DEFAULT_IMAGE_WORKERS  # image render processes
    url_host: str | None = None  # host name put in result URLs (default: the bind host)
    threads: int = limits.GRPC_THREADS


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _gone(context: grpc.ServicerContext) -> grpc.StatusCode:
    """Why an inactive call ended: its deadline passed, or the client cancelled it."""
    remaining = context.time_remaining()
    if remaining is not None and remaining <= 0:
        return grpc.StatusCode.DEADLINE_EXCEEDED
    return grpc.StatusCode.CANCELLED


def _prompt(request: Any) -> str | None:
    """The text a call's fault markers are read from: its prompt, or a chat's user messages."""
    if isinstance(request, chat_pb2.GetCompletionsRequest):
        return marker_text(request)
    return getattr(request, "prompt", None)


def mask_key(key: str) -> str:
    """Show an API key the way xAI's error messages do: its ends only."""
    return f"{key[:2]}***{key[-2:]}" if len(key) > 6 else "***"


class Emulator:
    """The whole emulator in one process: start it, read its ports, stop it."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.blobs = BlobStore()
        self.calls = CallLog()
        self.faults = FaultBook()
        self.stats = Stats()
        self.limiter = (
            RateLimiter({"image": config.image_rps, "video": config.video_rps}) if config.rate_limit else None
        )
        self.grpc_port = 0
        self.http_port = 0
        self._grpc: grpc.Server | None = None
        self._http: Any = None
        self.stopping = threading.Event()

    @property
    def url_host(self) -> str:
        host = self.config.url_host or self.config.host
        return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host

    def start(self) -> None:
        """Bind both ports and start serving."""
        cfg = self.config
        # HTTP first: result URLs need its port.
        self._http = start_http_server(self, cfg.host, cfg.http_port)
        self.http_port = self._http.server_address[1]
        base_url = f"http://{_hostport(self.url_host, self.http_port)}"
        self.results = ResultStore(self.blobs, base_url, cfg.url_ttl)
        self.files = FileStore(self.blobs)
        self.inputs = InputResolver(
            self.results,
            self.files,
            self.http_port,
            {self.url_host, cfg.host, "127.0.0.1", "localhost", "::1"},
        )
        self.image_service = ImageService(self)
        self.video_service = VideoService(self)
        self.files_service = FilesService(self)
        self.chat_service = ChatService(self)

        server = grpc.server(
            ThreadPoolExecutor(max_workers=cfg.threads, thread_name_prefix="grpc"),
            interceptors=[CallWrapper(self)],
            options=[
                ("grpc.max_receive_message_length", limits.MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", limits.MAX_MESSAGE_BYTES),
                ("grpc.so_reuseport", 0),
            ],
            maximum_concurrent_rpcs=None,
        )
        image_pb2_grpc.add_ImageServicer_to_server(self.image_service, server)
        video_pb2_grpc.add_VideoServicer_to_server(self.video_service, server)
        files_pb2_grpc.add_FilesServicer_to_server(self.files_service, server)
        chat_pb2_grpc.add_ChatServicer_to_server(self.chat_service, server)
        self.grpc_port = server.add_insecure_port(_hostport(cfg.host, cfg.port))
        if not self.grpc_port:
            raise OSError(f"could not bind gRPC port {_hostport(cfg.host, cfg.port)}")
        server.start()
        self._grpc = server
        threading.Thread(target=self._janitor, name="janitor", daemon=True).start()
        log.info(
            "serving gRPC on %s, HTTP on %s "
            "(latency %.2fs, url ttl %gs image / %gs video, retention %gs, api key %s, rate limit %s)",
            _hostport(cfg.host, self.grpc_port),
            _hostport(cfg.host, self.http_port),
            cfg.latency,
            cfg.url_ttl,
            cfg.video_url_ttl,
            cfg.retention,
            "required" if cfg.api_key else "any",
            "on" if cfg.rate_limit else "off",
        )

    def ready_line(self) -> str:
        host = self.config.host
        return f"xai-emulator grpc={_hostport(host, self.grpc_port)} http={_hostport(host, self.http_port)}"

    def stop(self) -> None:
        """Stop serving and remove the temporary files."""
        self.stopping.set()
        if self._grpc is not None:
            self._grpc.stop(grace=1).wait(5)
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if hasattr(self, "video_service"):
            self.video_service.shutdown()
        if hasattr(self, "image_service"):
            self.image_service.shutdown()
        self.blobs.close()

    def store_output(
        self, out: image_pb2.FileOutput, options: image_pb2.StorageOptions, digest: str, owner: str
    ) -> None:
        """Honour ``storage_options``: keep the result as a file of the caller's."""
        expires = options.expires_after if options.HasField("expires_after") else None
        stored = self.files.add(owner, options.filename or "output", digest, self.blobs.size(digest), expires)
        out.file_id = stored.id
        out.filename = stored.filename
        if stored.expires_at is not None:
            out.expires_at.FromSeconds(int(stored.expires_at))
        if options.HasField("public_url"):
            out.public_url_error = "public URLs are not supported by the emulator"

    def _janitor(self) -> None:
        while not self.stopping.wait(limits.JANITOR_INTERVAL_S):
            try:
                self.results.sweep()
                self.files.sweep()
                self.video_service.sweep()
                live = (
                    self.results.live_digests()
                    | self.files.live_digests()
                    | self.video_service.live_digests()
                    | self.image_service.cached_digests()
                )
                removed = self.blobs.collect(live)
                if removed:
                    log.info("janitor removed %d unused media files", removed)
            except Exception:  # keep sweeping whatever happens
                log.exception("janitor failed")


@dataclass(frozen=True)
class Arrival:
    """When a call reached the server, and the rate limit's verdict on it taken then."""

    at: float  # time.time()
    refusal: ApiError | None = None


class CallWrapper(grpc.ServerInterceptor):
    """Wraps every method handler with auth, rate limit, faults and the call record."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def intercept_service(self, continuation: Callable[..., Any], handler_call_details: Any) -> Any:
        # grpc runs this on its serving thread as each call comes in, in the order they come,
        # before a thread of the pool takes the call: the moment xAI's front door sees it.
        service, _, method = handler_call_details.method.strip("/").partition("/")
        handler = continuation(handler_call_details)
        if handler is None:
            self._record(service, method, {}, None, "UNIMPLEMENTED", "unknown method", time.time(), None)
            return None
        arrival = self._arrive(method, handler_call_details.invocation_metadata)
        if handler.request_streaming and not handler.response_streaming:
            return grpc.stream_unary_rpc_method_handler(
                self._stream_unary(handler.stream_unary, service, method, arrival),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.response_streaming and not handler.request_streaming:
            return grpc.unary_stream_rpc_method_handler(
                self._unary_stream(handler.unary_stream, service, method, arrival),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if not handler.request_streaming:
            return grpc.unary_unary_rpc_method_handler(
                self._unary_unary(handler.unary_unary, service, method, arrival),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler  # no bidi methods in these services

    # --- the three handler shapes --------------------------------------------------------

    def _unary_unary(
        self, behavior: Callable[..., Any], service: str, method: str, arrival: Arrival
    ) -> Callable[..., Any]:
        def wrapped(request: Any, context: grpc.ServicerContext) -> Any:
            return self._run(
                service,
                method,
                context,
                arrival,
                _prompt(request),
                lambda: message_to_record(request),
                lambda: behavior(request, context),
            )

        return wrapped

    def _unary_stream(
        self, behavior: Callable[..., Any], service: str, method: str, arrival: Arrival
    ) -> Callable[..., Any]:
        def wrapped(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            # The servicer checks eagerly and returns an iterator; errors surface here.
            chunks = self._run(
                service,
                method,
                context,
                arrival,
                _prompt(request),
                lambda: message_to_record(request),
                lambda: behavior(request, context),
            )
            yield from chunks

        return wrapped

    def _stream_unary(
        self, behavior: Callable[..., Any], service: str, method: str, arrival: Arrival
    ) -> Callable[..., Any]:
        def wrapped(request_iterator: Iterator[Any], context: grpc.ServicerContext) -> Any:
            seen: dict[str, Any] = {"data_bytes": 0, "chunks": 0}

            def recording() -> Iterator[Any]:
                for chunk in request_iterator:
                    seen["chunks"] += 1
                    if chunk.WhichOneof("chunk") == "init":
                        seen["init"] = message_to_record(chunk.init)
                    else:
                        seen["data_bytes"] += len(chunk.data)
                    yield chunk

            stream = recording()

            def drain() -> None:
                # A refused upload is still read to its end before the answer: a client
                # still sending would otherwise see its own send fail (INTERNAL) instead
                # of the refusal, depending on timing.
                for _ in stream:
                    pass

            return self._run(
                service,
                method,
                context,
                arrival,
                None,
                lambda: seen,
                lambda: behavior(stream, context),
                drain=drain,
            )

        return wrapped

    # --- the pipeline --------------------------------------------------------------------------

    def _run(
        self,
        service: str,
        method: str,
        context: grpc.ServicerContext,
        arrival: Arrival,
        prompt: str | None,
        record_request: Callable[[], dict[str, Any]],
        body: Callable[[], Any],
        drain: Callable[[], None] | None = None,
    ) -> Any:
        started = arrival.at
        code, details, response, key = "OK", "", None, None
        try:
            key = self._authenticate(context.invocation_metadata())
            if arrival.refusal is not None:
                raise arrival.refusal
            try:
                plan = self.emulator.faults.plan(method, prompt)
            except FaultError as exc:
                raise ApiError.invalid(str(exc)) from None
            self._call_fault(plan, context)
            if not context.is_active():
                # A slow fault outlived the client's patience: nobody is waiting for an answer.
                raise ApiError(_gone(context), "the client left while the call was slowed down")
            token = CURRENT.set(CallInfo(api_key=key, method=method, plan=plan))
            try:
                response = body()
            finally:
                CURRENT.reset(token)
            if not context.is_active():
                code = _gone(context).name  # answered, but nobody was listening any more
            return response
        except ApiError as exc:
            code, details = exc.code.name, exc.message
            if drain is not None and context.is_active():
                drain()
            context.abort(exc.code, exc.message)
        except Exception as exc:
            log.exception("%s failed", method)
            code, details = "INTERNAL", f"emulator error: {type(exc).__name__}: {exc}"
            context.abort(grpc.StatusCode.INTERNAL, details)
        finally:
            record_response = response if code == "OK" and hasattr(response, "DESCRIPTOR") else None
            self._record(service, method, record_request(), key, code, details, started, record_response)

    def _arrive(self, method: str, metadata: Any) -> Arrival:
        """Take the moment a call came in, and count it against its rate then (only a call
        with a good key counts: the others are refused for their key when they run)."""
        arrival = Arrival(time.time())
        if self.emulator.limiter is None:
            return arrival
        try:
            key = self._authenticate(metadata)
        except ApiError:
            return arrival  # refused for its key when it runs, and not counted
        try:
            self.emulator.limiter.check(key, method)
        except ApiError as refusal:
            return Arrival(arrival.at, refusal)
        return arrival

    def _authenticate(self, metadata: Any) -> str:
        # Every call needs the key, UploadFile included. Note that xai-sdk 1.21 with
        # use_insecure_channel=True sends UploadFile without it (its auth interceptors have no
        # stream-unary variant); the real API would refuse such a call, so the emulator does
        # too, and the SDK user sees UNAUTHENTICATED. Use api_host="localhost:PORT" instead.
        header = dict(metadata or ()).get("authorization", "")
        scheme, _, key = header.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise ApiError(
                grpc.StatusCode.UNAUTHENTICATED,
                "Missing API key: send the header 'authorization: Bearer <your xAI API key>'.",
            )
        expected = self.emulator.config.api_key
        if expected is not None and key != expected:
            raise ApiError(
                grpc.StatusCode.UNAUTHENTICATED,
                f"Incorrect API key provided: {mask_key(key)}. "
                "You can obtain an API key from the xAI console.",
            )
        return key

    def _call_fault(self, plan: Plan, context: grpc.ServicerContext) -> None:
        fault = plan.call
        if fault is None:
            return
        if fault.name == SLOW:
            deadline = time.monotonic() + fault.seconds()
            # Sleep in slices so a client that gave up frees the thread early.
            while time.monotonic() < deadline and context.is_active():
                time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
            return
        raise ApiError(CALL_FAULTS[fault.name], CALL_FAULT_MESSAGES[fault.name])

    def _record(
        self,
        service: str,
        method: str,
        request: dict[str, Any],
        key: str | None,
        code: str,
        details: str,
        started: float,
        response: Any,
    ) -> None:
        entry: dict[str, Any] = {
            "method": method,
            "service": service,
            "request": request,
            "code": code,
            "details": details,
            "api_key": mask_key(key) if key else None,
            "time": started,
            "duration_s": round(time.time() - started, 4),
        }
        if request.get("user"):
            # The caller's end-user id (image and chat requests have one): who asked, for xAI's
            # abuse monitoring; kept at the top so a test can read it without knowing the shape.
            entry["user"] = request["user"]
        if response is not None:
            entry["response"] = message_to_record(response)
        self.emulator.calls.add(entry)
