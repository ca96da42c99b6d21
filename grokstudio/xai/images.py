"""Image generation: one GenerateImage call for 1 to 10 images, plain or as an edit."""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from grokstudio.xai.client import get_client
from grokstudio.xai.errors import ProviderError, from_rpc_error, moderated


@dataclass(frozen=True)
class GeneratedBatch:
    # One entry per requested image: the temporary URL, or None where
    # moderation withheld that image.
    urls: list[str | None]
    model: str
    cost_usd_ticks: int | None

    @property
    def moderated_count(self) -> int:
        return sum(1 for url in self.urls if url is None)


def generate_images(
    *,
    prompt: str,
    model: str,
    n: int,
    aspect_ratio: str | None,
    resolution: str | None,
    references: list[str] = (),  # data: URIs
    quality: str | None = None,
    user: str | None = None,  # the end-user id xAI is told (see studio.attribution)
) -> GeneratedBatch:
    """Ask xAI for `n` images; raise ProviderError for anything but a usable answer."""
    kwargs: dict = {"image_format": "url"}
    if user:
        kwargs["user"] = user
    if aspect_ratio:
        kwargs["aspect_ratio"] = aspect_ratio
    if resolution:
        kwargs["resolution"] = resolution
    if quality:
        kwargs["quality"] = quality
    if len(references) == 1:
        kwargs["image_url"] = references[0]
    elif references:
        kwargs["image_urls"] = list(references)
    try:
        responses = get_client().image.sample_batch(prompt=prompt, model=model, n=n, **kwargs)
    except grpc.RpcError as exc:
        raise from_rpc_error(exc) from exc
    except IndexError as exc:
        # sample_batch indexes n images out of the answer: fewer means a broken reply.
        raise ProviderError("bad_response", "xAI answered with fewer images than requested.") from exc

    urls: list[str | None] = []
    for response in responses:
        if not response.respect_moderation:
            urls.append(None)
            continue
        try:
            urls.append(response.url)
        except ValueError as exc:
            raise ProviderError("bad_response", "xAI answered without an image URL.") from exc
    if all(url is None for url in urls):
        raise moderated("The image" if n == 1 else f"All {n} images", count=n)
    first = responses[0]
    ticks = first.usage.cost_in_usd_ticks if first.usage.cost_in_usd_ticks else None
    return GeneratedBatch(urls=urls, model=first.model, cost_usd_ticks=ticks)
