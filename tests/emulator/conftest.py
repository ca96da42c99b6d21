"""Fixtures for the emulator's own tests: real emulator processes and real SDK clients.

Nothing is mocked: each fixture starts ``python -m grokstudio.emulator`` as a subprocess and
the tests drive it through the public xai-sdk over real sockets.
"""

from __future__ import annotations

import pytest
import xai_sdk

from grokstudio.emulator.testing import EmulatorProcess

from .helpers import API_KEY, RPC_TIMEOUT_S


@pytest.fixture(scope="session")
def emu_process():
    """The main emulator: short video latency, two render workers."""
    with EmulatorProcess(
        ["--latency", "0.5", "--url-ttl", "60", "--render-workers", "2"], api_key=API_KEY
    ) as process:
        yield process


@pytest.fixture
def emu(emu_process):
    """The main emulator with no queued faults left over from another test."""
    emu_process.clear_faults()
    yield emu_process
    emu_process.clear_faults()


@pytest.fixture(scope="session")
def client(emu_process):
    """A sync SDK client over ``localhost:PORT`` (local channel credentials)."""
    with xai_sdk.Client(api_key=API_KEY, api_host=emu_process.grpc_target, timeout=RPC_TIMEOUT_S) as c:
        yield c


@pytest.fixture(scope="session")
def insecure_client(emu_process):
    """A sync SDK client over an insecure channel to ``127.0.0.1:PORT``."""
    with xai_sdk.Client(
        api_key=API_KEY,
        api_host=f"127.0.0.1:{emu_process.grpc_port}",
        use_insecure_channel=True,
        timeout=RPC_TIMEOUT_S,
    ) as c:
        yield c


@pytest.fixture(scope="session")
def short_emu():
    """An emulator whose image URLs live 1 s, video URLs 2 s, and finished videos expire after 1 s."""
    with EmulatorProcess(
        ["--latency", "0.2", "--url-ttl", "1", "--video-url-ttl", "2", "--retention", "1"], api_key=API_KEY
    ) as process:
        yield process


@pytest.fixture(scope="session")
def short_client(short_emu):
    with xai_sdk.Client(api_key=API_KEY, api_host=short_emu.grpc_target, timeout=RPC_TIMEOUT_S) as c:
        yield c


@pytest.fixture(scope="session")
def open_emu():
    """An emulator without --api-key (any key works) and with --rate-limit."""
    with EmulatorProcess(
        ["--latency", "0.2", "--rate-limit", "--image-rps", "5", "--video-rps", "1"], require_key=False
    ) as process:
        yield process
