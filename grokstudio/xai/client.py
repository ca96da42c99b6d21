"""Build the xai-sdk client from settings, once per process.

gRPC channels do not survive fork(), so the client is made lazily in the
process that uses it (a django-q2 worker), never at import time.
"""

from functools import lru_cache

from django.conf import settings
from xai_sdk import Client


def get_client(timeout: float | None = None) -> Client:
    return _client(settings.XAI_API_KEY, settings.XAI_API_HOST, timeout or settings.XAI_TIMEOUT_S)


@lru_cache(maxsize=4)
def _client(api_key: str, api_host: str, timeout: float) -> Client:
    # An empty key would make the SDK fall back to the environment; say "missing" instead.
    return Client(api_key=api_key or "missing-key", api_host=api_host, timeout=timeout)
