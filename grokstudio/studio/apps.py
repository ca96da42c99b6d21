import logging

from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "grokstudio.studio"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        from grokstudio import checks  # noqa: F401  (registers the studio's deployment checks)

        post_spawn.connect(_on_worker_spawn, dispatch_uid="studio-poller-on-spawn")


def _on_worker_spawn(sender, proc_name: str, **kwargs) -> None:
    # A worker is (re)born, maybe in place of one that died holding the video
    # poller, or in a cluster started after one that was killed: make sure
    # in-flight videos are not left without a poller, and take over what a dead
    # cluster held.
    from django.db import DatabaseError

    from grokstudio.studio.generation import clusters, pipeline, queue

    clusters.identify()
    try:
        queue.ensure_running(even_if_alive=True)
        pipeline.hand_back()
    except DatabaseError:
        # Never keep a worker from starting; the scheduled sweep tries again.
        logging.getLogger(__name__).exception("could not check for work left by dead workers")
