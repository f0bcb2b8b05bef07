"""Pages of complaints, each path whole from the site's root (config/urls.py)."""

from django.urls import path

from supervision.complaints import views

app_name = "complaints"

urlpatterns = [
    path("complaints/", views.complaint_list, name="list"),
    path("complaints/new/<uuid:tender_id>/", views.complaint_new, name="new"),
    path("complaints/<uuid:complaint_id>/", views.complaint_detail, name="detail"),
    path("complaints/<uuid:complaint_id>/decide/", views.complaint_decide_page, name="decide"),
    path(
        "complaints/<uuid:complaint_id>/receipt.json",
        views.complaint_receipt_download,
        name="receipt",
    ),
    path(
        "complaints/<uuid:complaint_id>/decisions/<uuid:decision_id>.json",
        views.complaint_decision_download,
        name="decision",
    ),
    path(
        "complaints/<uuid:complaint_id>/attachments/<uuid:attachment_id>",
        views.complaint_attachment_download,
        name="attachment",
    ),
]
