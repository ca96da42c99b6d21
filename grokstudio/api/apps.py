from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "grokstudio.api"
    label = "studio_api"
    verbose_name = "Task API"

    def ready(self) -> None:
        from grokstudio.api import callbacks
        from grokstudio.studio.models import Generation, generation_ended, generation_reopened

        def send_callback(sender, generation, **kwargs) -> None:
            callbacks.task_ended(generation.pk)

        def rearm_callback(sender, generation, **kwargs) -> None:
            callbacks.task_reopened(generation.pk)

        generation_ended.connect(send_callback, sender=Generation, weak=False, dispatch_uid="api-callbacks")
        generation_reopened.connect(rearm_callback, sender=Generation, weak=False, dispatch_uid="api-rearm")
