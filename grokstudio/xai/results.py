"""Download a result from xAI's temporary URL, refusing short, slow or oversized bodies."""

from __future__ import annotations

import threading
import time
import urllib.request

import requests
import urllib3

from grokstudio.xai.errors import ProviderError

_READ = 64 * 1024
_local = threading.local()


def _session() -> requests.Session:
    """One session per thread: kept-alive connections, and proxy settings read once."""
    if not hasattr(_local, "session"):
        session = requests.Session()
        # Read proxy settings from the environment once, not on every request.
        session.proxies = urllib.request.getproxies()
        session.trust_env = False
        _local.session = session
    return _local.session


def fetch_result(url: str, *, timeout: float, max_bytes: int) -> bytes:
    """The whole body, or a ProviderError (retryable where another try may help).

    `timeout` bounds the whole download, not each read: a server that drips a
    few bytes a second would otherwise hold a worker for hours. `read1` returns
    whatever has arrived, so the deadline is checked at least once per read
    timeout however slowly the bytes come.
    """
    deadline = time.monotonic() + timeout
    try:
        with _session().get(url, stream=True, timeout=min(timeout, 10.0)) as response:
            if response.status_code == 404:
                raise ProviderError("result_gone", "xAI's result URL no longer exists.", retryable=True)
            response.raise_for_status()
            expected = response.headers.get("Content-Length")
            chunks, size = [], 0
            while chunk := response.raw.read1(_READ):
                size += len(chunk)
                if size > max_bytes:
                    raise ProviderError("result_too_large", "xAI's result is larger than the studio accepts.")
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise ProviderError(
                        "download_slow", "Downloading the result from xAI took too long.", retryable=True
                    )
    except ProviderError:
        raise
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        # Reading `raw` directly surfaces urllib3's errors (a body cut short,
        # a read timeout) without requests' wrapping.
        raise ProviderError(
            "download_failed", f"Downloading the result from xAI failed ({exc.__class__.__name__}).",
            retryable=True,
        ) from exc  # fmt: skip
    if expected is not None and int(expected) != size:
        raise ProviderError(
            "download_truncated", f"xAI's result arrived cut short ({size} of {expected} bytes).",
            retryable=True,
        )  # fmt: skip
    return b"".join(chunks)
