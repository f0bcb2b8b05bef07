"""API routes of suspension, paths relative to /api/v1/ (config/urls.py)."""

from django.urls import path

from supervision.suspension import api

app_name = "suspension-api"

urlpatterns = [
    path("supervision/tenders/<uuid:tender_id>/suspend", api.SuspendView.as_view(), name="suspend"),
    path("supervision/tenders/<uuid:tender_id>/resume", api.ResumeView.as_view(), name="resume"),
]
