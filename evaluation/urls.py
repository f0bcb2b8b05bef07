"""Page routes of the evaluation app, each path whole from the site's root (config/urls.py)."""

from django.urls import URLPattern, URLResolver

app_name = "evaluation"

urlpatterns: list[URLPattern | URLResolver] = []
