"""The supervisor's suspension page, its path whole from the site's root (config/urls.py)."""

from django.urls import path

from supervision.suspension import views

app_name = "suspension"

urlpatterns = [
    path(
        "supervision/tenders/<uuid:tender_id>/suspension/",
        views.tender_suspension,
        name="tender",
    ),
]
