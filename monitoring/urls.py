"""Monitoring's endpoints; config/urls.py includes them at the site's root."""

from django.urls import path

from monitoring.api import CheckpointListView
from monitoring.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/log/checkpoints", CheckpointListView.as_view(), name="log-checkpoints"),
]
