from django.urls import path

from trading import api_award, api_tenders

urlpatterns = [
    path("projects", api_tenders.ProjectCreateView.as_view(), name="project-create"),
    path("notifications", api_tenders.NotificationListView.as_view(), name="notifications"),
    path("tenders/<uuid:tender_id>/objections", api_tenders.ObjectionRaiseView.as_view(),
         name="objection-raise"),
    path("objections/<uuid:objection_id>/answer", api_tenders.ObjectionAnswerView.as_view(),
         name="objection-answer"),
    path("tenders/drafts", api_tenders.TenderDraftView.as_view(), name="tender-draft"),
    path("tenders", api_tenders.TenderListView.as_view(), name="tender-list"),
    path("tenders/<uuid:tender_id>", api_tenders.TenderDetailView.as_view(), name="tender-detail"),
    path("tenders/<uuid:tender_id>/documents", api_tenders.TenderDocumentsView.as_view(),
         name="tender-documents"),
    path("tenders/<uuid:tender_id>/downloads", api_tenders.TenderDownloadsView.as_view(),
         name="tender-downloads"),
    path("documents/<uuid:document_id>/download", api_tenders.DocumentDownloadView.as_view(),
         name="document-download"),
    path("tenders/<uuid:tender_id>/candidates", api_award.CandidatePublicityView.as_view(),
         name="candidate-publicity"),
    path("tenders/<uuid:tender_id>/candidate-objections",
         api_award.CandidateObjectionView.as_view(), name="candidate-objection"),
    path("candidate-objections/<uuid:objection_id>/answer",
         api_award.CandidateObjectionAnswerView.as_view(), name="candidate-objection-answer"),
    path("tenders/<uuid:tender_id>/award", api_award.AwardView.as_view(), name="award"),
    path("tenders/<uuid:tender_id>/contract", api_award.ContractView.as_view(), name="contract"),
    path("tenders/<uuid:tender_id>/archive", api_award.ArchiveView.as_view(), name="archive"),
    # Last, so that the named routes above are matched first.
    path("tenders/<uuid:tender_id>/<slug:action>", api_tenders.TenderActionView.as_view(),
         name="tender-action"),
]
