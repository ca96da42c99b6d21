from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "grokstudio.api"
    label = "studio_api"
    verbose_name = "Task API"
