"""Public notice pages; the project includes these under `notices/`."""

from django.urls import path

from trading import notice_views

app_name = "notices"

urlpatterns = [
    path("<uuid:notice_id>/", notice_views.notice_detail, name="notice-detail"),
    path("<uuid:notice_id>/release.json", notice_views.notice_release, name="notice-release"),
    path("<uuid:notice_id>/signature.p7s", notice_views.notice_signature,
         name="notice-signature"),
    path("<uuid:notice_id>/timestamp.tsr", notice_views.notice_timestamp,
         name="notice-timestamp"),
    path("tender/<uuid:tender_id>/", notice_views.tender_notices, name="tender-notices"),
]
