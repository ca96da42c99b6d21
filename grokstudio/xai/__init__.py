"""The studio's only door to xAI: nothing outside this package imports xai_sdk or grpc.

The rest of the code calls the functions re-exported here and sees our own small
types and one `ProviderError` family, never an SDK object.
"""

from grokstudio.xai.chat import ChatAnswer, ask_grok
from grokstudio.xai.client import connect
from grokstudio.xai.errors import ProviderError
from grokstudio.xai.images import GeneratedBatch, generate_images
from grokstudio.xai.results import fetch_result
from grokstudio.xai.videos import VideoPoll, extend_video, poll_video, start_video, upload_clip

__all__ = [
    "ChatAnswer",
    "GeneratedBatch",
    "ProviderError",
    "VideoPoll",
    "ask_grok",
    "connect",
    "extend_video",
    "fetch_result",
    "generate_images",
    "poll_video",
    "start_video",
    "upload_clip",
]
