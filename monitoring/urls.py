"""Monitoring's endpoints; config/urls.py includes them at the site's root."""

from django.urls import path

from monitoring.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
]
