"""Trading's pages; config/urls.py includes them at the site's root."""

from django.urls import include, path

from trading.views import award, bidder, documents, notices, portal, workspace

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
    path("objections/", bidder.objections_page, name="my-objections"),
    path("notifications/", bidder.notifications_page, name="my-notifications"),
    # After the evaluation report; before tender-action, whose pattern would take these too.
    path(
        "workspace/<uuid:tender_id>/candidates/",
        award.candidates_page,
        name="award-candidates",
    ),
    path("workspace/<uuid:tender_id>/award/", award.award_page, name="award-decide"),
    path("workspace/<uuid:tender_id>/contract/", award.contract_page, name="award-contract"),
    path("workspace/<uuid:tender_id>/bid-security/", award.refunds_page, name="award-refunds"),
    path("letters/<uuid:letter_id>/", award.letter_page, name="award-letter"),
    path("letters/<uuid:letter_id>/<str:part>", award.letter_part, name="award-letter-part"),
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
