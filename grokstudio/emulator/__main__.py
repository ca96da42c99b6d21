"""Command line: ``python -m grokstudio.emulator [options]``.

When both servers listen it prints exactly one line to stdout and flushes it::

    xai-emulator grpc=HOST:PORT http=HOST:PORT

Nothing else goes to stdout; logs go to stderr. SIGINT or SIGTERM stops it cleanly (exit 0).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from . import limits
from .server import Config, Emulator


def parse_args(argv: list[str] | None = None) -> Config:
    p = argparse.ArgumentParser(
        prog="python -m grokstudio.emulator", description="Offline xAI Grok Imagine emulator."
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind both servers to (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="gRPC port (0: pick a free one)")
    p.add_argument("--http-port", type=int, default=0, help="HTTP port for result URLs and control (0: free)")
    p.add_argument("--api-key", default=None, help="the only API key accepted (default: any non-empty key)")
    p.add_argument(
        "--latency",
        type=float,
        default=limits.DEFAULT_LATENCY_S,
        help="seconds a deferred video takes (default %(default)s)",
    )
    p.add_argument(
        "--url-ttl",
        type=float,
        default=limits.DEFAULT_URL_TTL_S,
        help="seconds an image result URL works (default %(default)s)",
    )
    p.add_argument(
        "--video-url-ttl",
        type=float,
        default=limits.DEFAULT_VIDEO_URL_TTL_S,
        help="seconds a video result URL works (default %(default)s: 24 h, as xAI documents)",
    )
    p.add_argument(
        "--retention",
        type=float,
        default=limits.DEFAULT_RETENTION_S,
        help="seconds after a video is done before polls answer EXPIRED (default %(default)s)",
    )
    p.add_argument("--rate-limit", action="store_true", help="enforce per-key request rates")
    p.add_argument(
        "--image-rps",
        type=float,
        default=limits.DEFAULT_IMAGE_RPS,
        help="GenerateImage requests per second per key with --rate-limit (default %(default)s)",
    )
    p.add_argument(
        "--video-rps",
        type=float,
        default=limits.DEFAULT_VIDEO_RPS,
        help="GenerateVideo+ExtendVideo starts per second per key with --rate-limit (default %(default)s)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=limits.GRPC_THREADS,
        help="threads that run gRPC calls; calls beyond them wait their turn (default %(default)s)",
    )
    p.add_argument(
        "--render-workers",
        type=int,
        default=limits.DEFAULT_RENDER_WORKERS,
        help="video render processes (default %(default)s)",
    )
    p.add_argument(
        "--image-workers",
        type=int,
        default=limits.DEFAULT_IMAGE_WORKERS,
        help="image render processes (default %(default)s)",
    )
    p.add_argument(
        "--url-host",
        default=None,
        help="host name to put in result URLs (default: the bind host; 127.0.0.1 for 0.0.0.0)",
    )
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    a = p.parse_args(argv)
    if a.latency < 0 or a.url_ttl <= 0 or a.video_url_ttl <= 0 or a.retention <= 0:
        p.error("--latency must be >= 0; --url-ttl, --video-url-ttl and --retention must be > 0")
    if a.image_rps <= 0 or a.video_rps <= 0 or min(a.threads, a.render_workers, a.image_workers) < 1:
        p.error("rates must be > 0; --threads, --render-workers and --image-workers must be >= 1")
    logging.basicConfig(
        stream=sys.stderr,
        level=a.log_level,
        format="%(asctime)s xai-emulator %(levelname)s %(name)s: %(message)s",
    )
    return Config(
        host=a.host,
        port=a.port,
        http_port=a.http_port,
        api_key=a.api_key,
        latency=a.latency,
        url_ttl=a.url_ttl,
        video_url_ttl=a.video_url_ttl,
        retention=a.retention,
        rate_limit=a.rate_limit,
        image_rps=a.image_rps,
        video_rps=a.video_rps,
        threads=a.threads,
        render_workers=a.render_workers,
        image_workers=a.image_workers,
        url_host=a.url_host,
    )


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    stop = threading.Event()
    # Handlers first, so a signal that arrives during start-up still stops us cleanly.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    emulator = Emulator(config)
    try:
        try:
            emulator.start()
        except (OSError, RuntimeError) as exc:  # a port already in use, mostly
            logging.getLogger("xai_emulator").error("cannot start: %s", exc)
            return 1
        print(emulator.ready_line(), flush=True)
        while not stop.wait(1.0):
            pass
        logging.getLogger("xai_emulator").info("stopping")
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
