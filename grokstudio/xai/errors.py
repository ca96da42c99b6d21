"""Turn what xai-sdk raises into one `ProviderError` that says what happened.

Each error carries xAI's code, a sentence a person understands, whether trying
again is safe and useful (`retryable`), and whether the call may have reached
xAI without our knowing its answer (`outcome_unknown`): such a call is never
sent again automatically, because it may already be paid for.
"""

from __future__ import annotations

import grpc


class ProviderError(Exception):
    def __init__(
        self, code: str, message: str, *, retryable: bool = False, outcome_unknown: bool = False
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable
        self.outcome_unknown = outcome_unknown


# gRPC status -> (our code, message for people, retryable, outcome unknown)
_GRPC_ERRORS: dict[grpc.StatusCode, tuple[str, str, bool, bool]] = {
    grpc.StatusCode.UNAUTHENTICATED: (
        "unauthenticated",
        "xAI rejected the studio's API key. An administrator needs to check XAI_API_KEY.",
        False, False,
    ),
    grpc.StatusCode.PERMISSION_DENIED: (
        "permission_denied",
        "xAI refused this request: the studio's API key is not allowed to do it.",
        False, False,
    ),
    grpc.StatusCode.INVALID_ARGUMENT: ("invalid_argument", "xAI rejected the request", False, False),
    grpc.StatusCode.NOT_FOUND: ("not_found", "xAI does not know this model or item", False, False),
    grpc.StatusCode.RESOURCE_EXHAUSTED: (
        "rate_limited", "xAI's rate limit was reached; trying again shortly.", True, False,
    ),
    # The SDK's channel already retries UNAVAILABLE five times; the studio's own
    # retries come on top, as xAI answering UNAVAILABLE means it did not take the call.
    grpc.StatusCode.UNAVAILABLE: (
        "unavailable", "xAI is temporarily unavailable; trying again shortly.", True, False,
    ),
    grpc.StatusCode.DEADLINE_EXCEEDED: (
        "outcome_unknown",
        "xAI did not answer in time. The request may still have been processed, "
        "so it was not sent again.",
        False, True,
    ),
}  # fmt: skip


# xAI refuses a conversation it will not have with PERMISSION_DENIED and these words; the
# code alone cannot tell it from a key that may not use the model.
_REFUSED_CONTENT = "Content violates usage guidelines"


def from_rpc_error(exc: grpc.RpcError) -> ProviderError:
    status = exc.code() if isinstance(exc, grpc.Call) else grpc.StatusCode.UNKNOWN
    details = (exc.details() if isinstance(exc, grpc.Call) else "") or ""
    if status == grpc.StatusCode.PERMISSION_DENIED and _REFUSED_CONTENT in details:
        return moderated("The request")
    code, message, retryable, unknown = _GRPC_ERRORS.get(
        status,
        ("provider_error", "xAI had an internal error", False, False),
    )
    if status in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND) or code == "provider_error":
        message = f"{message}: {details}" if details else f"{message}."
        if code == "provider_error":
            code = status.name.lower() if status else code
    return ProviderError(code, message, retryable=retryable, outcome_unknown=unknown)


def moderated(what: str = "The result", count: int = 1) -> ProviderError:
    """`what` names the `count` results refused: "The image", or "All 4 images"."""
    verb = "was" if count == 1 else "were"
    return ProviderError(
        "moderated", f"{what} {verb} blocked by xAI's content moderation. Try a different prompt."
    )
