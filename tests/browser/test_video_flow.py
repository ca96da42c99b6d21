"""A person makes videos: from a prompt, and by animating an image from their gallery.

The cards arrive and move without a reload, show xAI's progress while it renders, and end
in a `<video>` that the browser can load and play, and a download that is a real H.264 MP4.
"""

from __future__ import annotations

import re

import av
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# Wait for a video's metadata and answer its duration (NaN until the browser knows it).
# Gallery videos load nothing until asked (preload="none"), so ask, as pressing play would.
DURATION_JS = """video => video.readyState >= 1 ? video.duration : new Promise((resolve, reject) => {
    video.addEventListener("loadedmetadata", () => resolve(video.duration), {once: true});
    video.addEventListener("error", () => reject(new Error(`error ${video.error?.code}`)), {once: true});
    video.preload = "metadata";
    video.load();
})"""
PLAYS_JS = """async video => {
    video.muted = true;
    await video.play();
    await new Promise(resolve => setTimeout(resolve, 600));
    video.pause();
    return video.currentTime;
}"""


@pytest.fixture(scope="module")
def emulator():
    """Videos take 5 s here, so that a person can watch one render; images stay quick."""
    from grokstudio.emulator.testing import EmulatorProcess

    with EmulatorProcess(api_key="test-key", extra_args=["--latency", "5", "--url-ttl", "120"]) as process:
        yield process


@pytest.fixture
def quick_polls(settings):
    settings.STUDIO_POLL_INTERVAL_S = 1.0


def test_make_a_video_watch_it_render_play_it_and_download_it(
    page, worker, sign_up, screenshot, quick_polls, tmp_path
):
    sign_up("lumiere")
    page.evaluate("window.__noReload = true")  # a reload would wipe it out
    page.get_by_role("link", name="Video", exact=True).click()
    expect(page.get_by_label("Duration (seconds)")).to_be_visible()
    page.get_by_label("Prompt").fill("A paper boat drifting down a rainy street")
    page.get_by_label("Duration (seconds)").fill("2")
    screenshot("video-form")
    page.get_by_role("button", name="Generate").click()

    card = page.locator("article.card").first
    expect(card).to_contain_text("A paper boat drifting down a rainy street")
    expect(card).to_have_attribute("data-status", "processing", timeout=15_000)
    progress = card.get_by_role("progressbar")
    expect(progress).to_be_visible()
    # xAI's own progress reaches the card while it renders.
    expect(progress).to_have_attribute("value", re.compile(r"^[1-9][0-9]?$"), timeout=10_000)
    screenshot("video-processing")

    expect(card).to_have_attribute("data-status", "completed", timeout=30_000)
    expect(progress).to_have_count(0)
    video = card.locator("video")
    expect(video).to_be_visible()
    assert video.evaluate(DURATION_JS) == pytest.approx(2, abs=0.2)
    assert video.evaluate(PLAYS_JS) > 0
    assert page.evaluate("window.__noReload") is True
    screenshot("video-completed")
    page.emulate_media(color_scheme="dark")
    screenshot("video-completed-dark")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("video-completed-phone")

    with page.expect_download() as download_info:
        card.get_by_role("link", name="Download").click()
    download = download_info.value
    name = download.suggested_filename
    assert re.fullmatch(r"grok-a-paper-boat-drifting-down-a-rainy-street-\d+\.mp4", name), name
    path = tmp_path / name
    download.save_as(path)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert float(container.duration / av.time_base) == pytest.approx(2, abs=0.2)


def test_animate_an_image_from_the_gallery(page, worker, sign_up, screenshot, quick_polls):
    sign_up("muybridge")
    page.get_by_label("Prompt").fill("A galloping horse, studio light")
    page.get_by_role("button", name="Generate").click()
    image_card = page.locator("article.card").first
    expect(image_card).to_have_attribute("data-status", "completed", timeout=20_000)

    image_card.get_by_role("link", name="Animate").click()
    expect(page.get_by_label("Mode", exact=True)).to_have_value("image")
    expect(page.get_by_role("img", name="The image to animate")).to_be_visible()
    expect(page.get_by_text("sets the shape of the video")).to_be_visible()
    expect(page.get_by_label("Aspect ratio")).to_be_hidden()
    page.get_by_label("Prompt").fill("The horse breaks into a gallop")
    page.get_by_label("Duration (seconds)").fill("1")
    screenshot("animate-form")
    page.get_by_role("button", name="Generate").click()

    card = page.locator("article.card", has_text="The horse breaks into a gallop")
    expect(card).to_have_attribute("data-status", "completed", timeout=30_000)
    video = card.locator("video")
    assert video.evaluate(DURATION_JS) == pytest.approx(1, abs=0.2)
    width, height = video.evaluate("v => [v.videoWidth, v.videoHeight]")
    assert width == height, "a square image makes a square video"
    screenshot("animate-completed")
