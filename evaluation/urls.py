"""Page routes of the evaluation app, each path whole from the site's root (config/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from evaluation.session import views as session_views

app_name = "evaluation"

urlpatterns: list[URLPattern | URLResolver] = [
    path("evaluation/<uuid:tender_id>/", session_views.session_page, name="session"),
    path(
        "evaluation/<uuid:tender_id>/step/<path:step>",
        session_views.session_step,
        name="session-step",
    ),
]
