"""Starting and stopping the emulator: the ready line, stdout discipline, clean signals."""

from __future__ import annotations

import re
import signal

import pytest
import xai_sdk

from grokstudio.emulator.testing import EmulatorProcess

from .helpers import RPC_TIMEOUT_S


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_ready_line_then_clean_exit_on_signal(sig):
    process = EmulatorProcess(["--latency", "0.2"], api_key="k-signal").start()
    try:
        # Exactly the documented line, with real (non-zero, distinct) ports.
        assert re.fullmatch(
            r"xai-emulator grpc=127\.0\.0\.1:(\d+) http=127\.0\.0\.1:(\d+)", process.ready_line
        )
        assert process.grpc_port > 0 and process.http_port > 0
        assert process.grpc_port != process.http_port
        with xai_sdk.Client(
            api_key="k-signal", api_host=process.grpc_target, timeout=RPC_TIMEOUT_S
        ) as client:
            assert client.image.sample("ready?", "grok-imagine-image").url
        assert process.proc is not None
        process.proc.send_signal(sig)
        assert process.proc.wait(15) == 0
        # Nothing but the ready line ever went to stdout; the logs went to stderr.
        assert process.proc.stdout is not None
        assert process.proc.stdout.read() == ""
        assert "serving gRPC" in process.log()
    finally:
        process.stop()


def test_stop_is_sigterm_and_returns_zero():
    with EmulatorProcess(api_key="k-stop") as process:
        pid_alive = process.proc is not None and process.proc.poll() is None
        assert pid_alive
        assert process.stop() == 0


def test_bad_arguments_fail_fast():
    from grokstudio.emulator.testing import EmulatorError

    with pytest.raises(EmulatorError, match="did not start"), EmulatorProcess(["--latency", "-1"]):
        pass


def test_url_ttl_defaults():
    """Image URLs default to an hour; video URLs to the 24 h xAI documents."""
    from grokstudio.emulator.__main__ import parse_args

    config = parse_args([])
    assert (config.url_ttl, config.video_url_ttl) == (3600, 86400)
    assert parse_args(["--video-url-ttl", "5"]).video_url_ttl == 5
