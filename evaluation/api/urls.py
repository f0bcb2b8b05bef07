"""API routes of the evaluation app, paths relative to /api/v1/ (config/urls.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
