"""The one exception servicers raise to answer a call with a gRPC error.

Servicers never call ``context.abort`` themselves: the call wrapper in
:mod:`grokstudio.emulator.server` catches :class:`ApiError`, records the code in the call
log and then aborts, so every rejected call is recorded the same way.
"""

from __future__ import annotations

import grpc


class ApiError(Exception):
    """Answer the current call with ``code`` and a readable ``message``."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @classmethod
    def invalid(cls, message: str) -> ApiError:
        return cls(grpc.StatusCode.INVALID_ARGUMENT, message)

    @classmethod
    def not_found(cls, message: str) -> ApiError:
        return cls(grpc.StatusCode.NOT_FOUND, message)
