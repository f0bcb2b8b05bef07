"""Trading's API routes; config/urls.py includes them under `api/v1/`."""

from django.urls import include, path

from trading.api import award, escrow, releases, tenders

tender_urlpatterns = [
    path("projects", tenders.ProjectCreateView.as_view(), name="project-create"),
    path("notifications", tenders.NotificationListView.as_view(), name="notifications"),
    path(
        "tenders/<uuid:tender_id>/objections",
        tenders.ObjectionRaiseView.as_view(),
        name="objection-raise",
    ),
    path(
        "objections/<uuid:objection_id>/answer",
        tenders.ObjectionAnswerView.as_view(),
        name="objection-answer",
    ),
    path("tenders/drafts", tenders.TenderDraftView.as_view(), name="tender-draft"),
    path("tenders", tenders.TenderListView.as_view(), name="tender-list"),
    path("tenders/<uuid:tender_id>", tenders.TenderDetailView.as_view(), name="tender-detail"),
    path(
        "tenders/<uuid:tender_id>/documents",
        tenders.TenderDocumentsView.as_view(),
        name="tender-documents",
    ),
    path(
        "tenders/<uuid:tender_id>/downloads",
        tenders.TenderDownloadsView.as_view(),
        name="tender-downloads",
    ),
    path(
        "documents/<uuid:document_id>/download",
        tenders.DocumentDownloadView.as_view(),
        name="document-download",
    ),
    path(
        "tenders/<uuid:tender_id>/candidate-objections",
        award.CandidateObjectionView.as_view(),
        name="candidate-objection",
    ),
    path(
        "candidate-objections/<uuid:objection_id>/answer",
        award.CandidateObjectionAnswerView.as_view(),
        name="candidate-objection-answer",
    ),
    path(
        "tenders/<uuid:tender_id>/escrow-part",
        escrow.EscrowPartView.as_view(),
        name="escrow-part",
    ),
    path("tenders/<uuid:tender_id>/award", award.AwardView.as_view(), name="award"),
    path("tenders/<uuid:tender_id>/contract", award.ContractView.as_view(), name="contract"),
    path("tenders/<uuid:tender_id>/archive", award.ArchiveView.as_view(), name="archive"),
    path(
        "tenders/<uuid:tender_id>/bid-security-refunds",
        award.BidSecurityRefundView.as_view(),
        name="bid-security-refund",
    ),
    # Last, so that the named routes above are matched first.
    path(
        "tenders/<uuid:tender_id>/<slug:action>",
        tenders.TenderActionView.as_view(),
        name="tender-action",
    ),
]

# The public OCDS feed (信息全公开): no authentication, its own namespace.
ocds_urlpatterns = [
    path("ocds/releases", releases.ReleaseFeedView.as_view(), name="releases"),
    path("ocds/releases/<str:release_id>", releases.ReleaseDetailView.as_view(), name="release"),
]

urlpatterns = [
    path("", include((tender_urlpatterns, "trading-api"))),
    path("", include((ocds_urlpatterns, "ocds"))),
]
