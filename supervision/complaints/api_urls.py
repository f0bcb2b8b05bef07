"""API routes of complaints, paths relative to /api/v1/ (config/urls.py)."""

from django.urls import path

from supervision.complaints import api

app_name = "complaints-api"

urlpatterns = [
    path("complaints", api.ComplaintListView.as_view(), name="list"),
    path("complaints/<uuid:complaint_id>", api.ComplaintDetailView.as_view(), name="detail"),
    path(
        "complaints/<uuid:complaint_id>/decisions",
        api.ComplaintDecideView.as_view(),
        name="decide",
    ),
    path(
        "complaints/<uuid:complaint_id>/decisions/<uuid:decision_id>",
        api.ComplaintDecisionView.as_view(),
        name="decision",
    ),
    path(
        "complaints/<uuid:complaint_id>/receipt", api.ComplaintReceiptView.as_view(), name="receipt"
    ),
]
