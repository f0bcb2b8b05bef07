"""Monitoring's endpoints; config/urls.py includes them at the site's root."""

from django.urls import path

from monitoring.api import CheckpointListView
from monitoring.views import checkpoints_page, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("log/", checkpoints_page, name="log-checkpoints-page"),
    path("api/v1/log/checkpoints", CheckpointListView.as_view(), name="log-checkpoints"),
]
