"""Download a result from xAI's temporary URL, refusing short or oversized bodies."""

from __future__ import annotations

import time

import requests

from grokstudio.xai.errors import ProviderError

_CHUNK = 256 * 1024


def fetch_result(url: str, *, timeout: float, max_bytes: int) -> bytes:
    """The whole body, or a retryable ProviderError if the download broke.

    `timeout` bounds the whole download, not only each read: a server that
    drips a few bytes a second would otherwise hold a worker for hours.
    """
    deadline = time.monotonic() + timeout
    try:
        with requests.get(url, stream=True, timeout=timeout) as response:
            if response.status_code == 404:
                raise ProviderError("result_gone", "xAI's result URL no longer exists.", retryable=True)
            response.raise_for_status()
            expected = response.headers.get("Content-Length")
            chunks, size = [], 0
            for chunk in response.iter_content(_CHUNK):
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
    except requests.RequestException as exc:
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
