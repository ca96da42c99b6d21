from django.urls import path

from grokstudio.studio.web import compare, presets, prompt_help, sharing, views

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
    path("describe/", prompt_help.describe_upload, name="describe-upload"),
    path("help/<int:help_id>/", prompt_help.prompt_help, name="prompt-help"),
    path("help/<int:help_id>/use", prompt_help.use_suggestion, name="use-suggestion"),
    # Share links: the owner's side, then the public one (the token is the only check).
    path("a/<int:asset_id>/share", sharing.share, name="share"),
    path("shared/", sharing.share_links, name="share-links"),
    path("shared/<int:link_id>/revoke", sharing.share_revoke, name="share-revoke"),
    path("s/<str:token>/", sharing.shared, name="shared"),
    path("s/<str:token>/file", sharing.shared_file, name="shared-file"),
    path("s/<str:token>/download", sharing.shared_download, name="shared-download"),
    path("presets/", presets.presets, name="presets"),
    path("presets/save", presets.preset_save, name="preset-save"),
    path("presets/<int:preset_id>/edit", presets.preset_edit, name="preset-edit"),
    path("presets/<int:preset_id>/delete", presets.preset_delete, name="preset-delete"),
    path("compare/", compare.compare, name="compare"),
]
