"""Admin pages beyond the model lists: the worker clusters that are running now.

django-q2's clusters report their state every few seconds to the studio's
cache (files shared on the machine, or Redis); this lists what they last said.
Failed, queued and scheduled tasks are in the admin's own "Task queue" section.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_q.models import Failure, OrmQ
from django_q.status import Stat


def workers(request: HttpRequest) -> HttpResponse:
    clusters = sorted(Stat.get_all(), key=lambda stat: (stat.host, stat.cluster_id))
    now = timezone.now()
    rows = [
        {
            "host": stat.host, "cluster": stat.cluster_id, "status": stat.status,
            "workers": len(stat.workers), "reincarnations": stat.reincarnations,
            "uptime_s": int(stat.uptime()), "seen_s": int((now - stat.timestamp).total_seconds()),
        }
        for stat in clusters
    ]  # fmt: skip
    try:
        # django-q2 lists queued tasks in the admin only when the database is the broker.
        queued_url = reverse("admin:django_q_ormq_changelist")
    except NoReverseMatch:
        queued_url = None
    context = {
        **admin.site.each_context(request),
        "queued_url": queued_url,
        "title": "Workers",
        "clusters": rows,
        "failed": Failure.objects.count(),
        # With Redis as broker the queue is not in the database: the clusters report its size.
        "queued": OrmQ.objects.count() if not rows else sum(stat.task_q_size for stat in clusters),
    }
    return render(request, "admin/workers.html", context)
