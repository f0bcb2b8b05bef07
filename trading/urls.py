"""Trading's pages; config/urls.py includes them at the site's root."""

from django.urls import include, path

from trading.views import documents, notices, portal, workspace

tender_urlpatterns = [
    path("", portal.tender_list, name="tender-list"),
    path("<uuid:tender_id>/", portal.tender_detail, name="tender-detail"),
    path("workspace/", workspace.workspace, name="workspace"),
    path("workspace/new/", workspace.draft_create, name="draft-create"),
    path("workspace/<uuid:tender_id>/", workspace.tender_manage, name="workspace-tender"),
    path(
        "documents/<uuid:document_id>/download",
        documents.document_download,
        name="document-download",
    ),
    path("<uuid:tender_id>/objections", documents.objection_raise_page, name="objection-raise"),
    path(
        "workspace/<uuid:tender_id>/<slug:action>/", workspace.tender_action, name="tender-action"
    ),
]

notice_urlpatterns = [
    path("<uuid:notice_id>/", notices.notice_detail, name="notice-detail"),
    path("<uuid:notice_id>/release.json", notices.notice_release, name="notice-release"),
    path("<uuid:notice_id>/signature.p7s", notices.notice_signature, name="notice-signature"),
    path("<uuid:notice_id>/timestamp.tsr", notices.notice_timestamp, name="notice-timestamp"),
    path("tender/<uuid:tender_id>/", notices.tender_notices, name="tender-notices"),
]

urlpatterns = [
    path("tenders/", include((tender_urlpatterns, "trading"))),
    path("notices/", include((notice_urlpatterns, "notices"))),
]
