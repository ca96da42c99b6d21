from django.urls import path

from grokstudio.studio.web import prompt_help, views

app_name = "studio"
urlpatterns = [
    path("poll/", views.poll, name="poll"),
    path("", views.gallery, name="gallery"),
    path("generate/", views.generate, name="generate"),
    path("bulk/", views.bulk, name="bulk"),
    path("usage/", views.usage, name="usage"),
    path("collections/", views.collections, name="collections"),
    path("collections/<int:collection_id>/rename", views.collection_rename, name="collection-rename"),
    path("collections/<int:collection_id>/delete", views.collection_delete, name="collection-delete"),
    path("g/<int:generation_id>/", views.generation_detail, name="generation"),
    path("g/<int:generation_id>/cancel", views.cancel, name="cancel"),
    path("g/<int:generation_id>/retry-download", views.retry_download, name="retry-download"),
    path("g/<int:generation_id>/favorite", views.favorite, name="favorite"),
    path("g/<int:generation_id>/menu", views.card_menu, name="card-menu"),
    path("g/<int:generation_id>/reroll", views.reroll, name="reroll"),
    path("g/<int:generation_id>/delete", views.delete, name="delete"),
    path("a/<int:asset_id>/", views.asset_detail, name="asset"),
    path("a/<int:asset_id>/file", views.asset_file, name="asset-file"),
    path("a/<int:asset_id>/thumb", views.asset_thumbnail, name="asset-thumb"),
    path("a/<int:asset_id>/download", views.asset_download, name="asset-download"),
    # Prompt help: Grok improves a prompt, or describes a picture into prompts.
    path("improve/", prompt_help.improve, name="improve"),
    path("a/<int:asset_id>/describe", prompt_help.describe, name="describe"),
    path("help/<int:help_id>/", prompt_help.prompt_help, name="prompt-help"),
]
