"""Build the xai-sdk client from settings, once per process.

gRPC channels do not survive fork(), so the client is made lazily in the
process that uses it (a django-q2 worker), never at import time.
"""

from functools import lru_cache

import grpc
from django.conf import settings
from xai_sdk import Client


def get_client(timeout: float | None = None) -> Client:
    return _client(settings.XAI_API_KEY, settings.XAI_API_HOST, timeout or settings.XAI_TIMEOUT_S)


@lru_cache(maxsize=4)
def _client(api_key: str, api_host: str, timeout: float) -> Client:
    # An empty key would make the SDK fall back to the environment; say "missing" instead.
    return Client(api_key=api_key or "missing-key", api_host=api_host, timeout=timeout)


def connect(timeout: float = 2.0) -> bool:
    """Open the connection to xAI now, before the first paid call: a call on a connection
    still being made reaches xAI later than it left, by the handshake, and the rate
    limiter paces calls on when they left. False if xAI could not be reached in time
    (the calls will say why)."""
    # The SDK keeps its channel to itself; subscribing to its state is all this asks of it.
    # An SDK without it still works: the first call then opens the connection.
    channel = getattr(get_client(), "_api_channel", None)
    if not isinstance(channel, grpc.Channel):
        return True
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout)
    except grpc.FutureTimeoutError:
        return False
    return True
