"""The task queue as tests see it, whichever broker runs it: the database (ORM) or Redis."""

from __future__ import annotations

from django.conf import settings
from django_q.brokers import get_broker
from django_q.models import OrmQ
from django_q.signing import SignedPackage


def orm_broker() -> bool:
    return "orm" in settings.Q_CLUSTER


def queued() -> list[dict]:
    """The tasks waiting in the queue, oldest first, as dicts with "func", "args", "name"."""
    if orm_broker():
        payloads = list(OrmQ.objects.order_by("id").values_list("payload", flat=True))
    else:
        broker = get_broker()
        payloads = broker.connection.lrange(broker.list_key, 0, -1)
    return [SignedPackage.loads(payload) for payload in payloads]


def clear() -> None:
    """Forget every queued task (Redis keeps them across tests; the database rolls back)."""
    if orm_broker():
        OrmQ.objects.all().delete()
    else:
        get_broker().purge_queue()
