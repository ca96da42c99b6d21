"""Values every page needs: whether we talk to the emulator, the poll interval, and the release
that keys cached markup."""

from django.conf import settings
from django.urls import reverse_lazy

from grokstudio.studio.models import ShareLink
from grokstudio.studio.web.release import release


def studio(request) -> dict:
    return {
        "xai_emulator": settings.XAI_EMULATOR,
        "poll_interval_s": settings.STUDIO_POLL_INTERVAL_S,
        "idle_poll_interval_s": settings.STUDIO_IDLE_POLL_INTERVAL_S,
        "allow_signup": settings.STUDIO_ALLOW_SIGNUP,
        "allow_sharing": settings.STUDIO_ALLOW_SHARING,
        "share_expiry_choices": ShareLink.Expiry.choices,
        # Cards link to it several times each: reversed once per page, not per
        # link, and not at all by answers that do not use it (the poll).
        "gallery_url": reverse_lazy("studio:gallery"),
        "release": release(),
    }
