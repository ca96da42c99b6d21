"""Grok's chat model, for prompt help: one question (text, and images for vision), one answer."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from xai_sdk.chat import image, system
from xai_sdk.chat import user as user_message

from grokstudio.xai.client import get_client
from grokstudio.xai.errors import from_rpc_error


@dataclass(frozen=True)
class ChatAnswer:
    text: str
    model: str
    cost_usd_ticks: int | None


def ask_grok(
    *, model: str, instructions: str, text: str = "", images: list[str] = (), user: str | None = None
) -> ChatAnswer:
    """Ask `model` with `instructions` as the system message and the person's `text` and
    `images` (data: URIs, JPEG or PNG) as theirs; raise ProviderError if the call fails."""
    parts = [text] if text else []
    parts += [image(uri) for uri in images]
    chat = get_client().chat.create(
        model=model,
        messages=[system(instructions), user_message(*parts)],
        user=user,
    )  # not stored at xAI (the SDK's default): nothing refers to it again
    try:
        response = chat.sample()
    except grpc.RpcError as exc:
        raise from_rpc_error(exc) from exc
    # An empty answer is still billed: the caller judges the text, the cost stays with it.
    ticks = response.usage.cost_in_usd_ticks or None
    return ChatAnswer(text=response.content.strip(), model=response.proto.model, cost_usd_ticks=ticks)
